//! Antialiased bilinear resizing, as the reference's `torchvision.transforms.Resize((res, res),
//! antialias=True)` does it on float frames: a separable triangle filter whose support widens by
//! the scale factor when downsampling (so every source pixel contributes, like an area average),
//! and plain bilinear when upsampling. Window bounds and weights follow Pillow's `BILINEAR`
//! resampling, which torch's antialiased kernel reproduces: output pixel `i` is centred at
//! `(i + 0.5)·scale` in input coordinates, `scale = in/out`, weights `max(0, 1 − |d|/max(scale, 1))`
//! over the window clipped to the image and renormalised (edge pixels are not extended).

/// Per-output-pixel source window and normalised weights along one axis.
#[derive(Debug, Clone, PartialEq)]
struct AxisFilter {
    /// `(first source index, weights)` per output index.
    taps: Vec<(usize, Vec<f32>)>,
}

impl AxisFilter {
    fn new(in_size: usize, out_size: usize) -> Self {
        let scale = in_size as f64 / out_size as f64;
        let filter_scale = scale.max(1.0);
        let support = filter_scale; // triangle support 1, widened by the scale
        let taps = (0..out_size)
            .map(|i| {
                let center = (i as f64 + 0.5) * scale;
                // `as` truncates toward zero like the reference's C `(int)` casts.
                let lo = ((center - support + 0.5) as i64).max(0) as usize;
                let hi = ((center + support + 0.5) as i64).clamp(0, in_size as i64) as usize;
                let raw: Vec<f64> = (lo..hi.max(lo))
                    .map(|x| {
                        let d = (x as f64 - center + 0.5) / filter_scale;
                        (1.0 - d.abs()).max(0.0)
                    })
                    .collect();
                let total: f64 = raw.iter().sum();
                let w = raw
                    .iter()
                    .map(|&w| if total > 0.0 { (w / total) as f32 } else { 0.0 })
                    .collect();
                (lo, w)
            })
            .collect();
        Self { taps }
    }
}

/// A reusable resizer from `(in_h, in_w)` to `(out_h, out_w)` for planar `f32` images.
#[derive(Debug, Clone, PartialEq)]
pub struct Resizer {
    in_h: usize,
    in_w: usize,
    out_h: usize,
    out_w: usize,
    rows: AxisFilter,
    cols: AxisFilter,
}

impl Resizer {
    /// Precomputes the filters for one size pair.
    pub fn new(in_h: usize, in_w: usize, out_h: usize, out_w: usize) -> Self {
        Self {
            in_h,
            in_w,
            out_h,
            out_w,
            rows: AxisFilter::new(in_h, out_h),
            cols: AxisFilter::new(in_w, out_w),
        }
    }

    /// Whether this is the identity (the reference's resize at native resolution).
    pub fn is_identity(&self) -> bool {
        self.in_h == self.out_h && self.in_w == self.out_w
    }

    /// Resizes one plane (`in_h·in_w` values, row-major) into `out` (`out_h·out_w` values).
    pub fn resize_plane(&self, src: &[f32], out: &mut [f32]) {
        assert_eq!(src.len(), self.in_h * self.in_w, "source plane size");
        assert_eq!(out.len(), self.out_h * self.out_w, "output plane size");
        if self.is_identity() {
            out.copy_from_slice(src);
            return;
        }
        // Horizontal pass: in_h × out_w.
        let mut tmp = vec![0f32; self.in_h * self.out_w];
        for (src_row, tmp_row) in src
            .chunks_exact(self.in_w)
            .zip(tmp.chunks_exact_mut(self.out_w))
        {
            for (t, (lo, w)) in tmp_row.iter_mut().zip(&self.cols.taps) {
                *t = w.iter().zip(&src_row[*lo..]).map(|(w, s)| w * s).sum();
            }
        }
        // Vertical pass: out_h × out_w.
        for (out_row, (lo, w)) in out.chunks_exact_mut(self.out_w).zip(&self.rows.taps) {
            out_row.fill(0.0);
            for (k, &wk) in w.iter().enumerate() {
                let tmp_row = &tmp[(lo + k) * self.out_w..(lo + k + 1) * self.out_w];
                for (o, &t) in out_row.iter_mut().zip(tmp_row) {
                    *o += wk * t;
                }
            }
        }
    }
}
