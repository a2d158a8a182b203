//! The incremental cache, under `<target-dir>/async-sync-lint/cache/`. Two
//! files per package (one crate index), in `<build>/packages/`:
//!
//! - **the result** (`<slot>`): the package's whole result: the engine's and
//!   the rules' findings before levels and suppressions, the texts the
//!   driver needs for suppression markers, and the stats counters. It is
//!   valid for one *stat fingerprint*: the tool's build, the options that
//!   change findings, and every file's path, size, mtime, ctime, inode,
//!   edition, test-target flag and module path. When the fingerprint
//!   matches, no file of the package is read at all;
//! - **the facts pack** (`<slot>.facts`): each file's analysis (facts and
//!   the engine's own findings), keyed by what determines it: its content
//!   and edition. When the package misses, its unchanged files' analyses
//!   come from here, so a touched file re-parses only itself, and the crate
//!   index and the rules run again only for its package. Each analysis is
//!   encoded on its own, so the files of a package decode in parallel.
//!
//! One pack per package rather than one entry per file: creating a file is
//! the dear part of a write (≈ 0.5 ms each on the project's ext4 VMs), and
//! the corpus has 4,200 analysed files in 435 packages.
//!
//! Entries are postcard (a compact serde format) behind a magic number and
//! a content hash of the payload; see [`encode`].
//!
//! Architecture Invariants:
//! - an entry is written to a temporary file and renamed into place, so a
//!   crash never leaves a half-written entry under a real name;
//! - an entry that fails to read or decode, or whose stored key differs, is a
//!   miss (and is overwritten), never an error;
//! - levels, suppressions and the configuration's `exclude` are applied
//!   after the cache; what of the configuration changes findings
//!   (`blocking-paths`, the prefilter switch) is part of the package
//!   fingerprint;
//! - a stat that matches proves nothing when the file may have been written
//!   again within the same timestamp tick: such files are checked by content
//!   (see [`is_racy`]).
//!
//! Garbage collection: every build of the tool has its own directory
//! (`<build>` = [`tool_fingerprint`]); opening the cache deletes the
//! directories of other builds (and the layout of older versions), so an
//! upgrade or rebuild starts afresh. Within a build, a package has one slot
//! whose two files are overwritten when it misses; the new pack holds the
//! package's current files, plus those of the old pack that this run did not
//! lint but that still exist (a run may lint only some of a package's files,
//! `cargo async-sync-lint src/a.rs`). So the cache holds about one analysis
//! per existing file, whatever the history.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analysis::facts::{FileFacts, NamedItem};
use crate::diagnostic::{FileId, Finding};
use crate::input::workspace::Edition;

/// Bump when `FileFacts` (or its extraction) or an entry's layout changes
/// meaning.
pub const SCHEMA_VERSION: u32 = 12;

/// What identifies the build of the tool: its version, the cache schema, and
/// the running executable's size and modification time, so that a rebuilt
/// tool (a changed extractor under an unchanged version number) never reads
/// entries an older build wrote. It names the build's directory.
pub fn tool_fingerprint() -> &'static str {
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

// ------------------------------------------------------------- facts packs

/// Everything that decides one file's analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AnalysisKey {
    pub content: u128,
    pub len: u64,
    pub edition: Edition,
}

impl AnalysisKey {
    pub fn new(bytes: &[u8], edition: Edition) -> AnalysisKey {
        AnalysisKey { content: content_hash(bytes), len: bytes.len() as u64, edition }
    }
}

/// One file's analysis as stored: findings' file ids are left at 0.
#[derive(Serialize, Deserialize)]
struct FileEntry {
    facts: Option<FileFacts>,
    findings: Vec<Finding>,
}

/// One file in a facts pack: its path (lossy UTF-8; only used to tell
/// whether a file the run did not lint still exists), its key, and its
/// analysis, encoded apart so that it is decoded only if needed, in the
/// file's own task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackedFile {
    pub path: String,
    pub key: AnalysisKey,
    analysis: Blob,
}

impl PackedFile {
    /// Packs an analysis (`None` if it cannot be encoded).
    pub fn new(path: &Path, key: AnalysisKey, facts: Option<&FileFacts>, findings: &[Finding]) -> Option<PackedFile> {
        #[derive(Serialize)]
        struct FileEntryRef<'a> {
            facts: Option<&'a FileFacts>,
            findings: &'a [Finding],
        }
        let findings: Vec<Finding> = findings
            .iter()
            .cloned()
            .map(|mut f| {
                f.file = 0;
                f
            })
            .collect();
        let bytes = postcard::to_stdvec(&FileEntryRef { facts, findings: &findings }).ok()?;
        Some(PackedFile { path: path.to_string_lossy().into_owned(), key, analysis: Blob(bytes) })
    }

    /// The same analysis for a file at another path (a renamed or identical
    /// file).
    pub fn at(&self, path: &Path) -> PackedFile {
        PackedFile { path: path.to_string_lossy().into_owned(), ..self.clone() }
    }

    /// The stored analysis, with findings re-pointed at `file`.
    pub fn analysis(&self, file: FileId) -> Option<(Option<FileFacts>, Vec<Finding>)> {
        let (entry, rest): (FileEntry, &[u8]) = postcard::take_from_bytes(&self.analysis.0).ok()?;
        if !rest.is_empty() {
            return None;
        }
        let mut findings = entry.findings;
        for f in &mut findings {
            f.file = file;
        }
        Some((entry.facts, findings))
    }
}

/// A package's facts pack.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactsPack {
    pub tool: String,
    pub files: Vec<PackedFile>,
}

/// Bytes that serde writes as one byte string (postcard: a length and a
/// copy), not as a sequence of numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Blob(Vec<u8>);

impl Serialize for Blob {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Blob, D::Error> {
        struct Bytes;
        impl serde::de::Visitor<'_> for Bytes {
            type Value = Blob;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Blob, E> {
                Ok(Blob(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Blob, E> {
                Ok(Blob(v))
            }
        }
        d.deserialize_byte_buf(Bytes)
    }
}

// --------------------------------------------------------- package entries

/// How far back from the start of a run a file's last change must lie for
/// its stat to be trusted. A file written again within the same timestamp
/// tick as the write the stored stat saw keeps its stat, so a matching stat
/// would hide the change: git calls this the racy-clean problem. Ticks are
/// nanoseconds on ext4, xfs and btrfs, but the kernel stamps from a clock
/// that advances in jiffies (up to 10 ms); HFS+ and many network filesystems
/// keep whole seconds, and FAT two. 2 s covers them all. A file that changed
/// within this window before the run that wrote the entry (or after its
/// start) has its content hash stored, and is read and hashed again before
/// the entry is used. Clocks skewed by more than this (a network
/// filesystem's server against this machine) are not covered.
pub const RACY_WINDOW_NS: i128 = 2_000_000_000;

/// A file's metadata as the package fingerprint sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStat {
    pub len: u64,
    /// Nanoseconds since the Unix epoch (negative before it).
    pub mtime_ns: i128,
    /// Status change time: moves on every write, but also on `chmod` and on
    /// an mtime set back by a tool (`touch -d`, `tar`, `rsync -t`). 0 where
    /// the platform has none.
    pub ctime_ns: i128,
    /// Inode number (0 where the platform has none): a file replaced by a
    /// rename is another file.
    pub ino: u64,
}

impl FileStat {
    /// Reads the metadata of `path` (following links, as reading does).
    pub fn of(path: &Path) -> Option<FileStat> {
        let m = std::fs::metadata(path).ok()?;
        if !m.is_file() {
            return None;
        }
        Some(FileStat::from_metadata(&m))
    }

    #[cfg(unix)]
    fn from_metadata(m: &std::fs::Metadata) -> FileStat {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        FileStat {
            len: m.len(),
            mtime_ns: ns(m.mtime(), m.mtime_nsec()),
            ctime_ns: ns(m.ctime(), m.ctime_nsec()),
            ino: m.ino(),
        }
    }

    #[cfg(not(unix))]
    fn from_metadata(m: &std::fs::Metadata) -> FileStat {
        FileStat { len: m.len(), mtime_ns: m.modified().map_or(0, system_time_ns), ctime_ns: 0, ino: 0 }
    }
}

/// `t` in nanoseconds since the Unix epoch.
pub fn system_time_ns(t: std::time::SystemTime) -> i128 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

/// May the file be written again without its stat changing, as far as a
/// run that started at `started_ns` can tell? Then its stat proves nothing,
/// and its content must be compared.
///
/// The clock that matters is the status change time: every write sets it
/// to the present, and no tool can set it back, whereas the mtime can be
/// restored (`touch -d`, `tar`, `rsync -t`) after a write. Once the ctime is
/// older than the window, any later write or `utime` moves it. Without a
/// ctime (not Unix), the mtime stands in.
pub fn is_racy(stat: &FileStat, started_ns: i128) -> bool {
    let changed = if cfg!(unix) { stat.ctime_ns } else { stat.mtime_ns };
    changed + RACY_WINDOW_NS > started_ns
}

/// Builds a package fingerprint: every field is length- or tag-delimited,
/// so two different inputs never produce the same byte stream.
pub struct Fingerprint(Vec<u8>);

impl Default for Fingerprint {
    fn default() -> Fingerprint {
        let mut f = Fingerprint(Vec::with_capacity(4096));
        f.str(tool_fingerprint());
        f
    }
}

impl Fingerprint {
    pub fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(&(b.len() as u64).to_le_bytes());
        self.0.extend_from_slice(b);
    }

    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    pub fn path(&mut self, p: &Path) {
        #[cfg(unix)]
        self.bytes(std::os::unix::ffi::OsStrExt::as_bytes(p.as_os_str()));
        #[cfg(not(unix))]
        self.str(&p.to_string_lossy());
    }

    pub fn u64(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    pub fn stat(&mut self, s: &FileStat) {
        self.u64(s.len);
        self.0.extend_from_slice(&s.mtime_ns.to_le_bytes());
        self.0.extend_from_slice(&s.ctime_ns.to_le_bytes());
        self.u64(s.ino);
    }

    pub fn finish(&self) -> u128 {
        content_hash(&self.0)
    }
}

/// Counters of one package's run, summed into the run's `Stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageCounts {
    /// Files with facts (parsed, or from a file entry).
    pub parsed: usize,
    pub bodies: usize,
    pub async_bodies: usize,
    pub acquisitions: usize,
    pub resolved: usize,
    /// Files the prefilter left unparsed.
    pub skipped: usize,
}

/// One package's stored result. File ids in `findings`, `texts` and `items` are
/// indexes into the package's files (in the workspace's order), not into
/// the workspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackageEntry {
    /// The stat fingerprint this result belongs to.
    pub fingerprint: u128,
    pub tool: String,
    /// When the run that wrote it started (ns since the epoch).
    pub started_ns: i128,
    /// Files racy when written (see [`is_racy`]): package index and content
    /// hash of the bytes the result was made from.
    pub racy: Vec<(u32, u128)>,
    pub findings: Vec<Finding>,
    /// Texts of the files with suppression markers.
    pub texts: Vec<(u32, String)>,
    /// Named items of the files with findings or texts (for baselines).
    pub items: Vec<(u32, Vec<NamedItem>)>,
    pub counts: PackageCounts,
}

impl PackageEntry {
    /// Do the racy files still hold the bytes the result was made from?
    /// `paths` are the package's files, in order. Reads only racy files.
    pub fn racy_files_unchanged(&self, paths: &[&Path]) -> bool {
        self.racy.iter().all(|&(i, hash)| {
            paths.get(i as usize).and_then(|p| std::fs::read(p).ok()).is_some_and(|b| content_hash(&b) == hash)
        })
    }
}

// ------------------------------------------------------------------- cache

/// A cache directory (one tool build's). Cheap to share between threads:
/// every operation is a single file read or an atomic rename.
#[derive(Clone, Debug)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// Opens (creating it if needed) the cache in `root`, in the directory
    /// of this tool build, and deletes other builds' directories. `None` if
    /// the directory cannot be made: the run then goes on without a cache.
    pub fn open(root: &Path) -> Option<Cache> {
        Cache::open_as(root, tool_fingerprint())
    }

    fn open_as(root: &Path, build: &str) -> Option<Cache> {
        let dir = root.join(build);
        std::fs::create_dir_all(&dir).ok()?;
        // Another build's entries can never be read by this one. A run of
        // another build at the same moment on the same target directory only
        // loses its entries (its writes fail, its reads miss).
        // Only directories named as ours are touched, in case the cache
        // root was pointed somewhere shared.
        if let Ok(entries) = std::fs::read_dir(root) {
            for e in entries.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name != build && is_build_dir_name(&name) && e.file_type().is_ok_and(|t| t.is_dir()) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        Some(Cache { dir })
    }

    fn package_path(&self, slot: u128) -> PathBuf {
        self.dir.join("packages").join(format!("{slot:032x}"))
    }

    fn facts_path(&self, slot: u128) -> PathBuf {
        self.dir.join("packages").join(format!("{slot:032x}.facts"))
    }

    /// The result in a package's slot, whatever fingerprint it was made for
    /// (the caller compares). `None` if absent, damaged, or of another build.
    pub fn get_package(&self, slot: u128) -> Option<PackageEntry> {
        let entry: PackageEntry = decode(&std::fs::read(self.package_path(slot)).ok()?)?;
        (entry.tool == tool_fingerprint()).then_some(entry)
    }

    /// Stores a package's result in its slot. Failures are ignored: a cache
    /// that cannot be written only makes the next run slower.
    pub fn put_package(&self, slot: u128, entry: &PackageEntry) {
        if let Some(bytes) = encode(entry) {
            let _ = write_atomically(&self.package_path(slot), &bytes);
        }
    }

    /// The facts pack in a package's slot. `None` if absent, damaged, or of
    /// another build.
    pub fn get_facts(&self, slot: u128) -> Option<FactsPack> {
        let pack: FactsPack = decode(&std::fs::read(self.facts_path(slot)).ok()?)?;
        (pack.tool == tool_fingerprint()).then_some(pack)
    }

    /// Stores a package's facts pack. Failures are ignored.
    pub fn put_facts(&self, slot: u128, files: Vec<PackedFile>) {
        let pack = FactsPack { tool: tool_fingerprint().to_string(), files };
        if let Some(bytes) = encode(&pack) {
            let _ = write_atomically(&self.facts_path(slot), &bytes);
        }
    }
}

/// A build directory (`v0.1.0-s3-1a2b…`), or a fan-out directory of the
/// flat layout of earlier versions (two hex digits).
fn is_build_dir_name(name: &str) -> bool {
    let build = name
        .strip_prefix('v')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()) && rest.contains("-s"));
    let fan_out = name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit());
    build || fan_out
}

/// The first bytes of every entry; the last one is the encoding's version.
const MAGIC: &[u8; 4] = b"ASL\x01";

/// An entry's bytes: [`MAGIC`], the 128-bit [`content_hash`] of the payload
/// (little-endian), then the payload in postcard. Postcard is not
/// self-describing, so a damaged payload could decode into wrong facts
/// rather than fail; the hash turns any damage into a miss.
///
/// Why postcard and not JSON: on the corpus's 4,163 file analyses it is 5×
/// smaller (28 MB against 144 MB) and decodes 3-4× faster, and they
/// round-trip exactly (`FileFacts` has only `#[serde(default)]`, which a
/// non-self-describing format honours since every field is written).
fn encode<T: Serialize>(value: &T) -> Option<Vec<u8>> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&[0; 16]);
    let mut out = postcard::to_extend(value, out).ok()?;
    let hash = content_hash(&out[MAGIC.len() + 16..]);
    out[MAGIC.len()..MAGIC.len() + 16].copy_from_slice(&hash.to_le_bytes());
    Some(out)
}

/// The value in an entry's bytes; `None` if they are not exactly what
/// [`encode`] wrote.
fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (hash, payload) = rest.split_at_checked(16)?;
    if u128::from_le_bytes(hash.try_into().ok()?) != content_hash(payload) {
        return None;
    }
    let (value, trailing) = postcard::take_from_bytes(payload).ok()?;
    trailing.is_empty().then_some(value)
}

/// Writes `path` through a temporary file in the same directory, renamed
/// over the real name only once complete.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("entries live in a directory");
    std::fs::create_dir_all(dir)?;
    // A temporary name unique to this process and thread.
    let tmp = dir.join(format!(
        ".tmp-{}-{:?}-{}",
        std::process::id(),
        std::thread::current().id(),
        path.file_name().expect("a file name").to_string_lossy()
    ));
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
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

    fn leftovers(dir: &Path) -> Vec<std::ffi::OsString> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .filter(|n| n.to_string_lossy().starts_with(".tmp-"))
            .collect()
    }

    #[test]
    fn facts_packs_round_trip_and_damaged_ones_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        assert!(cache.get_facts(1).is_none());
        let key = AnalysisKey::new(b"async fn f() {}", Edition::E2021);
        let facts = FileFacts::default();
        let finding = Finding::new("x", crate::diagnostic::Level::Warn, 7, crate::diagnostic::Span::default(), "m");
        let packed = PackedFile::new(Path::new("src/a.rs"), key, Some(&facts), std::slice::from_ref(&finding)).unwrap();
        cache.put_facts(1, vec![packed.clone(), packed.at(Path::new("src/b.rs"))]);
        let pack = cache.get_facts(1).unwrap();
        assert_eq!(pack.files.len(), 2);
        assert_eq!((pack.files[0].path.as_str(), pack.files[1].path.as_str()), ("src/a.rs", "src/b.rs"));
        assert_eq!(pack.files[0].key, key);
        let (got, findings) = pack.files[1].analysis(3).unwrap();
        assert_eq!(got, Some(facts));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].file, 3);
        assert!(cache.get_facts(2).is_none());
        // A truncated pack (as a crash mid-write without the rename would
        // leave, had it been written in place) reads as a miss.
        let path = cache.facts_path(1);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert!(cache.get_facts(1).is_none());
        // No temporary file is left behind by a successful write.
        assert!(leftovers(path.parent().unwrap()).is_empty());
    }

    /// Every fixture's facts survive the encoding unchanged: postcard is
    /// not self-describing, so a serde attribute it cannot honour would show
    /// here.
    #[test]
    fn facts_round_trip_through_the_encoding() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut stack = vec![root];
        let mut files = Vec::new();
        let mut expected = Vec::new();
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    let o = crate::engine::analyze_text(&text, Edition::E2021, 0);
                    let key = AnalysisKey::new(text.as_bytes(), Edition::E2021);
                    files.push(PackedFile::new(&p, key, o.facts.as_ref(), &o.findings).unwrap());
                    expected.push((o.facts, o.findings));
                }
            }
        }
        let pack = FactsPack { tool: tool_fingerprint().to_string(), files };
        let back: FactsPack = decode(&encode(&pack).unwrap()).unwrap();
        assert_eq!(back, pack);
        for (f, (facts, findings)) in back.files.iter().zip(&expected) {
            assert!(f.analysis(0).unwrap() == (facts.clone(), findings.clone()), "{}", f.path);
        }
        let with_bodies = expected.iter().filter(|(f, _)| f.as_ref().is_some_and(|f| !f.bodies.is_empty())).count();
        assert!(with_bodies > 50, "only {with_bodies} fixtures with bodies");
    }

    fn package_entry(racy: Vec<(u32, u128)>) -> PackageEntry {
        PackageEntry {
            fingerprint: 42,
            tool: tool_fingerprint().to_string(),
            started_ns: 0,
            racy,
            findings: vec![Finding::new(
                "x",
                crate::diagnostic::Level::Warn,
                1,
                crate::diagnostic::Span::default(),
                "m",
            )],
            texts: vec![(0, "// async-sync-lint: allow(x)\n".to_string())],
            items: vec![(1, vec![NamedItem { first_line: 1, last_line: 3, name: "mod a::fn f".to_string() }])],
            counts: PackageCounts { parsed: 2, skipped: 1, ..PackageCounts::default() },
        }
    }

    #[test]
    fn package_entries_round_trip_and_torn_ones_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        assert!(cache.get_package(7).is_none());
        let entry = package_entry(Vec::new());
        cache.put_package(7, &entry);
        assert_eq!(cache.get_package(7), Some(entry));
        assert!(cache.get_package(8).is_none());
        let path = cache.package_path(7);
        let text = std::fs::read(&path).unwrap();
        for cut in [0, 1, text.len() / 2, text.len() - 1] {
            std::fs::write(&path, &text[..cut]).unwrap();
            assert!(cache.get_package(7).is_none(), "cut at {cut}");
        }
        // One flipped bit anywhere is a miss, too.
        for at in [0, MAGIC.len(), MAGIC.len() + 16, text.len() - 1] {
            let mut bad = text.clone();
            bad[at] ^= 1;
            std::fs::write(&path, &bad).unwrap();
            assert!(cache.get_package(7).is_none(), "bit flipped at {at}");
        }
        let mut longer = text.clone();
        longer.push(0);
        std::fs::write(&path, &longer).unwrap();
        assert!(cache.get_package(7).is_none());
    }

    #[test]
    fn racy_window() {
        let started = 1_000 * 1_000_000_000;
        let at = |ns: i128| FileStat { len: 1, mtime_ns: ns, ctime_ns: ns, ino: 1 };
        assert!(!is_racy(&at(started - RACY_WINDOW_NS), started));
        assert!(is_racy(&at(started - RACY_WINDOW_NS + 1), started));
        assert!(is_racy(&at(started), started));
        // A file from the future (a skewed clock) is never trusted by stat.
        assert!(is_racy(&at(started + 3_600 * 1_000_000_000), started));
        if cfg!(unix) {
            // An mtime set back by a tool leaves a recent ctime: what the
            // stat saw may have been written a moment ago.
            let set_back = FileStat { ctime_ns: started, ..at(0) };
            assert!(is_racy(&set_back, started));
        }
    }

    /// A racy file (written within the window before the run that stored
    /// the entry) is compared by content, so a same-size rewrite that kept
    /// its stat is seen; a trusted file is not even read.
    #[test]
    fn racy_files_are_compared_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.rs");
        let b = dir.path().join("b.rs");
        std::fs::write(&a, b"async fn f() {}").unwrap();
        let paths = [a.as_path(), b.as_path()];
        // b.rs does not exist: it is trusted by stat, so never read.
        let entry = package_entry(vec![(0, content_hash(b"async fn f() {}"))]);
        assert!(entry.racy_files_unchanged(&paths));
        std::fs::write(&a, b"async fn g() {}").unwrap();
        assert!(!entry.racy_files_unchanged(&paths));
        std::fs::remove_file(&a).unwrap();
        assert!(!entry.racy_files_unchanged(&paths));
    }

    #[test]
    fn other_builds_are_deleted_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let old = Cache::open_as(dir.path(), "v0.0.1-s1-old").unwrap();
        old.put_package(1, &package_entry(Vec::new()));
        // The flat layout of earlier versions: fan-out directories directly
        // under the cache root.
        std::fs::create_dir_all(dir.path().join("ab")).unwrap();
        std::fs::write(dir.path().join("ab").join("x.json"), b"{}").unwrap();
        // Something that is not ours is left alone.
        std::fs::create_dir_all(dir.path().join("notes")).unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names, ["notes", tool_fingerprint()]);
        assert!(cache.get_package(1).is_none());
    }
}
