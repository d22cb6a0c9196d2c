//! Minecraft `.mp4` frames (feature `mp4`): the `mp4` crate demuxes the H.264 track and Cisco's
//! OpenH264 (via the `openh264` crate, compiled from source) decodes it to RGB, standing in for
//! the reference's PyAV decode.

use std::fs::File;
use std::io::BufReader;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use mp4::{MediaType, Mp4Reader, TrackType};
use openh264::OpenH264API;
use openh264::decoder::{Decoder, DecoderConfig, Flush};
use openh264::formats::YUVSource;

use crate::error::VideoDataError;
use crate::source::{Pixels, RawFrames};

const START_CODE: [u8; 4] = [0, 0, 0, 1];

/// An open H.264 track.
struct Track {
    reader: Mp4Reader<BufReader<File>>,
    track_id: u32,
    samples: u32,
    nal_length_size: usize,
    parameter_sets: Vec<u8>,
}

fn open(path: &Path) -> Result<Track, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    let reader = Mp4Reader::read_header(BufReader::new(file), size)
        .map_err(|e| format!("not a readable mp4: {e}"))?;
    let track = reader
        .tracks()
        .values()
        .filter(|t| matches!(t.track_type(), Ok(TrackType::Video)))
        .min_by_key(|t| t.track_id())
        .ok_or("no video track")?;
    if !matches!(track.media_type(), Ok(MediaType::H264)) {
        return Err(format!(
            "video track is {}, only H.264 is supported",
            track
                .media_type()
                .map_or_else(|e| e.to_string(), |m| m.to_string())
        ));
    }
    let avcc = &track
        .trak
        .mdia
        .minf
        .stbl
        .stsd
        .avc1
        .as_ref()
        .ok_or("H.264 track without an avc1 sample entry")?
        .avcc;
    let mut parameter_sets = Vec::new();
    for nal in avcc
        .sequence_parameter_sets
        .iter()
        .chain(&avcc.picture_parameter_sets)
    {
        parameter_sets.extend_from_slice(&START_CODE);
        parameter_sets.extend_from_slice(&nal.bytes);
    }
    Ok(Track {
        track_id: track.track_id(),
        samples: track.sample_count(),
        nal_length_size: usize::from(avcc.length_size_minus_one & 3) + 1,
        parameter_sets,
        reader,
    })
}

/// Rewrites one sample's length-prefixed NAL units as an Annex B byte stream (start codes), the
/// form OpenH264 consumes.
fn to_annex_b(sample: &[u8], length_size: usize, out: &mut Vec<u8>) -> Result<(), String> {
    let mut rest = sample;
    while !rest.is_empty() {
        if rest.len() < length_size {
            return Err("truncated NAL length".into());
        }
        let (len_bytes, tail) = rest.split_at(length_size);
        let len = len_bytes
            .iter()
            .fold(0usize, |a, &b| (a << 8) | usize::from(b));
        if len > tail.len() {
            return Err(format!(
                "NAL unit of {len} bytes overruns its sample ({} left)",
                tail.len()
            ));
        }
        out.extend_from_slice(&START_CODE);
        out.extend_from_slice(&tail[..len]);
        rest = &tail[len..];
    }
    Ok(())
}

/// Runs `f`, turning a panic inside the third-party demuxer into an error naming the file.
fn guarded<T>(path: &Path, f: impl FnOnce() -> Result<T, String>) -> Result<T, VideoDataError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(|reason| VideoDataError::bad_file(path, reason)),
        Err(_) => Err(VideoDataError::bad_file(
            path,
            "malformed mp4 (the demuxer panicked)",
        )),
    }
}

/// BT.601 limited-range YUV 4:2:0 to RGB, each chroma sample shared by its 2×2 block, truncated
/// to integers: what swscale (PyAV's `to_rgb`, hence the reference) computes for these streams,
/// up to its fixed-point tables (on the fixtures: within 2 levels, mean |diff| ≈ 0.5). Truncation
/// rather than rounding matches swscale's downward bias; exact parity would need a port of its
/// tables and differs between its SIMD paths anyway.
fn yuv420_to_rgb(yuv: &impl YUVSource) -> Vec<u8> {
    let (w, h) = yuv.dimensions();
    let (sy, su, sv) = yuv.strides();
    let (py, pu, pv) = (yuv.y(), yuv.u(), yuv.v());
    let mut rgb = vec![0u8; w * h * 3];
    let to_u8 = |x: f32| x.clamp(0.0, 255.0) as u8;
    for y in 0..h {
        for x in 0..w {
            let luma = 255.0 / 219.0 * (f32::from(py[y * sy + x]) - 16.0);
            let u = f32::from(pu[(y / 2) * su + x / 2]) - 128.0;
            let v = f32::from(pv[(y / 2) * sv + x / 2]) - 128.0;
            let o = (y * w + x) * 3;
            rgb[o] = to_u8(luma + 255.0 / 224.0 * 1.402 * v);
            rgb[o + 1] = to_u8(
                luma - 255.0 / 224.0 * (1.772 * 0.114 / 0.587 * u + 1.402 * 0.299 / 0.587 * v),
            );
            rgb[o + 2] = to_u8(luma + 255.0 / 224.0 * 1.772 * u);
        }
    }
    rgb
}

/// Number of frames (samples of the H.264 track), read from the container index without
/// decoding.
pub fn frame_count(path: &Path) -> Result<usize, VideoDataError> {
    guarded(path, || open(path).map(|t| t.samples as usize))
}

/// Decodes frames `range` (in presentation order) to RGB. Decoding starts at the last IDR
/// keyframe at or before `range.start` ([`random_access_point`]) and stops once the last requested
/// frame is out, so a clip costs at most one group of pictures more than its own frames.
///
/// A video that ends sooner gives the frames of `range` it holds, as numpy's `video[start:end]`
/// (what the reference's `MinecraftVideoDataset.__getitem__` takes of the decoded video) does:
/// [`RawFrames::count`] says how many, 0 when `range.start` is at or past its end. The video's
/// length is its track's sample count ([`frame_count`]); samples that do not decode to as many
/// pictures (a damaged stream) are still an error naming the file.
pub fn decode_frames(path: &Path, range: Range<usize>) -> Result<RawFrames, VideoDataError> {
    guarded(path, || decode(path, range.clone(), range.start)).map(|(_, frames)| frames)
}

/// Decodes frames `range` to RGB together with the frames before it that decoding passes anyway
/// (from the random-access point on). Returns the first frame held and the frames
/// `first..range.end`, `first ≤ range.start`; a video of `n < range.end` frames gives
/// `first..n` (as [`decode_frames`]), `first` then being its last IDR keyframe's frame when
/// `range.start ≥ n`.
pub fn decode_frames_with_lead(
    path: &Path,
    range: Range<usize>,
) -> Result<(usize, RawFrames), VideoDataError> {
    guarded(path, || decode(path, range, 0))
}

/// The frame decoding of frame `frame` starts from: the last sync sample at or before it that
/// holds an IDR picture (nothing after an IDR refers to a picture before it, and it is presented
/// as frame `sample − 1`), or 0 when the track lists no such sample. Non-IDR sync samples (open
/// GOPs' I-frames, whose leading B-frames refer back) are passed over.
pub fn random_access_point(path: &Path, frame: usize) -> Result<usize, VideoDataError> {
    guarded(path, || {
        let mut track = open(path)?;
        first_sample(&mut track, frame).map(|s| s as usize - 1)
    })
}

/// NAL unit type 5: a coded slice of an IDR picture (H.264 § 7.4.1).
const NAL_IDR_SLICE: u8 = 5;

/// Whether a length-prefixed sample holds an IDR slice.
fn holds_idr(sample: &[u8], length_size: usize) -> bool {
    let mut rest = sample;
    while rest.len() > length_size {
        let (len_bytes, tail) = rest.split_at(length_size);
        let len = len_bytes
            .iter()
            .fold(0usize, |a, &b| (a << 8) | usize::from(b));
        let Some(nal) = tail.get(..len) else {
            return false;
        };
        if nal.first().is_some_and(|&h| h & 0x1f == NAL_IDR_SLICE) {
            return true;
        }
        rest = &tail[len..];
    }
    false
}

/// The 1-based sample id to start decoding at for presentation frame `frame`.
fn first_sample(track: &mut Track, frame: usize) -> Result<u32, String> {
    let Some(stss) = track
        .reader
        .tracks()
        .get(&track.track_id)
        .and_then(|t| t.trak.mdia.minf.stbl.stss.as_ref())
    else {
        return Ok(1);
    };
    let target = u32::try_from(frame.saturating_add(1)).unwrap_or(u32::MAX);
    let candidates: Vec<u32> = stss
        .entries
        .iter()
        .copied()
        .filter(|&s| s > 1 && s <= target && s <= track.samples)
        .collect();
    for &sample_id in candidates.iter().rev() {
        let sample = track
            .reader
            .read_sample(track.track_id, sample_id)
            .map_err(|e| format!("cannot read sample {sample_id}: {e}"))?;
        if sample.is_some_and(|s| holds_idr(&s.bytes, track.nal_length_size)) {
            return Ok(sample_id);
        }
    }
    Ok(1)
}

/// Gathers decoded pictures, converting only those in `keep_from..range.end`.
struct Collector {
    range: Range<usize>,
    keep_from: usize,
    seen: usize,
    dims: Option<(usize, usize)>,
    rgb: Vec<u8>,
}

impl Collector {
    fn push(&mut self, yuv: &impl YUVSource) -> Result<(), String> {
        let dims = yuv.dimensions();
        if *self.dims.get_or_insert(dims) != dims {
            return Err(format!(
                "frame {} is {}×{}, earlier frames {}×{}",
                self.seen,
                dims.0,
                dims.1,
                self.dims.unwrap_or_default().0,
                self.dims.unwrap_or_default().1
            ));
        }
        if (self.keep_from..self.range.end).contains(&self.seen) {
            self.rgb.extend_from_slice(&yuv420_to_rgb(yuv));
        }
        self.seen += 1;
        Ok(())
    }

    fn done(&self) -> bool {
        self.seen >= self.range.end
    }
}

/// Decodes from the random-access point of `range.start` to `range.end`, keeping the frames from
/// `max(keep_from, that point)` on; returns the first frame kept and the frames. `range` is first
/// cut at the track's end (one frame per sample, as [`frame_count`] counts them).
fn decode(
    path: &Path,
    range: Range<usize>,
    keep_from: usize,
) -> Result<(usize, RawFrames), String> {
    let mut track = open(path)?;
    let held = track.samples as usize;
    let end = range.end.min(held);
    let range = range.start.min(end)..end;
    let first = first_sample(&mut track, range.start)?;
    let keep_from = keep_from.max(first as usize - 1).min(range.start);
    // Flushing after every packet (the crate's default) breaks streams with B-frames
    // (openh264-rs issue #50); pending frames are flushed once at the end instead.
    let config = DecoderConfig::new().flush_after_decode(Flush::NoFlush);
    let mut decoder = Decoder::with_api_config(OpenH264API::from_source(), config)
        .map_err(|e| format!("cannot start the decoder: {e}"))?;
    let mut out = Collector {
        range: range.clone(),
        keep_from,
        seen: first as usize - 1,
        dims: None,
        rgb: Vec::new(),
    };
    let mut packet = track.parameter_sets.clone();
    for sample_id in first..=track.samples {
        if out.done() {
            break;
        }
        let sample = track
            .reader
            .read_sample(track.track_id, sample_id)
            .map_err(|e| format!("cannot read sample {sample_id}: {e}"))?
            .ok_or_else(|| format!("sample {sample_id} missing"))?;
        to_annex_b(&sample.bytes, track.nal_length_size, &mut packet)
            .map_err(|e| format!("sample {sample_id}: {e}"))?;
        let decoded = decoder
            .decode(&packet)
            .map_err(|e| format!("H.264 decode failed at sample {sample_id}: {e}"))?;
        if let Some(yuv) = decoded {
            out.push(&yuv)?;
        }
        packet.clear();
    }
    if !out.done() {
        for yuv in &decoder
            .flush_remaining()
            .map_err(|e| format!("H.264 flush failed: {e}"))?
        {
            out.push(yuv)?;
        }
    }
    if !out.done() {
        // The track lists these samples, but they did not all decode to pictures.
        return Err(format!(
            "decoded {} frames of the track's {held}, need frames {}..{}",
            out.seen, range.start, range.end
        ));
    }
    let (width, height) = out.dims.unwrap_or_default();
    Ok((
        keep_from,
        RawFrames {
            pixels: Pixels::U8(out.rgb),
            count: range.end - keep_from,
            height,
            width,
        },
    ))
}
