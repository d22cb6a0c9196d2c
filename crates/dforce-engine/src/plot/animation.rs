//! Animated GIFs from a sequence of equally sized canvases (the MPC replanning animation).
//!
//! Each frame gets its own 256-colour palette from the `gif` crate's NeuQuant quantiser: our
//! pictures hold a few flat colours plus two colour ramps, which quantise without visible loss.

use super::PlotError;
use super::raster::Canvas;

/// Quantiser speed (1 = best, 30 = fastest); 10 is the `gif` crate's recommended balance.
const QUANT_SPEED: i32 = 10;

/// One frame and how long it stays, in hundredths of a second.
pub struct GifFrame<'a> {
    pub canvas: &'a Canvas,
    pub delay_cs: u16,
}

/// Encodes `frames` as a GIF that loops forever. All frames must have the first one's size.
pub fn encode_gif(frames: &[GifFrame<'_>]) -> Result<Vec<u8>, PlotError> {
    let first = frames
        .first()
        .ok_or_else(|| PlotError::Invalid("a GIF needs at least one frame".into()))?;
    let (w, h) = (first.canvas.width(), first.canvas.height());
    let too_big = || PlotError::Invalid(format!("{w}×{h} is too large for a GIF frame"));
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| too_big())?,
        u16::try_from(h).map_err(|_| too_big())?,
    );
    let mut out = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut out, w16, h16, &[])?;
        enc.set_repeat(gif::Repeat::Infinite)?;
        for (i, f) in frames.iter().enumerate() {
            if (f.canvas.width(), f.canvas.height()) != (w, h) {
                return Err(PlotError::Invalid(format!(
                    "GIF frame {i} is {}×{}, the first is {w}×{h}",
                    f.canvas.width(),
                    f.canvas.height()
                )));
            }
            let mut frame = gif::Frame::from_rgb_speed(w16, h16, f.canvas.rgb(), QUANT_SPEED);
            frame.delay = f.delay_cs;
            enc.write_frame(&frame)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::raster::{BLACK, WHITE};

    #[test]
    fn frames_encode_and_mismatched_sizes_are_refused() {
        let a = Canvas::new(8, 6, WHITE);
        let b = Canvas::new(8, 6, BLACK);
        let bytes = encode_gif(&[
            GifFrame {
                canvas: &a,
                delay_cs: 10,
            },
            GifFrame {
                canvas: &b,
                delay_cs: 10,
            },
        ])
        .unwrap();
        assert_eq!(&bytes[..6], b"GIF89a");
        let c = Canvas::new(4, 4, WHITE);
        let err = encode_gif(&[
            GifFrame {
                canvas: &a,
                delay_cs: 1,
            },
            GifFrame {
                canvas: &c,
                delay_cs: 1,
            },
        ]);
        assert!(err.is_err());
        assert!(encode_gif(&[]).is_err());
    }
}
