// `drop(g)` ends the old guard; the reassignment makes a new one.
async fn purge(map: &tokio::sync::RwLock<Vec<u32>>, ids: &[u32]) {
    let mut g = map.write().await;
    for id in ids {
        if g.contains(id) {
            drop(g);
            delete(*id).await;
            g = map.write().await;
        }
    }
}

// ==== expected
// body0 purge
//   bb0 (entry): use map(_0); await #0; acquire a0 -> _2; bind _2 -> g(_3); end _2 TemporaryEnd; use ids(_1) -> bb1
//   bb1:  -> bb2, bb3
//   bb2: end _4 TemporaryEnd; end g(_3) ScopeEnd; end ids(_1) ScopeEnd; end map(_0) ScopeEnd
//   bb3: use g(_3); use id(_5); end id(_5) Move escapes; call #0 -> bb4, bb5
//   bb4: end g(_3) Drop; call #1; use id(_5); call #2; await #1; use map(_0); await #2; acquire a1 -> _6; end g(_3) Reassign; write #0 via g(_3); bind _6 -> g(_3); end _6 TemporaryEnd -> bb6
//   bb5: -> bb6
//   bb6: end id(_5) ScopeEnd -> bb1
//   await #0 at 3:29 holds []
//   await #1 at 7:25 holds []
//   await #2 at 8:29 holds []
//   a0 map at 3:17: `g`, Drop at 6:13
//   a1 map at 8:17: `g`, Drop at 6:13
