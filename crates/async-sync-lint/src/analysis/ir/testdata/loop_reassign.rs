// A guard taken at the end of one iteration is held at the next one's await.
async fn carried(m: &std::sync::Mutex<u32>) {
    let mut g;
    loop {
        flush().await;
        g = m.lock().unwrap();
        if *g > 3 {
            break;
        }
    }
}

// ==== expected
// body0 carried
//   bb0: -> bb1
//   bb1: call #0; await #0; use m(_0); call #1; acquire a0 -> _3; call #2; end g(_1) Reassign; write #0 via g(_1); bind _3 -> g(_1); end _3 TemporaryEnd; use g(_1) -> bb3, bb5
//   bb2: end g(_1) ScopeEnd; end _2 TemporaryEnd; end m(_0) ScopeEnd
//   bb3: -> bb2
//   bb4: -> bb6
//   bb5: -> bb6
//   bb6: -> bb1
//   await #0 at 5:17 holds [a0]
//   a0 m at 6:13: `g`, ScopeEnd at 11:1
