//! DMLab files: `video` `(T, H, W, 3)` uint8 and `actions` `(T,)` in one `.npz`.

use std::ops::Range;
use std::path::Path;

use dforce_io::npz::{NpyHeader, NpzFile};

use super::RawFrames;
use super::actions::probe_actions;
use crate::error::VideoDataError;

/// `(T, H, W)` of a `video` header, or why it is not a `(T, H, W, 3)` uint8 array.
fn video_dims(path: &Path, header: &NpyHeader) -> Result<(usize, usize, usize), VideoDataError> {
    let is_u8 = matches!(header.descr.as_str(), "|u1" | "u1" | "<u1" | ">u1" | "=u1");
    match header.shape.as_slice() {
        &[t, h, w, 3] if is_u8 && !header.fortran_order && h > 0 && w > 0 => Ok((t, h, w)),
        _ => Err(VideoDataError::bad_file(
            path,
            format!(
                "`video` must be a C-order (T, H, W, 3) uint8 array with H, W > 0, found dtype {} shape {:?}{}",
                header.descr,
                header.shape,
                if header.fortran_order {
                    " (Fortran order)"
                } else {
                    ""
                }
            ),
        )),
    }
}

pub(super) fn probe_length(path: &Path) -> Result<usize, VideoDataError> {
    let mut npz = NpzFile::open(path)?;
    let (t, ..) = video_dims(path, &npz.header("video")?)?;
    probe_actions(&mut npz)?;
    Ok(t)
}

pub(super) fn read_frames(path: &Path, range: Range<usize>) -> Result<RawFrames, VideoDataError> {
    let mut npz = NpzFile::open(path)?;
    let count = range.len();
    let (header, data) = npz.read_rows("video", range)?;
    let (_, height, width) = video_dims(path, &header)?;
    Ok(RawFrames {
        data,
        count,
        height,
        width,
    })
}
