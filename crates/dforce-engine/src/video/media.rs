//! What people look at after a video rollout: side-by-side GIFs (prediction left, ground truth
//! right, context frames outlined in red), per-frame PSNR and SSIM, and frame means (the
//! stability curve; the charts are drawn in [`super::eval`]).
//!
//! Frames are `(T, C, H, W)` f32 in `[0, 1]`. Metrics use a data range of 1 (the reference
//! computes them with range 2 on `[0, 1]` data, inflating PSNR by 6 dB: spec §8 item 23).

use crate::plot::animation::{GifFrame, encode_gif};
use crate::plot::raster::Canvas;
use crate::plot::{PlotError, Rgb};

/// Shape of one clip's frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameShape {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

impl FrameShape {
    pub fn len(&self) -> usize {
        self.channels * self.height * self.width
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

const RED: Rgb = [255, 0, 0];

fn to_u8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// One side-by-side frame: prediction | ground truth, each `scale`× enlarged.
fn side_by_side(
    pred: &[f32],
    gt: &[f32],
    shape: FrameShape,
    scale: usize,
    context: bool,
) -> Canvas {
    let (h, w) = (shape.height, shape.width);
    let (oh, ow) = (h * scale, 2 * w * scale + scale);
    let mut rgb = vec![255u8; oh * ow * 3];
    for (side, frame) in [(0usize, pred), (1, gt)] {
        let x0 = side * (w * scale + scale);
        for y in 0..oh {
            for x in 0..w * scale {
                let (sy, sx) = (y / scale, x / scale);
                let border = context && (sy == 0 || sx == 0 || sy + 1 == h || sx + 1 == w);
                let o = (y * ow + x0 + x) * 3;
                for c in 0..3 {
                    let v = if shape.channels == 1 {
                        frame[sy * w + sx]
                    } else {
                        frame[(c * h + sy) * w + sx]
                    };
                    rgb[o + c] = if border { RED[c] } else { to_u8(v) };
                }
            }
        }
    }
    // `rgb` was allocated as ow·oh·3 above; frames are at most a few thousand pixels a side
    // (dataset.resolution passes the U-Net check), so the u32 casts are exact.
    Canvas::from_rgb(ow as u32, oh as u32, rgb).expect("sized above")
}

/// An animated GIF of a rollout: prediction left, ground truth right, context outlined.
pub fn rollout_gif(
    pred: &[f32],
    gt: &[f32],
    frames: usize,
    shape: FrameShape,
    context: usize,
) -> Result<Vec<u8>, PlotError> {
    let canvases = rollout_frames(pred, gt, frames, shape, context);
    let frames: Vec<GifFrame<'_>> = canvases
        .iter()
        .map(|c| GifFrame {
            canvas: c,
            delay_cs: 12,
        })
        .collect();
    encode_gif(&frames)
}

/// Frames per second of the rollout videos (the GIF's 12 cs per frame).
pub const ROLLOUT_FPS: u32 = 8;

/// The rollout as an H.264 MP4 (the frames of [`rollout_frames`] at [`ROLLOUT_FPS`]), written
/// beside its GIF when dforce is built with the `mp4` feature (OpenH264 compiled from source).
///
/// # Errors
/// The encoder or the file write failed (the file is named).
#[cfg(feature = "mp4")]
pub fn write_mp4(
    path: &std::path::Path,
    pred: &[f32],
    gt: &[f32],
    frames: usize,
    shape: FrameShape,
    context: usize,
) -> Result<(), dforce_video_data::VideoDataError> {
    let canvases = rollout_frames(pred, gt, frames, shape, context);
    let (w, h) = canvases
        .first()
        .map_or((0, 0), |c| (c.width() as usize, c.height() as usize));
    let rgb: Vec<u8> = canvases
        .iter()
        .flat_map(|c| c.rgb().iter().copied())
        .collect();
    dforce_video_data::write_mp4(path, &rgb, canvases.len(), h, w, ROLLOUT_FPS)
}

/// Without the `mp4` feature rollouts are GIFs only: this writes nothing.
#[cfg(not(feature = "mp4"))]
pub fn write_mp4(
    _path: &std::path::Path,
    _pred: &[f32],
    _gt: &[f32],
    _frames: usize,
    _shape: FrameShape,
    _context: usize,
) -> Result<(), dforce_video_data::VideoDataError> {
    Ok(())
}

/// The frames of a rollout video: prediction left, ground truth right (each enlarged to about
/// 256 pixels high), context frames outlined in red. `pred` and `gt` are `(frames, C, H, W)`.
pub fn rollout_frames(
    pred: &[f32],
    gt: &[f32],
    frames: usize,
    shape: FrameShape,
    context: usize,
) -> Vec<Canvas> {
    let n = shape.len();
    let scale = (256 / shape.height.max(1)).clamp(1, 4);
    (0..frames)
        .map(|t| {
            side_by_side(
                &pred[t * n..(t + 1) * n],
                &gt[t * n..(t + 1) * n],
                shape,
                scale,
                t < context,
            )
        })
        .collect()
}

/// PSNR (dB) of one frame, data range 1.
pub fn psnr(pred: &[f32], gt: &[f32]) -> f64 {
    let mse = pred
        .iter()
        .zip(gt)
        .map(|(a, b)| ((a - b) as f64).powi(2))
        .sum::<f64>()
        / pred.len().max(1) as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        -10.0 * mse.log10()
    }
}

/// SSIM of one frame (Gaussian window 11, σ 1.5, K1 0.01, K2 0.03, data range 1), averaged
/// over channels and valid window positions, as torchmetrics computes it.
pub fn ssim(pred: &[f32], gt: &[f32], shape: FrameShape) -> f64 {
    let (h, w) = (shape.height, shape.width);
    let k = 11.min(h).min(w) | 1;
    let r = k / 2;
    let sigma = 1.5f64;
    let g: Vec<f64> = (0..k)
        .map(|i| (-(((i as f64) - r as f64).powi(2)) / (2.0 * sigma * sigma)).exp())
        .collect();
    let gs: f64 = g.iter().sum();
    let g: Vec<f64> = g.iter().map(|v| v / gs).collect();
    let (c1, c2) = (0.01f64.powi(2), 0.03f64.powi(2));
    let mut total = 0.0;
    let mut count = 0usize;
    for c in 0..shape.channels {
        let at = |img: &[f32], y: usize, x: usize| img[(c * h + y) * w + x] as f64;
        for y in r..h - r {
            for x in r..w - r {
                let (mut mx, mut my, mut xx, mut yy, mut xy) = (0.0, 0.0, 0.0, 0.0, 0.0);
                for (dy, gy) in g.iter().enumerate() {
                    for (dx, gx) in g.iter().enumerate() {
                        let wgt = gy * gx;
                        let (a, b) = (
                            at(pred, y + dy - r, x + dx - r),
                            at(gt, y + dy - r, x + dx - r),
                        );
                        mx += wgt * a;
                        my += wgt * b;
                        xx += wgt * a * a;
                        yy += wgt * b * b;
                        xy += wgt * a * b;
                    }
                }
                let (vx, vy, cov) = (xx - mx * mx, yy - my * my, xy - mx * my);
                total += ((2.0 * mx * my + c1) * (2.0 * cov + c2))
                    / ((mx * mx + my * my + c1) * (vx + vy + c2));
                count += 1;
            }
        }
    }
    total / count.max(1) as f64
}

/// Mean pixel value of each frame: a drift / stability signal over a long rollout.
pub fn frame_means(frames: &[f32], count: usize) -> Vec<f64> {
    let n = frames.len() / count.max(1);
    (0..count)
        .map(|t| {
            frames[t * n..(t + 1) * n]
                .iter()
                .map(|&v| v as f64)
                .sum::<f64>()
                / n as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_frames_have_infinite_psnr_and_unit_ssim() {
        let shape = FrameShape {
            channels: 3,
            height: 16,
            width: 16,
        };
        let f: Vec<f32> = (0..shape.len()).map(|i| (i % 13) as f32 / 13.0).collect();
        assert!(psnr(&f, &f).is_infinite());
        assert!((ssim(&f, &f, shape) - 1.0).abs() < 1e-9);
        let g: Vec<f32> = f.iter().map(|v| (v + 0.1).min(1.0)).collect();
        let p = psnr(&f, &g);
        assert!(p > 15.0 && p < 25.0, "{p}");
        assert!(ssim(&f, &g, shape) < 1.0);
    }

    #[test]
    fn gif_of_a_rollout_encodes() {
        let shape = FrameShape {
            channels: 3,
            height: 8,
            width: 8,
        };
        let pred = vec![0.5f32; 4 * shape.len()];
        let gif = rollout_gif(&pred, &pred, 4, shape, 2).unwrap();
        assert_eq!(&gif[..6], b"GIF89a");
    }
}
