// The async block's `st` is its own local: the outer one is not captured.
fn start(m: std::sync::Arc<std::sync::Mutex<u32>>) {
    let st = m.lock().unwrap();
    let _ = *st;
    let me = m.clone();
    tokio::spawn(async move {
        run().await;
        let st = me.lock().unwrap();
        let _ = *st;
    });
}

// A guard the async block names is captured and held at its await.
async fn captured(m: &std::sync::Mutex<u32>) {
    let g = m.lock().unwrap();
    async {
        run().await;
        let _ = *g;
    }
    .await;
}

// ==== expected
// body0 start
//   bb0 (entry): use m(_0); call #0; acquire a0 -> _1; call #1; bind _1 -> st(_2); end _1 TemporaryEnd; use st(_2); use m(_0); call #2; nested body1 [me(_3)=>_0]; end me(_3) Move escapes; call #3; end me(_3) ScopeEnd; end st(_2) ScopeEnd; end m(_0) ScopeEnd
//   a0 m at 3:14: `st`, ScopeEnd at 11:1
// body1 async block
//   bb0 (entry): call #0; await #0; use me(_0); call #1; acquire a0 -> _1; call #2; bind _1 -> st(_2); end _1 TemporaryEnd; use st(_2); end st(_2) ScopeEnd; end me(_0) ScopeEnd
//   await #0 at 7:15 holds []
//   a0 me at 8:18: `st`, ScopeEnd at 10:5
// body2 captured
//   bb0 (entry): use m(_0); call #0; acquire a0 -> _1; call #1; bind _1 -> g(_2); end _1 TemporaryEnd; nested body3 [g(_2)=>_0]; await #0; end g(_2) ScopeEnd; end m(_0) ScopeEnd
//   await #0 at 20:6 holds [a0]
//   a0 m at 15:13: `g`, ScopeEnd at 21:1
// body3 async block
//   bb0 (entry): call #0; await #0; use g(_0); end g(_0) ScopeEnd
//   await #0 at 17:15 holds [a0]
//   a0 m at 15:13: `g`, no end, captured from body2 a0
