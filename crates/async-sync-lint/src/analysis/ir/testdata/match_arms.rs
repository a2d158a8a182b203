// edition: 2024
// The guard chosen in the arms lives on in `g`; the `Err` arm has none.
async fn push(m: &tokio::sync::Mutex<Vec<u32>>) {
    let mut g = match m.try_lock() {
        Ok(g) => g,
        Err(_) => m.lock().await,
    };
    io().await;
    g.push(1);
}

// `||`: the left guard is gone before the right operand runs.
async fn either(a: &std::sync::RwLock<Vec<u32>>, b: &tokio::sync::RwLock<Vec<u32>>) -> bool {
    a.read().unwrap().is_empty() || b.read().await.is_empty()
}

// ==== expected
// body0 push
//   bb0 (entry): use m(_0); call #0; acquire a0 -> _1 -> bb1, bb2
//   bb1: move _1 -> g(_2); use g(_2); move g(_2) -> _3; end g(_2) ScopeEnd; move _3 -> _6 -> bb3
//   bb2: forget _1; use m(_0); await #0; acquire a1 -> _4; move _4 -> _5; end _4 TemporaryEnd; move _5 -> _6 -> bb3
//   bb3: end _1 TemporaryEnd; bind _6 -> g(_7); end _6 TemporaryEnd; end _5 TemporaryEnd; end _3 TemporaryEnd; call #1; await #1; use g(_7); call #2; end g(_7) ScopeEnd; end m(_0) ScopeEnd
//   await #0 at 6:28 holds []
//   await #1 at 8:10 holds [a0, a1]
//   a0 m at 4:23: `g`, ScopeEnd at 10:1
//   a1 m at 6:19: `g`, ScopeEnd at 10:1
// body1 either
//   bb0 (entry): use a(_0); call #0; acquire a0 -> _2; call #1; call #2; end _2 TemporaryEnd -> bb1, bb2
//   bb1: use b(_1); await #0; acquire a1 -> _3; call #3; end _3 TemporaryEnd -> bb2
//   bb2: end b(_1) ScopeEnd; end a(_0) ScopeEnd
//   await #0 at 14:46 holds []
//   a0 a at 14:5: temporary, no end
//   a1 b at 14:37: temporary, no end
