//! DMLab files: `video` `(T, H, W, 3)` and `actions` `(T,)` in one `.npz`.
//!
//! TECO's files hold a uint8 `video`; the reference computes `video / 255.0` on whatever
//! `np.load` returns, so a `video` of any real dtype (float16/32/64, other integers, bool; either
//! byte order) and in either memory order (`np.savez` of a transposed array writes Fortran
//! order) works there and is read here as it reads it ([`Pixels::Scaled`]).

use std::ops::Range;
use std::path::Path;

use dforce_io::npz::{NpyData, NpyHeader, NpzFile, decode_payload};

use super::actions::{check_probed_actions, probe_actions};
use super::{Pixels, RawFrames};
use crate::error::VideoDataError;

/// The numeric kinds of a `video` dtype string (`<f4`, `|u1`, `>i2`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VideoDtype {
    /// `u1`: kept as bytes.
    U8,
    /// `f2`: numpy divides in float16.
    F16,
    /// `f4`: numpy divides in float32.
    F32,
    /// Every other real dtype: numpy divides in float64.
    Wide,
}

fn video_dtype(descr: &str) -> Option<VideoDtype> {
    let kind = descr.trim_start_matches(['<', '>', '|', '=']);
    Some(match kind {
        "u1" => VideoDtype::U8,
        "f2" => VideoDtype::F16,
        "f4" => VideoDtype::F32,
        "f8" | "i1" | "i2" | "i4" | "i8" | "u2" | "u4" | "u8" | "b1" => VideoDtype::Wide,
        _ => return None,
    })
}

/// `(T, H, W)` and dtype of a `video` header, or why it is not a `(T, H, W, 3)` real array.
fn video_dims(
    path: &Path,
    header: &NpyHeader,
) -> Result<(usize, usize, usize, VideoDtype), VideoDataError> {
    let dtype = video_dtype(&header.descr);
    match (header.shape.as_slice(), dtype) {
        (&[t, h, w, 3], Some(dtype)) if h > 0 && w > 0 => Ok((t, h, w, dtype)),
        _ => Err(VideoDataError::bad_file(
            path,
            format!(
                "`video` must be a (T, H, W, 3) array of real numbers with H, W > 0 (uint8 as \
                 DMLab stores it; float, other integer and bool dtypes are divided by 255 as the \
                 reference does), found dtype {} shape {:?}",
                header.descr, header.shape,
            ),
        )),
    }
}

/// `video / 255.0` as numpy computes it for `dtype`, rounded to `f32` (torch's `.float()`).
fn scale(
    path: &Path,
    header: &NpyHeader,
    dtype: VideoDtype,
    data: Vec<u8>,
) -> Result<Pixels, VideoDataError> {
    if dtype == VideoDtype::U8 {
        return Ok(Pixels::U8(data));
    }
    let item = header
        .item_size()
        .map_err(|e| VideoDataError::bad_file(path, format!("`video`: {e}")))?;
    let values = decode_payload(&header.descr, data.len() / item.max(1), &data)
        .map_err(|e| VideoDataError::bad_file(path, format!("`video`: {e}")))?;
    let wide = |x: f64| (x / 255.0) as f32;
    Ok(Pixels::Scaled(match (dtype, values) {
        // numpy's float16 division: both operands widened to float32, divided, rounded to half.
        (VideoDtype::F16, NpyData::F32(v)) => v
            .iter()
            .map(|&x| half::f16::from_f32(x / 255.0).to_f32())
            .collect(),
        (VideoDtype::F32, NpyData::F32(v)) => v.iter().map(|&x| x / 255.0).collect(),
        (_, NpyData::F64(v)) => v.into_iter().map(wide).collect(),
        (_, NpyData::Int(v)) => v.into_iter().map(|x| wide(x as f64)).collect(),
        (_, NpyData::UInt(v)) => v.into_iter().map(|x| wide(x as f64)).collect(),
        (_, NpyData::Bool(v)) => v
            .into_iter()
            .map(|x| wide(f64::from(u8::from(x))))
            .collect(),
        (_, other) => {
            return Err(VideoDataError::bad_file(
                path,
                format!(
                    "`video` of dtype {} decoded to {other:?}, not numbers",
                    header.descr
                ),
            ));
        }
    }))
}

pub(super) fn probe_length(path: &Path) -> Result<usize, VideoDataError> {
    let mut npz = NpzFile::open(path)?;
    let (t, ..) = video_dims(path, &npz.header("video")?)?;
    check_probed_actions(path, probe_actions(&mut npz)?, t)?;
    Ok(t)
}

/// Frames `range` of the `video`, or the part of it the file holds: numpy's slice
/// `video[start:end]` (what the reference's `__getitem__` takes) is shorter, or empty, when the
/// file ends sooner, e.g. when `metadata.json` claims more frames than the file has (the
/// reference's DMLab metadata says 300 for every file without looking).
pub(super) fn read_frames(path: &Path, range: Range<usize>) -> Result<RawFrames, VideoDataError> {
    let mut npz = NpzFile::open(path)?;
    let (t, ..) = video_dims(path, &npz.header("video")?)?;
    let range = range.start.min(t)..range.end.min(t);
    let count = range.len();
    let (header, data) = npz.read_rows("video", range)?;
    let (_, height, width, dtype) = video_dims(path, &header)?;
    Ok(RawFrames {
        pixels: scale(path, &header, dtype, data)?,
        count,
        height,
        width,
    })
}
