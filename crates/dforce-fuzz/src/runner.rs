//! The stable-Rust driver: replays a corpus through a target, then runs mutated corpus inputs for
//! a bounded time. The edits applied to an input (bit flips, boundary integers, dictionary
//! tokens, insertions, deletions, copies, splices with another corpus input, truncation) are drawn
//! by proptest from a seeded RNG, so a run is reproducible from its seed.
//!
//! This is the CI's short pass and the fallback of `scripts/fuzz.sh` where cargo-fuzz is not
//! installed; the long runs use libFuzzer through `fuzz/`, which calls the same [`Target`]s.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::targets::Target;

/// Seconds one input may run before the watchdog reports a hang and exits.
pub const HANG_SECS: u64 = 20;

/// Largest input the mutator produces (libFuzzer's `-max_len` in `scripts/fuzz.sh`).
pub const MAX_LEN: usize = 64 * 1024;

/// Integers at type boundaries, written into inputs at random places (as libFuzzer does).
const INTERESTING: &[u64] = &[
    0,
    1,
    2,
    7,
    8,
    16,
    64,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    u64::MAX,
];

/// One edit of an input; positions are [`Index`]es, scaled to the input's length when applied.
#[derive(Debug, Clone)]
enum Edit {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    /// A boundary or random integer of 1, 2, 4 or 8 bytes, little- or big-endian.
    SetInt(Index, u8, u64, bool),
    Insert(Index, Vec<u8>),
    /// A token of the target's dictionary.
    InsertToken(Index, Index),
    /// A token of the target's dictionary over the bytes at a position.
    OverwriteToken(Index, Index),
    Remove(Index, usize),
    /// Copies `len` bytes from one position to another (overwriting).
    Copy(Index, Index, usize),
    /// Inserts a piece of another corpus input.
    Splice(Index, Index, Index, usize),
    Truncate(Index),
    /// Replaces an ASCII decimal number in place with another one (sizes in text formats).
    Number(Index, u64),
}

fn edit() -> impl Strategy<Value = Edit> {
    let int = prop_oneof![
        prop::sample::select(INTERESTING),
        any::<u64>(),
        (0u64..64).prop_map(|v| v.wrapping_sub(8)),
    ];
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Edit::FlipBit(i, b)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::SetByte(i, b)),
        3 => (any::<Index>(), prop::sample::select(&[1u8, 2, 4, 8][..]), int.clone(), any::<bool>())
            .prop_map(|(i, w, v, be)| Edit::SetInt(i, w, v, be)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Edit::InsertToken(i, t)),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Edit::OverwriteToken(i, t)),
        2 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Edit::Remove(i, n)),
        1 => (any::<Index>(), any::<Index>(), 1usize..64).prop_map(|(a, b, n)| Edit::Copy(a, b, n)),
        1 => (any::<Index>(), any::<Index>(), any::<Index>(), 1usize..256)
            .prop_map(|(o, a, b, n)| Edit::Splice(o, a, b, n)),
        1 => any::<Index>().prop_map(Edit::Truncate),
        2 => (any::<Index>(), int).prop_map(|(i, v)| Edit::Number(i, v)),
    ]
}

/// A mutation: which corpus input to start from (or none: random bytes), and the edits.
#[derive(Debug, Clone)]
struct Mutation {
    base: Option<Index>,
    random: Vec<u8>,
    edits: Vec<Edit>,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        prop::option::weighted(0.95, any::<Index>()),
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::vec(edit(), 1..8),
    )
        .prop_map(|(base, random, edits)| Mutation {
            base,
            random,
            edits,
        })
}

fn apply(m: &Mutation, corpus: &[Vec<u8>], dict: &[Vec<u8>]) -> Vec<u8> {
    let mut data = match (m.base, corpus.is_empty()) {
        (Some(i), false) => i.get(corpus).clone(),
        _ => m.random.clone(),
    };
    // A position in 0..=len (inserting at the end is allowed).
    let at = |i: &Index, len: usize| i.index(len + 1);
    for e in &m.edits {
        let len = data.len();
        match e {
            Edit::FlipBit(i, b) if len > 0 => data[i.index(len)] ^= 1 << b,
            Edit::SetByte(i, v) if len > 0 => data[i.index(len)] = *v,
            Edit::SetInt(i, w, v, be) => {
                let w = usize::from(*w);
                let bytes = if *be {
                    v.to_be_bytes()[8 - w..].to_vec()
                } else {
                    v.to_le_bytes()[..w].to_vec()
                };
                if len >= w {
                    let p = i.index(len - w + 1);
                    data[p..p + w].copy_from_slice(&bytes);
                }
            }
            Edit::Insert(i, b) => {
                let p = at(i, len);
                data.splice(p..p, b.iter().copied());
            }
            Edit::InsertToken(i, t) if !dict.is_empty() => {
                let p = at(i, len);
                data.splice(p..p, t.get(dict).iter().copied());
            }
            Edit::OverwriteToken(i, t) if !dict.is_empty() => {
                let tok = t.get(dict);
                if len >= tok.len() {
                    let p = i.index(len - tok.len() + 1);
                    data[p..p + tok.len()].copy_from_slice(tok);
                }
            }
            Edit::Remove(i, n) if len > 0 => {
                let p = i.index(len);
                let end = (p + n).min(len);
                data.drain(p..end);
            }
            Edit::Copy(a, b, n) if len > 0 => {
                let src = a.index(len);
                let n = (*n).min(len - src);
                let dst = b.index(len - n + 1);
                data.copy_within(src..src + n, dst);
            }
            Edit::Splice(o, a, b, n) if !corpus.is_empty() => {
                let other = o.get(corpus);
                if !other.is_empty() {
                    let src = a.index(other.len());
                    let n = (*n).min(other.len() - src);
                    let p = at(b, len);
                    data.splice(p..p, other[src..src + n].iter().copied());
                }
            }
            Edit::Truncate(i) => data.truncate(at(i, len)),
            Edit::Number(i, v) if len > 0 => {
                // The run of ASCII digits at or after a position.
                let start = i.index(len);
                if let Some(s) = data[start..].iter().position(u8::is_ascii_digit) {
                    let s = start + s;
                    let e = data[s..]
                        .iter()
                        .position(|c| !c.is_ascii_digit())
                        .map_or(len, |e| s + e);
                    data.splice(s..e, v.to_string().into_bytes());
                }
            }
            _ => {}
        }
    }
    data.truncate(MAX_LEN);
    data
}

/// Reads the files of `dir` (none if it does not exist), sorted by name.
pub fn read_corpus(dir: &Path) -> std::io::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_file() {
            let bytes = std::fs::read(&path)?;
            out.push((path, bytes));
        }
    }
    out.sort();
    Ok(out)
}

/// Parses a libFuzzer dictionary (`fuzz/dicts/<target>.dict`): one `"token"` per line, optionally
/// `name=` before it, with `\\`, `\"` and `\xNN` escapes; `#` starts a comment.
pub fn parse_dict(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || format!("dictionary line {}: expected \"token\": {line}", n + 1);
        let start = line.find('"').ok_or_else(bad)?;
        let body = line[start + 1..].strip_suffix('"').ok_or_else(bad)?;
        let mut tok = Vec::new();
        let mut bytes = body.bytes();
        while let Some(b) = bytes.next() {
            if b != b'\\' {
                tok.push(b);
                continue;
            }
            match bytes.next() {
                Some(b'x') => {
                    let hex: Vec<u8> = bytes.by_ref().take(2).collect();
                    let s = std::str::from_utf8(&hex).map_err(|_| bad())?;
                    tok.push(u8::from_str_radix(s, 16).map_err(|_| bad())?);
                }
                Some(c) => tok.push(c),
                None => return Err(bad()),
            }
        }
        out.push(tok);
    }
    Ok(out)
}

/// Where a failing input is saved: `fuzz/artifacts/<target>/stable-<kind>-<hash>`.
fn save_failure(target: &str, kind: &str, data: &[u8]) -> PathBuf {
    // FNV-1a: a stable name for the same input.
    let hash = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let dir = crate::fuzz_dir().join("artifacts").join(target);
    let path = dir.join(format!("stable-{kind}-{hash:016x}"));
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, data)) {
        eprintln!("dforce-fuzz: cannot save {}: {e}", path.display());
    }
    path
}

/// The input being run, for the watchdog and the allocation hook.
struct Current {
    target: &'static str,
    data: Vec<u8>,
}

static CURRENT: OnceLock<Arc<Mutex<Option<Current>>>> = OnceLock::new();
static PROGRESS: AtomicU64 = AtomicU64::new(0);

fn current() -> &'static Arc<Mutex<Option<Current>>> {
    CURRENT.get_or_init(|| Arc::new(Mutex::new(None)))
}

fn save_current(kind: &str) {
    if let Ok(guard) = current().try_lock()
        && let Some(c) = guard.as_ref()
    {
        let path = save_failure(c.target, kind, &c.data);
        eprintln!(
            "dforce-fuzz: {kind} in target {}: input saved to {}",
            c.target,
            path.display()
        );
    }
}

/// Starts the watchdog (once per process): if no input finishes for [`HANG_SECS`] seconds, the
/// running input is saved and the process exits with status 3. Also registers the allocation
/// hook that saves the running input before [`crate::alloc::CappedAlloc`] aborts.
pub fn start_watchdog() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        crate::alloc::on_excess(|_, _| save_current("oom"));
        std::thread::spawn(|| {
            let mut last = PROGRESS.load(Ordering::Relaxed);
            let mut since = Instant::now();
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let now = PROGRESS.load(Ordering::Relaxed);
                let busy = current().lock().map(|c| c.is_some()).unwrap_or(false);
                if now != last || !busy {
                    last = now;
                    since = Instant::now();
                } else if since.elapsed() > Duration::from_secs(HANG_SECS) {
                    save_current("hang");
                    std::process::exit(3);
                }
            }
        });
    });
}

/// Runs one input; `Err` with the saved input's path if the target panicked.
pub fn run_one(target: &Target, data: &[u8]) -> Result<(), PathBuf> {
    if let Ok(mut c) = current().lock() {
        *c = Some(Current {
            target: target.name,
            data: data.to_vec(),
        });
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| (target.run)(data)));
    if let Ok(mut c) = current().lock() {
        *c = None;
    }
    PROGRESS.fetch_add(1, Ordering::Relaxed);
    outcome.map_err(|_| save_failure(target.name, "crash", data))
}

/// What a run of one target did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Corpus inputs replayed.
    pub replayed: u64,
    /// Mutated inputs run.
    pub mutated: u64,
    /// Inputs that panicked, saved under `fuzz/artifacts/<target>/`.
    pub failures: Vec<PathBuf>,
}

/// Options of [`fuzz`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Stop mutating after this long.
    pub duration: Duration,
    /// Stop mutating after this many inputs (whichever comes first).
    pub max_runs: u64,
    /// The RNG seed (the same seed, corpus and time give the same inputs in the same order).
    pub seed: u64,
    /// Stop at the first failure.
    pub stop_on_failure: bool,
}

/// Replays `corpus` through `target`, then runs mutated inputs until `options` says stop.
pub fn fuzz(target: &Target, corpus: &[Vec<u8>], dict: &[Vec<u8>], options: &Options) -> Report {
    start_watchdog();
    let mut report = Report::default();
    for input in corpus {
        report.replayed += 1;
        if let Err(path) = run_one(target, input) {
            report.failures.push(path);
            if options.stop_on_failure {
                return report;
            }
        }
    }
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&options.seed.to_le_bytes());
    seed[8..16].copy_from_slice(&(target.name.len() as u64).to_le_bytes());
    for (s, b) in seed[16..].iter_mut().zip(target.name.bytes()) {
        *s = b;
    }
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = mutation();
    let start = Instant::now();
    while report.mutated < options.max_runs && start.elapsed() < options.duration {
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            break;
        };
        let data = apply(&tree.current(), corpus, dict);
        report.mutated += 1;
        if let Err(path) = run_one(target, &data) {
            report.failures.push(path);
            if options.stop_on_failure {
                break;
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_escapes() {
        let d = parse_dict("# c\nkw=\"a\\\"b\"\n\"\\x00\\xff\\\\\"\n").unwrap();
        assert_eq!(d, vec![b"a\"b".to_vec(), vec![0, 0xff, b'\\']]);
        assert!(parse_dict("no quotes").is_err());
    }

    #[test]
    fn mutations_stay_in_bounds() {
        let corpus = vec![b"abc123def".to_vec(), Vec::new(), vec![0; 300]];
        let dict = vec![b"${".to_vec(), b"=".to_vec()];
        let mut runner = TestRunner::deterministic();
        let strategy = mutation();
        for _ in 0..20_000 {
            let m = strategy.new_tree(&mut runner).unwrap().current();
            assert!(apply(&m, &corpus, &dict).len() <= MAX_LEN);
        }
    }
}
