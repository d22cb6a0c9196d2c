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
use crate::source::RawFrames;

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

/// Decodes frames `range` (in presentation order) to RGB. Decoding stops once the last requested
/// frame is out, so early clips are cheaper than late ones.
pub fn decode_frames(path: &Path, range: Range<usize>) -> Result<RawFrames, VideoDataError> {
    guarded(path, || decode(path, range))
}

fn decode(path: &Path, range: Range<usize>) -> Result<RawFrames, String> {
    let mut track = open(path)?;
    // Flushing after every packet (the crate's default) breaks streams with B-frames
    // (openh264-rs issue #50); pending frames are flushed once at the end instead.
    let config = DecoderConfig::new().flush_after_decode(Flush::NoFlush);
    let mut decoder = Decoder::with_api_config(OpenH264API::from_source(), config)
        .map_err(|e| format!("cannot start the decoder: {e}"))?;
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let mut dims = (0usize, 0usize);
    let mut keep = |yuv: &openh264::decoder::DecodedYUV<'_>, frames: &mut Vec<Vec<u8>>| {
        let (w, h) = yuv.dimensions();
        dims = (w, h);
        frames.push(yuv420_to_rgb(yuv));
    };
    let mut packet = track.parameter_sets.clone();
    for sample_id in 1..=track.samples {
        if frames.len() >= range.end {
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
            keep(&yuv, &mut frames);
        }
        packet.clear();
    }
    if frames.len() < range.end {
        let rest = decoder
            .flush_remaining()
            .map_err(|e| format!("H.264 flush failed: {e}"))?;
        for yuv in &rest {
            keep(yuv, &mut frames);
        }
    }
    if frames.len() < range.end {
        return Err(format!(
            "decoded {} frames, need frames {}..{}",
            frames.len(),
            range.start,
            range.end
        ));
    }
    let (width, height) = dims;
    let count = range.len();
    Ok(RawFrames {
        data: frames.drain(range).flatten().collect(),
        count,
        height,
        width,
    })
}
