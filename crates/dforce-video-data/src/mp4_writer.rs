//! Writing RGB frames as an H.264 `.mp4` (feature `mp4`): Cisco's OpenH264 encodes, the `mp4`
//! crate muxes. The inverse of [`crate::mp4::decode_frames`], so generated videos can be stored
//! the way the Minecraft dataset stores them, and watched in any player.
//!
//! - Colour: BT.601 limited-range YUV 4:2:0 (the matrix the decoder in [`crate::mp4`] inverts, and
//!   what the SPS's VUI announces to other players), rounded; each chroma sample is the mean of its
//!   2×2 block.
//! - Padding: H.264 4:2:0 pictures have even sides (cropping works in 2-pixel units), and
//!   OpenH264 encodes none under [`MIN_SIDE`] pixels, so each side is padded to [`coded_side`]
//!   (the next even number, at least 16) by repeating the last column or row. The file then holds
//!   `coded_side(height) × coded_side(width)` frames, and reading it back gives that size: crop
//!   the top-left `height × width` to recover the input.
//! - Quality: a constant quantiser, [`QP`] (OpenH264's buffer-based mode with a one-value QP
//!   range: no bit-rate target to miss, no frame skipped, so the file has exactly one sample per
//!   input frame), and background detection off (it left moved objects' old pixels behind).
//!   Noise-like frames can overflow OpenH264's output buffer at that QP; the video is then
//!   encoded again with a coarser one (+6 each time).
//! - Stream: the first frame is an IDR picture; SPS and PPS go into the `avcC` sample entry (not in
//!   band), every sample holds its frame's other NAL units with 4-byte length prefixes, and samples
//!   holding an IDR slice are sync samples.
//! - Timing: timescale `1000·fps`, each frame lasting 1000 ticks, so the video plays at `fps`.
//! - Atomic ([`dforce_io::atomic`]): the video is written to a hidden temporary sibling, synced,
//!   then renamed onto `path`; on an error the temporary file is removed and `path` is left as it
//!   was.

use std::io::BufWriter;
use std::path::Path;

use dforce_io::atomic::AtomicFile;

use mp4::{
    AvcConfig, Bytes, FourCC, MediaConfig, Mp4Config, Mp4Sample, Mp4Writer, TrackConfig, TrackType,
};
use openh264::OpenH264API;
use openh264::encoder::{
    BitRate, Complexity, Encoder, EncoderConfig, FrameRate, QpRange, RateControlMode, UsageType,
    VuiConfig,
};
use openh264::formats::YUVBuffer;

use crate::error::VideoDataError;

/// The constant quantiser (0 finest, 51 coarsest) every frame is coded with. 16 keeps the
/// synthetic test videos within ≈ 1–3 levels of 255 of their input on average (≈ 0.8 at
/// 256×256), most of which is 4:2:0 chroma and 8-bit rounding; 18–20 would give smaller files
/// for ≈ 10–35 % more error. OpenH264's own rate control goes up to QP 34 on small frames,
/// visibly blocky.
pub const QP: u8 = 16;

/// Step up from [`QP`] when a frame overflows OpenH264's output buffer (noise-like content at a
/// fine quantiser can code larger than the raw picture, which OpenH264 does not allow for): the
/// whole video is encoded again, coarser, up to [`MAX_QP`].
const QP_STEP: u8 = 6;

/// H.264's coarsest quantiser.
const MAX_QP: u8 = 51;

/// OpenH264's `cmMallocMemeError`, what it returns when a frame overflows its output buffer.
const ENCODER_OUT_OF_BUFFER: i64 = 3;

/// OpenH264 encodes no picture narrower or lower than this many pixels.
pub const MIN_SIDE: usize = 16;

/// Nominal bit rate per (padded) pixel and frame: OpenH264 requires a positive target in every
/// rate-control mode, but the constant-quantiser one does not steer by it.
const NOMINAL_BITS_PER_PIXEL: u64 = 2;

/// Ticks per frame; the track's timescale is `TICKS_PER_FRAME · fps`.
const TICKS_PER_FRAME: u32 = 1000;

const NAL_IDR: u8 = 5;
const NAL_SPS: u8 = 7;
const NAL_PPS: u8 = 8;
const NAL_AUD: u8 = 9;

/// Writes `frames_count` RGB frames, `frames` laid out `(frames_count, height, width, 3)` uint8
/// row-major, to `path` as an H.264 `.mp4` playing at `fps` frames per second.
///
/// Sides are padded to [`coded_side`] (even, at least 16) by repeating the last row/column (see
/// the module documentation). The file appears under `path` only once complete (written to a
/// temporary sibling, then renamed: [`dforce_io::atomic`]).
///
/// # Errors
///
/// [`VideoDataError::BadFile`] naming `path` when the arguments are inconsistent (no frames, a
/// zero side or fps, a buffer of the wrong length, a size beyond H.264's) or encoding fails;
/// [`VideoDataError::Io`] when the file cannot be written or renamed.
pub fn write_mp4(
    path: &Path,
    frames: &[u8],
    frames_count: usize,
    height: usize,
    width: usize,
    fps: u32,
) -> Result<(), VideoDataError> {
    let fail = |reason: String| VideoDataError::bad_file(path, format!("cannot write: {reason}"));
    if path.file_name().is_none() {
        return Err(fail("not a file name".into()));
    }
    let frame_len = check_args(frames.len(), frames_count, height, width, fps).map_err(fail)?;
    let video = Video {
        frames,
        frame_len,
        height,
        width,
        fps,
    };
    let mut qp = QP;
    loop {
        // A failed attempt drops its temporary file, which removes it.
        let file = AtomicFile::create(path).map_err(VideoDataError::io(path))?;
        match write_file(file, path, &video, qp) {
            Ok(file) => return file.commit().map_err(VideoDataError::io(path)),
            Err(Stop::Overflow { .. }) if qp < MAX_QP => qp = (qp + QP_STEP).min(MAX_QP),
            Err(Stop::Overflow { frame }) => {
                return Err(fail(format!(
                    "frame {frame} overflows the H.264 encoder's output buffer even at QP {qp}"
                )));
            }
            Err(Stop::Fail(e)) => return Err(e),
        }
    }
}

/// The checked arguments of [`write_mp4`].
struct Video<'a> {
    frames: &'a [u8],
    /// Bytes per frame.
    frame_len: usize,
    height: usize,
    width: usize,
    fps: u32,
}

/// Why one encoding attempt stopped.
enum Stop {
    /// OpenH264 ran out of output buffer at this frame: too detailed for the QP.
    Overflow { frame: usize },
    /// Anything else, final.
    Fail(VideoDataError),
}

impl From<VideoDataError> for Stop {
    fn from(e: VideoDataError) -> Self {
        Self::Fail(e)
    }
}

/// The coded length of a side of `n` pixels: even (H.264 4:2:0), and at least [`MIN_SIDE`].
pub fn coded_side(n: usize) -> usize {
    (n + n % 2).max(MIN_SIDE)
}

/// Checks the arguments; returns the byte length of one frame.
fn check_args(
    len: usize,
    frames_count: usize,
    height: usize,
    width: usize,
    fps: u32,
) -> Result<usize, String> {
    if frames_count == 0 {
        return Err("no frames to write".into());
    }
    if height == 0 || width == 0 {
        return Err(format!("frames of {height}×{width} pixels are empty"));
    }
    if fps == 0 || fps.checked_mul(TICKS_PER_FRAME).is_none() {
        return Err(format!(
            "fps {fps} is not in 1..={}",
            u32::MAX / TICKS_PER_FRAME
        ));
    }
    let frame_len = height
        .checked_mul(width)
        .and_then(|n| n.checked_mul(3))
        .ok_or_else(|| format!("frames of {height}×{width} pixels are too large"))?;
    if frame_len.checked_mul(frames_count) != Some(len) {
        return Err(format!(
            "{len} bytes of pixels, expected {frames_count} frames × {height} × {width} × 3"
        ));
    }
    Ok(frame_len)
}

/// Encodes every frame at quantiser `qp` and muxes it into `file` (the temporary file of
/// `path`), flushed; returns it for the caller to commit. Errors name `path`, the file the caller
/// asked for.
fn write_file(
    file: AtomicFile,
    path: &Path,
    video: &Video<'_>,
    qp: u8,
) -> Result<AtomicFile, Stop> {
    let &Video {
        frames,
        frame_len,
        height,
        width,
        fps,
    } = video;
    let fail = |reason: String| {
        Stop::Fail(VideoDataError::bad_file(
            path,
            format!("cannot write: {reason}"),
        ))
    };
    let (pad_h, pad_w) = (coded_side(height), coded_side(width));
    let (w16, h16) = match (u16::try_from(pad_w), u16::try_from(pad_h)) {
        (Ok(w), Ok(h)) => (w, h),
        _ => {
            return Err(fail(format!(
                "{height}×{width} is too large for an mp4 track"
            )));
        }
    };
    let timescale = fps * TICKS_PER_FRAME;
    let bitrate = (pad_h as u64 * pad_w as u64 * u64::from(fps) * NOMINAL_BITS_PER_PIXEL)
        .min(i32::MAX as u64) as u32;
    let config = EncoderConfig::new()
        .usage_type(UsageType::CameraVideoRealTime)
        // Buffer-based rate control moves the QP within its range only, here one value. (The
        // quality and bit-rate modes would also warn on stderr that they need frame skipping.)
        .rate_control_mode(RateControlMode::Bufferbased)
        .qp(QpRange::new(qp, qp))
        .bitrate(BitRate::from_bps(bitrate))
        .max_frame_rate(FrameRate::from_hz(fps as f32))
        .skip_frames(false)
        .complexity(Complexity::High)
        .num_threads(1)
        // Background detection leaves changed regions as stale "background" (up to 6 levels of
        // mean error on moving squares in tests); off, every macroblock is coded for real.
        .background_detection(false)
        .vui(VuiConfig::bt601());
    let mut encoder = Encoder::with_api_config(OpenH264API::from_source(), config)
        .map_err(|e| fail(format!("cannot start the H.264 encoder: {e}")))?;

    let mp4_config = Mp4Config {
        major_brand: FourCC::from(*b"isom"),
        minor_version: 512,
        compatible_brands: [b"isom", b"iso2", b"avc1", b"mp41"]
            .into_iter()
            .map(|b| FourCC::from(*b))
            .collect(),
        timescale,
    };
    let mux = |e: mp4::Error| fail(format!("mp4 muxing failed: {e}"));
    let mut writer = Mp4Writer::write_start(BufWriter::new(file), &mp4_config).map_err(mux)?;

    let mut params: Option<(Vec<u8>, Vec<u8>)> = None;
    let mut annex_b = Vec::new();
    for (t, frame) in frames.chunks_exact(frame_len).enumerate() {
        let yuv = rgb_to_i420(frame, height, width, pad_h, pad_w);
        if t == 0 {
            // A fresh encoder opens with an IDR picture anyway; this makes it explicit (and is a
            // no-op before OpenH264 initialises on the first frame). Checked below.
            encoder.force_intra_frame();
        }
        annex_b.clear();
        match encoder.encode(&yuv) {
            Ok(stream) => stream.write_vec(&mut annex_b),
            Err(e) if e.native_code() == ENCODER_OUT_OF_BUFFER => {
                return Err(Stop::Overflow { frame: t });
            }
            Err(e) => {
                return Err(fail(format!("H.264 encoding failed at frame {t}: {e}")));
            }
        }
        let frame_nals = split_frame(&annex_b).map_err(|e| fail(format!("frame {t}: {e}")))?;
        if frame_nals.data.is_empty() {
            return Err(fail(format!(
                "the encoder produced no picture for frame {t}"
            )));
        }
        match (&params, frame_nals.sps, frame_nals.pps) {
            (None, Some(sps), Some(pps)) => {
                if !frame_nals.idr {
                    return Err(fail(
                        "the encoder's first frame is not an IDR picture".into(),
                    ));
                }
                if sps.len() < 4 {
                    return Err(fail(format!("the encoder's SPS is {} bytes", sps.len())));
                }
                writer
                    .add_track(&TrackConfig {
                        track_type: TrackType::Video,
                        timescale,
                        language: "und".into(),
                        media_conf: MediaConfig::AvcConfig(AvcConfig {
                            width: w16,
                            height: h16,
                            seq_param_set: sps.to_vec(),
                            pic_param_set: pps.to_vec(),
                        }),
                    })
                    .map_err(mux)?;
                params = Some((sps.to_vec(), pps.to_vec()));
            }
            (None, _, _) => {
                return Err(fail("the encoder's first frame lacks its SPS/PPS".into()));
            }
            (Some((s, p)), sps, pps) => {
                // OpenH264 repeats its (constant) parameter sets before each IDR picture; they
                // are in the sample entry already. A changed set cannot be expressed in `avc1`.
                if sps.is_some_and(|x| x != s.as_slice()) || pps.is_some_and(|x| x != p.as_slice())
                {
                    return Err(fail(format!(
                        "the encoder changed its SPS/PPS at frame {t}"
                    )));
                }
            }
        }
        let sample = Mp4Sample {
            start_time: t as u64 * u64::from(TICKS_PER_FRAME),
            duration: TICKS_PER_FRAME,
            rendering_offset: 0,
            is_sync: frame_nals.idr,
            bytes: Bytes::from(frame_nals.data),
        };
        writer.write_sample(1, &sample).map_err(mux)?;
    }
    writer.write_end().map_err(mux)?;
    let file = writer
        .into_writer()
        .into_inner()
        .map_err(|e| VideoDataError::io(path)(e.into_error()))?;
    Ok(file)
}

/// One encoded frame taken apart: its parameter sets, and its other NAL units as an `avc1`
/// sample (4-byte big-endian lengths).
struct FrameNals<'a> {
    sps: Option<&'a [u8]>,
    pps: Option<&'a [u8]>,
    idr: bool,
    data: Vec<u8>,
}

fn split_frame(annex_b: &[u8]) -> Result<FrameNals<'_>, String> {
    let mut out = FrameNals {
        sps: None,
        pps: None,
        idr: false,
        data: Vec::with_capacity(annex_b.len()),
    };
    for nal in split_annex_b(annex_b) {
        match nal[0] & 0x1f {
            NAL_SPS => out.sps = Some(nal),
            NAL_PPS => out.pps = Some(nal),
            NAL_AUD => {}
            kind => {
                out.idr |= kind == NAL_IDR;
                let len = u32::try_from(nal.len())
                    .map_err(|_| format!("NAL unit of {} bytes", nal.len()))?;
                out.data.extend_from_slice(&len.to_be_bytes());
                out.data.extend_from_slice(nal);
            }
        }
    }
    Ok(out)
}

/// Splits an Annex B byte stream at its start codes (`00 00 01`, or `00 00 00 01`) into NAL
/// units, without the start codes or trailing zero bytes; empty units are dropped. Emulation
/// prevention guarantees `00 00 01` never occurs inside a unit.
fn split_annex_b(stream: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= stream.len() {
        if stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1 {
            starts.push((i, i + 3));
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut nals = Vec::with_capacity(starts.len());
    for (k, &(_, begin)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(stream.len(), |&(code, _)| code);
        let mut nal = &stream[begin..end];
        while let [rest @ .., 0] = nal {
            nal = rest;
        }
        if !nal.is_empty() {
            nals.push(nal);
        }
    }
    nals
}

/// BT.601 limited-range I420 of one `(height, width, 3)` RGB frame, padded to `pad_h × pad_w`
/// (even, no smaller) by repeating the last row/column; chroma from the mean RGB of each 2×2
/// block. Rounded.
fn rgb_to_i420(frame: &[u8], height: usize, width: usize, pad_h: usize, pad_w: usize) -> YUVBuffer {
    let (cw, ch) = (pad_w / 2, pad_h / 2);
    let mut yuv = vec![0u8; pad_w * pad_h + 2 * cw * ch];
    let (luma, chroma) = yuv.split_at_mut(pad_w * pad_h);
    let (u_plane, v_plane) = chroma.split_at_mut(cw * ch);
    let pixel = |y: usize, x: usize| {
        let o = (y.min(height - 1) * width + x.min(width - 1)) * 3;
        [
            f32::from(frame[o]),
            f32::from(frame[o + 1]),
            f32::from(frame[o + 2]),
        ]
    };
    let to_u8 = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    let kr_kg_kb = |[r, g, b]: [f32; 3]| 0.299 * r + 0.587 * g + 0.114 * b;
    for y in 0..pad_h {
        for x in 0..pad_w {
            luma[y * pad_w + x] = to_u8(16.0 + 219.0 / 255.0 * kr_kg_kb(pixel(y, x)));
        }
    }
    for cy in 0..ch {
        for cx in 0..cw {
            let mut mean = [0.0f32; 3];
            for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                let p = pixel(2 * cy + dy, 2 * cx + dx);
                for c in 0..3 {
                    mean[c] += p[c] / 4.0;
                }
            }
            let l = kr_kg_kb(mean);
            u_plane[cy * cw + cx] = to_u8(128.0 + 224.0 / (1.772 * 255.0) * (mean[2] - l));
            v_plane[cy * cw + cx] = to_u8(128.0 + 224.0 / (1.402 * 255.0) * (mean[0] - l));
        }
    }
    YUVBuffer::from_vec(yuv, pad_w, pad_h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mp4::{decode_frames, frame_count};

    /// `count` frames of coloured squares moving over a gradient.
    fn synthetic(count: usize, height: usize, width: usize) -> Vec<u8> {
        let mut out = vec![0u8; count * height * width * 3];
        for t in 0..count {
            for y in 0..height {
                for x in 0..width {
                    let o = ((t * height + y) * width + x) * 3;
                    let mut rgb = [
                        (40 + 100 * x / width) as u8,
                        (60 + 80 * y / height) as u8,
                        90u8,
                    ];
                    // Corners on even coordinates: 4:2:0 chroma then loses nothing at edges.
                    let squares: [(usize, usize, [u8; 3]); 3] = [
                        (2 + 2 * t, 2 + 2 * (t / 2), [230, 40, 40]),
                        (width.saturating_sub(14 + 2 * t) & !1, 4, [30, 200, 60]),
                        (
                            4 + 2 * (t / 3),
                            height.saturating_sub(12) & !1,
                            [250, 230, 30],
                        ),
                    ];
                    for (sx, sy, colour) in squares {
                        if (sx..sx + 10).contains(&x) && (sy..sy + 10).contains(&y) {
                            rgb = colour;
                        }
                    }
                    out[o..o + 3].copy_from_slice(&rgb);
                }
            }
        }
        out
    }

    /// Mean absolute difference per channel value of frame `t` of `original` (`height × width`)
    /// and the top-left `height × width` of the decoded frame (`dec_w` wide).
    fn frame_mae(
        original: &[u8],
        decoded: &[u8],
        height: usize,
        width: usize,
        dec_w: usize,
    ) -> f64 {
        let mut total = 0u64;
        for y in 0..height {
            for x in 0..width {
                for c in 0..3 {
                    let a = original[(y * width + x) * 3 + c];
                    let b = decoded[(y * dec_w + x) * 3 + c];
                    total += u64::from(a.abs_diff(b));
                }
            }
        }
        total as f64 / (height * width * 3) as f64
    }

    fn round_trip(count: usize, height: usize, width: usize) -> f64 {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("video.mp4");
        let frames = synthetic(count, height, width);
        write_mp4(&path, &frames, count, height, width, 30).expect("write");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["video.mp4"], "temporary file left behind");
        assert_eq!(frame_count(&path).expect("count"), count);
        let decoded = decode_frames(&path, 0..count).expect("decode");
        assert_eq!(decoded.count, count);
        assert_eq!(decoded.height, coded_side(height));
        assert_eq!(decoded.width, coded_side(width));
        let frame_len = height * width * 3;
        let mut worst = 0.0f64;
        for t in 0..count {
            let mae = frame_mae(
                &frames[t * frame_len..(t + 1) * frame_len],
                decoded.frame(t).bytes().unwrap(),
                height,
                width,
                decoded.width,
            );
            eprintln!("{height}×{width} frame {t}: mean |error| {mae:.3}");
            assert!(mae < 8.0, "frame {t}: mean |error| {mae:.2} ≥ 8 levels");
            worst = worst.max(mae);
        }
        worst
    }

    #[test]
    fn round_trip_even_size() {
        let worst = round_trip(12, 48, 64);
        eprintln!("worst mean |error| {worst:.3}");
    }

    #[test]
    fn round_trip_odd_size_is_padded() {
        let worst = round_trip(12, 17, 33);
        eprintln!("worst mean |error| {worst:.3}");
    }

    #[test]
    fn round_trip_tiny_size_is_padded_to_16() {
        let worst = round_trip(3, 5, 9);
        eprintln!("worst mean |error| {worst:.3}");
    }

    /// Uniform noise at QP 16 codes larger than OpenH264's output buffer allows; the writer falls
    /// back to a coarser quantiser instead of failing.
    #[test]
    fn noise_falls_back_to_a_coarser_quantiser() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("noise.mp4");
        let (count, h, w) = (4, 128, 128);
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let frames: Vec<u8> = (0..count * h * w * 3)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 56) as u8
            })
            .collect();
        write_mp4(&path, &frames, count, h, w, 30).expect("write");
        let decoded = decode_frames(&path, 0..count).expect("decode");
        assert_eq!(
            (decoded.count, decoded.height, decoded.width),
            (count, h, w)
        );
        let mae = frame_mae(
            &frames[..h * w * 3],
            decoded.frame(0).bytes().unwrap(),
            h,
            w,
            w,
        );
        eprintln!("noise frame 0: mean |error| {mae:.3}");
        assert!(mae < 64.0, "{mae}");
    }

    #[test]
    fn samples_sync_and_timing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("v.mp4");
        let (count, h, w) = (5, 32, 32);
        write_mp4(&path, &synthetic(count, h, w), count, h, w, 25).expect("write");
        let file = std::fs::File::open(&path).expect("open");
        let size = file.metadata().expect("metadata").len();
        let mut reader =
            mp4::Mp4Reader::read_header(std::io::BufReader::new(file), size).expect("header");
        let track = reader.tracks().get(&1).expect("track 1");
        assert_eq!(track.timescale(), 25_000);
        assert_eq!(track.width(), 32);
        assert_eq!(track.height(), 32);
        assert!(
            (track.frame_rate() - 25.0).abs() < 1e-6,
            "{}",
            track.frame_rate()
        );
        let first = reader.read_sample(1, 1).expect("read").expect("sample 1");
        assert!(first.is_sync);
        assert_eq!(first.start_time, 0);
        assert_eq!(first.duration, 1000);
        let second = reader.read_sample(1, 2).expect("read").expect("sample 2");
        assert_eq!(second.start_time, 1000);
    }

    #[test]
    fn annex_b_split() {
        let stream = [
            0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 0, 1, 0x65, 0, 3, 9, 0,
        ];
        let nals = split_annex_b(&stream);
        assert_eq!(nals, vec![&[0x67, 1, 2][..], &[0x68, 3], &[0x65, 0, 3, 9]]);
        let frame = split_frame(&stream).expect("split");
        assert_eq!(frame.sps, Some(&[0x67, 1, 2][..]));
        assert_eq!(frame.pps, Some(&[0x68, 3][..]));
        assert!(frame.idr);
        assert_eq!(frame.data, [0, 0, 0, 4, 0x65, 0, 3, 9]);
    }

    #[test]
    fn bad_arguments_name_the_file_and_leave_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bad.mp4");
        for (len, count, h, w, fps) in [
            (0, 0, 4, 4, 30),
            (47, 1, 4, 4, 30),
            (48, 1, 4, 4, 0),
            (0, 1, 0, 4, 30),
        ] {
            let err = write_mp4(&path, &vec![0; len], count, h, w, fps).expect_err("must fail");
            assert!(err.to_string().contains("bad.mp4"), "{err}");
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("list").count(),
            0,
            "no file, temporary or final, is left"
        );
    }

    #[test]
    fn replaces_an_existing_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("v.mp4");
        std::fs::write(&path, b"old").expect("write old");
        write_mp4(&path, &synthetic(2, 16, 16), 2, 16, 16, 10).expect("write");
        assert_eq!(frame_count(&path).expect("count"), 2);
    }

    /// Encoding speed at 64×64 (`cargo test --release -- --ignored --nocapture encode_speed`).
    #[test]
    #[ignore = "timing, not a check"]
    fn encode_speed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("speed.mp4");
        let (count, h, w) = (300, 64, 64);
        let frames = synthetic(count, h, w);
        let start = std::time::Instant::now();
        write_mp4(&path, &frames, count, h, w, 30).expect("write");
        let secs = start.elapsed().as_secs_f64();
        let bytes = std::fs::metadata(&path).expect("metadata").len();
        eprintln!(
            "{count} frames {h}×{w}: {:.0} frames/s, {bytes} bytes",
            count as f64 / secs
        );
    }
}
