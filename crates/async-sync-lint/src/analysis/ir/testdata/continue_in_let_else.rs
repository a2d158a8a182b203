// The guard ends at `continue` and at the end of the body: not held at the
// next iteration's await.
async fn g(m: &std::sync::Mutex<std::collections::HashMap<u32, u32>>, keys: Vec<u32>) {
    for k in keys {
        io().await;
        let mut guard = m.lock().unwrap();
        let Some(v) = guard.get_mut(&k) else { continue };
        *v += 1;
    }
}

// ==== expected
// body0 g
//   bb0 (entry): use keys(_1) -> bb1
//   bb1:  -> bb2, bb3
//   bb2: end _2 TemporaryEnd; end keys(_1) ScopeEnd; end m(_0) ScopeEnd
//   bb3: call #0; await #0; use m(_0); call #1; acquire a0 -> _4; call #2; bind _4 -> guard(_5); end _4 TemporaryEnd; use guard(_5); use k(_3); call #3; acquire a1 -> _6 -> bb4, bb6
//   bb4: end _6 TemporaryEnd exit; end _6 TemporaryEnd exit; end guard(_5) ScopeEnd exit; end k(_3) ScopeEnd exit -> bb1
//   bb5: 
//   bb6: bind _6 -> v(_7); end _6 TemporaryEnd; use v(_7); write #0 via v(_7); end v(_7) ScopeEnd; end guard(_5) ScopeEnd; end k(_3) ScopeEnd -> bb1
//   await #0 at 5:14 holds []
//   a0 m at 6:25: `guard`, ScopeEnd at 9:5
//   a1 guard at 7:23: `v`, ScopeEnd at 9:5, taken holding [0]
