use std::sync::RwLock;
struct Peer { id: u32 }
struct State { peers: Vec<Peer> }
struct Net { state: RwLock<State> }

impl Net {
    fn is_active(&self, p: &Peer) -> bool {
        self.state.read().unwrap().peers.iter().any(|q| q.id == p.id)
    }

    // The filter closure runs while the read guard's temporary lives; a
    // closure stored for later does not.
    fn active(&self) -> Vec<u32> {
        let later = |p: &Peer| self.is_active(p);
        let active: Vec<u32> = self.state.read().unwrap().peers.iter().filter(|p| self.is_active(p)).map(|p| p.id).collect();
        let _ = later;
        active
    }
}

// ==== expected
// body0 Net::is_active
//   bb0 (entry): call #0; acquire a0 -> _1; call #1; call #2; acquire a1 -> _2; use p(_0) -> bb1, bb2
//   bb1: use q(_3); use p(_0); end q(_3) ScopeEnd
//   bb2: call #3; end _2 TemporaryEnd; end _1 TemporaryEnd; end p(_0) ScopeEnd
//   a0 self.state at 8:9: temporary, no end
//   a1 self.state.read().unwrap().peers at 8:9: temporary, no end, taken holding [0]
// body1 Net::active
//   bb0 (entry): call #1; acquire a0 -> _2; call #2; call #3; acquire a1 -> _3 -> bb2, bb3
//   bb1 (entry): use p(_0); end p(_0) Move escapes; call #0; end p(_0) ScopeEnd
//   bb2: use p(_4); end p(_4) Move escapes; call #4; end p(_4) ScopeEnd
//   bb3: call #5; end _3 Move -> bb4, bb5
//   bb4: use p(_5); end p(_5) ScopeEnd
//   bb5: call #6; call #7; end _3 TemporaryEnd; end _2 TemporaryEnd; use later(_1); bind later(_1) -> _; use active(_6); move active(_6) -> _7; end active(_6) ScopeEnd; end later(_1) ScopeEnd; end _7 Move escapes; end _7 TemporaryEnd
//   a0 self.state at 15:32: temporary, no end
//   a1 self.state.read().unwrap().peers at 15:32: temporary, Move at 15:32, taken holding [0]
