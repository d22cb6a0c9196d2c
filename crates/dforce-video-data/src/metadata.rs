//! `metadata.json`: the number of frames of every file of each split, in the sorted order of
//! [`crate::files::find_npz_files`]. The reference reads it to index clips without opening every
//! video, and builds it from the files when it is missing.
//!
//! Format: `{"training": [len, …], "validation": [len, …]}` as the reference writes it. When bad
//! files were skipped ([`BadFilePolicy::Skip`]) an extra key
//! `"skipped": {"training": [{"file": "<path relative to the split>", "reason": "…"}], …}` records
//! them, so the lengths stay aligned with the files that remain; readers of the reference format
//! ignore unknown keys.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::config::BadFilePolicy;
use crate::error::VideoDataError;
use crate::files::find_npz_files;
use crate::kind::VideoKind;
use crate::source::probe_length;
use crate::split::Split;

/// The most frames one video may list (a billion: about a year at 30 fps); larger lengths are
/// a corrupt `metadata.json`, and their sums would overflow clip indexing.
pub const MAX_FRAMES: u64 = 1_000_000_000;

/// File name of the metadata under a dataset root.
pub const METADATA_FILE: &str = "metadata.json";

/// A file left out while building metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    /// Path relative to the split folder, `/`-separated.
    pub file: String,
    /// Why it was left out.
    pub reason: String,
}

/// Per-split video lengths (and any skipped files).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// Frames per file of `training/`, in sorted file order.
    pub training: Vec<usize>,
    /// Frames per file of `validation/`.
    pub validation: Vec<usize>,
    /// Files left out of `training` (see [`BadFilePolicy::Skip`]).
    pub skipped_training: Vec<SkippedFile>,
    /// Files left out of `validation`.
    pub skipped_validation: Vec<SkippedFile>,
}

impl Metadata {
    /// Lengths of `split`.
    pub fn lengths(&self, split: Split) -> &[usize] {
        match split {
            Split::Training => &self.training,
            Split::Validation => &self.validation,
        }
    }

    /// Files skipped in `split`.
    pub fn skipped(&self, split: Split) -> &[SkippedFile] {
        match split {
            Split::Training => &self.skipped_training,
            Split::Validation => &self.skipped_validation,
        }
    }

    fn parts_mut(&mut self, split: Split) -> (&mut Vec<usize>, &mut Vec<SkippedFile>) {
        match split {
            Split::Training => (&mut self.training, &mut self.skipped_training),
            Split::Validation => (&mut self.validation, &mut self.skipped_validation),
        }
    }

    /// Reads `path`.
    pub fn load(path: &Path) -> Result<Self, VideoDataError> {
        let text = std::fs::read_to_string(path).map_err(VideoDataError::io(path))?;
        let bad = |reason: String| VideoDataError::Metadata {
            path: path.to_path_buf(),
            reason,
        };
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            if text.contains("NaN") || text.contains("Infinity") {
                bad(format!(
                    "not valid JSON ({e}): it holds NaN or Infinity (what Python's json.dump \
                     writes for float nan/inf), which are not frame counts; delete it so it is \
                     rebuilt from the files"
                ))
            } else {
                bad(format!("not valid JSON: {e}"))
            }
        })?;
        let mut meta = Self::default();
        for split in Split::ALL {
            let key = split.dir_name();
            let list = value
                .get(key)
                .and_then(Value::as_array)
                .ok_or_else(|| bad(format!("no {key:?} list")))?;
            let lengths = list
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    frame_count(v).map_err(|why| {
                        bad(format!(
                            "{key:?}[{i}] is {v}: {why}; {key:?} must list frame counts, whole \
                             numbers in 0..={MAX_FRAMES} (integers, or floats without a fraction \
                             such as 40.0, as the reference's astype(np.int32) reads them)"
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let skipped = match value.get("skipped").and_then(|s| s.get(key)) {
                None => Vec::new(),
                Some(list) => list
                    .as_array()
                    .map(|l| {
                        l.iter()
                            .map(|e| {
                                Some(SkippedFile {
                                    file: e.get("file")?.as_str()?.to_owned(),
                                    reason: e
                                        .get("reason")
                                        .and_then(Value::as_str)
                                        .unwrap_or("")
                                        .to_owned(),
                                })
                            })
                            .collect::<Option<Vec<_>>>()
                    })
                    .and_then(|x| x)
                    .ok_or_else(|| bad(format!("malformed skipped.{key}")))?,
            };
            *meta.parts_mut(split).0 = lengths;
            *meta.parts_mut(split).1 = skipped;
        }
        Ok(meta)
    }

    /// Writes `path` atomically ([`dforce_io::atomic`]: a temporary sibling, synced and renamed
    /// into place), so a crash never leaves a half-written metadata file that later opens would
    /// trust.
    pub fn save(&self, path: &Path) -> Result<(), VideoDataError> {
        let mut value = json!({ "training": self.training, "validation": self.validation });
        if !self.skipped_training.is_empty() || !self.skipped_validation.is_empty() {
            let list = |s: &[SkippedFile]| {
                s.iter()
                    .map(|f| json!({ "file": f.file, "reason": f.reason }))
                    .collect::<Vec<_>>()
            };
            value["skipped"] = json!({
                "training": list(&self.skipped_training),
                "validation": list(&self.skipped_validation),
            });
        }
        dforce_io::atomic::write_bytes_atomic(path, value.to_string().as_bytes())
            .map_err(VideoDataError::io(path))
    }

    /// Probes every file of both splits under `root`. With [`BadFilePolicy::Fail`] the first bad
    /// file is returned as the error; with [`BadFilePolicy::Skip`] it is logged to stderr and
    /// recorded.
    pub fn build(
        kind: VideoKind,
        root: &Path,
        policy: BadFilePolicy,
    ) -> Result<Self, VideoDataError> {
        let mut meta = Self::default();
        for split in Split::ALL {
            let dir = root.join(split.dir_name());
            let (lengths, skipped) = meta.parts_mut(split);
            for file in find_npz_files(&dir)? {
                match probe_length(kind, &file) {
                    Ok(len) => lengths.push(len),
                    Err(e) if policy == BadFilePolicy::Skip => {
                        let reason = with_causes(&e);
                        eprintln!("dforce-video-data: skipping {}: {reason}", file.display());
                        skipped.push(SkippedFile {
                            file: relative_name(&dir, &file),
                            reason,
                        });
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(meta)
    }

    /// The files of `split` that this metadata describes: the sorted `.npz` files minus the
    /// skipped ones. Errors if their number differs from the recorded lengths (files were added
    /// or removed since the metadata was built), which the reference would silently misindex.
    pub fn files(
        &self,
        root: &Path,
        split: Split,
        metadata_path: &Path,
    ) -> Result<Vec<PathBuf>, VideoDataError> {
        let dir = root.join(split.dir_name());
        let skipped: BTreeSet<&str> = self.skipped(split).iter().map(|s| &*s.file).collect();
        let files: Vec<PathBuf> = find_npz_files(&dir)?
            .into_iter()
            .filter(|f| !skipped.contains(relative_name(&dir, f).as_str()))
            .collect();
        let expected = self.lengths(split).len();
        if files.len() != expected {
            return Err(VideoDataError::Metadata {
                path: metadata_path.to_path_buf(),
                reason: format!(
                    "lists {expected} {split} files but {} has {}; it is stale: delete it to \
                     rebuild",
                    dir.display(),
                    files.len()
                ),
            });
        }
        Ok(files)
    }
}

/// One frame count of `metadata.json`: an integer, or a float with no fraction (`40.0`; the
/// reference reads the lists with `np.array(lengths).astype(np.int32)`, so Python tools that
/// wrote floats produce files it reads), in `0..=`[`MAX_FRAMES`]. A fraction (which `astype`
/// would truncate silently), a negative or huge value, or a non-number is refused with why.
fn frame_count(v: &Value) -> Result<usize, String> {
    let n = if let Some(n) = v.as_u64() {
        n
    } else if v.is_i64() {
        return Err("a frame count cannot be negative".into());
    } else if let Some(x) = v.as_f64() {
        if x.fract() != 0.0 {
            return Err("a frame count must be a whole number".into());
        }
        if x < 0.0 {
            return Err("a frame count cannot be negative".into());
        }
        if x > MAX_FRAMES as f64 {
            return Err(format!("more than {MAX_FRAMES} frames"));
        }
        // Whole, in 0..=MAX_FRAMES: exact as an integer.
        x as u64
    } else {
        return Err("not a number".into());
    };
    if n > MAX_FRAMES {
        return Err(format!("more than {MAX_FRAMES} frames"));
    }
    usize::try_from(n).map_err(|_| format!("more than {} frames", usize::MAX))
}

/// `e`'s message followed by its causes, `: `-separated (messages do not repeat their cause, so
/// a skip reason that must say why a file was skipped walks the chain).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// `file` relative to `dir`, with `/` separators (stable across platforms in JSON).
fn relative_name(dir: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(dir).unwrap_or(file);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Loads `<root>/metadata.json`, or builds and writes it when missing (as the reference does).
/// Errors with [`VideoDataError::NoData`] (which says where the TECO data comes from) when
/// neither split has any `.npz` file.
pub fn load_or_build(
    kind: VideoKind,
    root: &Path,
    policy: BadFilePolicy,
) -> Result<(Metadata, PathBuf), VideoDataError> {
    let path = root.join(METADATA_FILE);
    if path.is_file() {
        return Ok((Metadata::load(&path)?, path));
    }
    let mut any = false;
    for split in Split::ALL {
        any |= !find_npz_files(&root.join(split.dir_name()))?.is_empty();
    }
    if !any {
        return Err(VideoDataError::NoData {
            kind: kind.name(),
            root: root.to_path_buf(),
            pattern: "{training,validation}/**/*.npz".into(),
        });
    }
    let meta = Metadata::build(kind, root, policy)?;
    meta.save(&path)?;
    Ok((meta, path))
}
