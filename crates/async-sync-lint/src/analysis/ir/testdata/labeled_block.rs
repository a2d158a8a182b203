// `break 'blk` leaves the labeled block: `a` ends on that edge too.
async fn found(a: &std::sync::Mutex<Vec<u32>>, k: usize) -> Option<u32> {
    let found = 'blk: {
        let g = a.lock().unwrap();
        let Some(v) = g.get(k) else { break 'blk None };
        Some(*v)
    };
    io().await;
    found
}

// ==== expected
// body0 found
//   bb0 (entry): use a(_0); call #0; acquire a0 -> _3; call #1; bind _3 -> g(_4); end _3 TemporaryEnd; use g(_4); use k(_1); end k(_1) Move escapes; call #2; acquire a1 -> _5 -> bb2, bb4
//   bb1: end _2 TemporaryEnd; call #4; await #0; use found(_7); move found(_7) -> _8; end found(_7) ScopeEnd; end _8 Move escapes; end _8 TemporaryEnd; end k(_1) ScopeEnd; end a(_0) ScopeEnd
//   bb2: end _5 TemporaryEnd exit; end _5 TemporaryEnd exit; end g(_4) ScopeEnd exit -> bb1
//   bb3: 
//   bb4: bind _5 -> v(_6); end _5 TemporaryEnd; use v(_6); call #3; end v(_6) ScopeEnd; end g(_4) ScopeEnd -> bb1
//   await #0 at 8:10 holds []
//   a0 a at 4:17: `g`, ScopeEnd at 7:5
//   a1 g at 5:23: `v`, ScopeEnd at 7:5, taken holding [0]
