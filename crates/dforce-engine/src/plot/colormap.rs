//! Sequential colormaps for colouring a path by time.
//!
//! The anchors are the nine-class ColorBrewer sequential schemes that matplotlib's `Reds` and
//! `Blues` interpolate linearly, so `Reds` here matches the reference's scatter colours closely.

use super::raster::Rgb;

/// ColorBrewer "Reds", light to dark.
const REDS: [Rgb; 9] = [
    [0xff, 0xf5, 0xf0],
    [0xfe, 0xe0, 0xd2],
    [0xfc, 0xbb, 0xa1],
    [0xfc, 0x92, 0x72],
    [0xfb, 0x6a, 0x4a],
    [0xef, 0x3b, 0x2c],
    [0xcb, 0x18, 0x1d],
    [0xa5, 0x0f, 0x15],
    [0x67, 0x00, 0x0d],
];

/// ColorBrewer "Blues", light to dark.
const BLUES: [Rgb; 9] = [
    [0xf7, 0xfb, 0xff],
    [0xde, 0xeb, 0xf7],
    [0xc6, 0xdb, 0xef],
    [0x9e, 0xca, 0xe1],
    [0x6b, 0xae, 0xd6],
    [0x42, 0x92, 0xc6],
    [0x21, 0x71, 0xb5],
    [0x08, 0x51, 0x9c],
    [0x08, 0x30, 0x6b],
];

/// A sequential colormap from light (0) to dark (1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colormap {
    /// Executed paths and plans (the reference's choice).
    Reds,
    /// A second map, to tell the current plan from the executed path in animations.
    Blues,
}

impl Colormap {
    /// The colour at `t` (clamped to [0, 1]; NaN reads as 0).
    pub fn at(self, t: f64) -> Rgb {
        let anchors = match self {
            Colormap::Reds => &REDS,
            Colormap::Blues => &BLUES,
        };
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let pos = t * (anchors.len() - 1) as f64;
        let i = (pos.floor() as usize).min(anchors.len() - 2);
        let f = pos - i as f64;
        let (a, b) = (anchors[i], anchors[i + 1]);
        std::array::from_fn(|k| (a[k] as f64 + (b[k] as f64 - a[k] as f64) * f).round() as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_midpoint_hit_the_anchors() {
        assert_eq!(Colormap::Reds.at(0.0), REDS[0]);
        assert_eq!(Colormap::Reds.at(1.0), REDS[8]);
        assert_eq!(Colormap::Reds.at(0.5), REDS[4]);
        assert_eq!(Colormap::Blues.at(2.0), BLUES[8]);
        assert_eq!(Colormap::Reds.at(f64::NAN), REDS[0]);
    }
}
