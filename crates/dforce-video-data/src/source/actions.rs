//! The `actions` array of a TECO `.npz`: a 1-D integer array of discrete action ids.

use std::path::Path;

use dforce_io::npz::{NpyData, NpzFile};

use crate::error::VideoDataError;
use crate::kind::VideoKind;

/// Checks that `actions` of an open file is 1-D and integer, from its header alone; returns its
/// length.
pub(super) fn probe_actions(npz: &mut NpzFile) -> Result<usize, VideoDataError> {
    let header = npz.header("actions")?;
    let integer = header
        .descr
        .trim_start_matches(['<', '>', '|', '='])
        .starts_with(['i', 'u']);
    match header.shape.as_slice() {
        [n] if integer => Ok(*n),
        _ => Err(VideoDataError::bad_file(
            npz.path(),
            format!(
                "`actions` must be a 1-D integer array, found dtype {} shape {:?}",
                header.descr, header.shape
            ),
        )),
    }
}

/// What to do about a file whose `actions` is too short, quoted in the errors that refuse it.
pub(crate) const SHORT_ACTIONS_FIX: &str = "TECO's files hold one action per frame: write the \
file again with all of its actions, or move it out of the split and delete metadata.json so that \
it is rebuilt without it";

/// Refuses an `.npz` whose `actions` (`entries` long) has too few entries for its `frames`
/// frames: one per frame, as TECO's files hold them. The reference slices `actions` with each
/// clip's window, as it slices the frames, so a shorter array gives clips with fewer actions
/// than frames. (A Minecraft file needs one more entry for its last frame, since the loader
/// drops `actions[0]`; whether a clip reaches that frame depends on the clip settings, so that is
/// checked when the clip is read.)
pub(super) fn check_probed_actions(
    path: &Path,
    entries: usize,
    frames: usize,
) -> Result<(), VideoDataError> {
    if entries < frames {
        return Err(VideoDataError::bad_file(
            path,
            format!("`actions` has {entries} entries for {frames} frames; {SHORT_ACTIONS_FIX}"),
        ));
    }
    Ok(())
}

/// The actions of `path` with the kind's leading entries dropped (Minecraft drops `actions[0]`),
/// so entry `t` belongs to frame `t`. Ids outside `0..n_actions` are an error naming the file
/// (the reference's `np.eye(k)[a]` would wrap negative ids silently).
pub fn read_actions(kind: VideoKind, path: &Path) -> Result<Vec<usize>, VideoDataError> {
    let mut npz = NpzFile::open(path)?;
    let arr = npz.array("actions")?;
    let bad = |reason: String| VideoDataError::bad_file(path, reason);
    if arr.shape.len() != 1 {
        return Err(bad(format!(
            "`actions` must be 1-D, found shape {:?}",
            arr.shape
        )));
    }
    let ids: Vec<i128> = match arr.data {
        NpyData::Int(v) => v.into_iter().map(i128::from).collect(),
        NpyData::UInt(v) => v.into_iter().map(i128::from).collect(),
        _ => return Err(bad("`actions` must be an integer array".into())),
    };
    let k = kind.n_actions();
    ids.into_iter()
        .enumerate()
        .skip(kind.action_offset())
        .map(|(t, a)| {
            usize::try_from(a)
                .ok()
                .filter(|&a| a < k)
                .ok_or_else(|| bad(format!("action {a} at index {t} is outside 0..{k}")))
        })
        .collect()
}
