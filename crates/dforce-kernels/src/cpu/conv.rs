//! Stride-1 "same" 2-D convolution (odd `k × k` kernel, padding `k / 2`, bias) and its
//! backward, as GEMMs without an im2col buffer, on row-major `f32` slices.
//!
//! Each image is copied once into a zero-padded `[C, H + 2p, W + 2p]` buffer. In the padded
//! width `Wp`, the input pixel under kernel tap `(dy, dx)` for output position `y·Wp + x` sits
//! at `c·Hp·Wp + y·Wp + x + dy·Wp + dx`: for every tap the whole input is one strided matrix
//! view `[C, H·Wp]` (row stride `Hp·Wp`, column stride 1). So the convolution is `k²`
//! accumulating GEMMs `out[O, H·Wp] += W_tap[O, C] · view_tap[C, H·Wp]`, whose two extra
//! columns per output row are discarded. The backward uses the same views: the weight gradient
//! is `g · view_tapᵀ` per tap and the input gradient accumulates `W_tapᵀ · g` into the padded
//! buffer at each tap's offset. Weights are burn's `Conv2d` layout `[O, C, k, k]`.

use rayon::prelude::*;

use super::gemm::{MatRef, matmul, matmul_serial};

/// Shape of one convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvShape {
    /// Images `N`.
    pub images: usize,
    pub in_channels: usize,
    pub out_channels: usize,
    pub height: usize,
    pub width: usize,
    /// Odd kernel size `k`.
    pub kernel: usize,
}

impl ConvShape {
    fn pad(&self) -> usize {
        self.kernel / 2
    }
    fn padded_width(&self) -> usize {
        self.width + 2 * self.pad()
    }
    fn padded_plane(&self) -> usize {
        (self.height + 2 * self.pad()) * self.padded_width()
    }
    /// Output positions in the padded-width layout, `H·Wp`.
    fn positions(&self) -> usize {
        self.height * self.padded_width()
    }
    /// A padded image, with `k` spare zeros at the end so every tap's view fits.
    fn padded_len(&self) -> usize {
        self.in_channels * self.padded_plane() + self.kernel
    }
    fn image_in(&self) -> usize {
        self.in_channels * self.height * self.width
    }
    fn image_out(&self) -> usize {
        self.out_channels * self.height * self.width
    }

    /// Copies image `img` of `x` into the zeroed padded buffer `pad`.
    fn fill_padded(&self, x: &[f32], pad: &mut [f32]) {
        let (h, w, p, wp) = (self.height, self.width, self.pad(), self.padded_width());
        for c in 0..self.in_channels {
            for y in 0..h {
                let src = &x[(c * h + y) * w..][..w];
                let at = c * self.padded_plane() + (y + p) * wp + p;
                pad[at..at + w].copy_from_slice(src);
            }
        }
    }

    /// Weight of tap `(dy, dx)` as an `[O, C]` view (or its `[C, O]` transpose).
    fn tap<'a>(&self, weight: &'a [f32], dy: usize, dx: usize, transposed: bool) -> MatRef<'a> {
        let kk = self.kernel * self.kernel;
        let (rs, cs) = (self.in_channels * kk, kk);
        let (rs, cs) = if transposed { (cs, rs) } else { (rs, cs) };
        MatRef {
            data: weight,
            offset: dy * self.kernel + dx,
            rs,
            cs,
        }
    }

    /// The padded input under tap `(dy, dx)` as a `[C, H·Wp]` view (or its transpose).
    fn view<'a>(&self, pad: &'a [f32], dy: usize, dx: usize, transposed: bool) -> MatRef<'a> {
        let (rs, cs) = (self.padded_plane(), 1);
        let (rs, cs) = if transposed { (cs, rs) } else { (rs, cs) };
        MatRef {
            data: pad,
            offset: dy * self.padded_width() + dx,
            rs,
            cs,
        }
    }

    fn check(&self, x: usize, weight: usize) {
        assert!(
            self.kernel % 2 == 1
                && x == self.images * self.image_in()
                && weight == self.out_channels * self.in_channels * self.kernel * self.kernel,
            "convolution shape {self:?} does not match {x} inputs and {weight} weights"
        );
    }
}

/// Forward: `x` `[N, C, H, W]`, `weight` `[O, C, k, k]`, `bias` `[O]` → `[N, O, H, W]`.
pub fn forward(x: &[f32], weight: &[f32], bias: &[f32], sh: ConvShape) -> Vec<f32> {
    sh.check(x.len(), weight.len());
    let (o, c, k) = (sh.out_channels, sh.in_channels, sh.kernel);
    let (h, w, wp, positions) = (sh.height, sh.width, sh.padded_width(), sh.positions());
    let mut out = vec![0.0f32; sh.images * sh.image_out()];
    // One image per task (each image's products on its own thread) when there are enough
    // images; otherwise one image at a time with every product split across the threads.
    let per_image = sh.images >= rayon::current_num_threads();
    let one_image = |(pad, wide): &mut (Vec<f32>, Vec<f32>),
                     (img, out_img): (usize, &mut [f32])| {
        pad.fill(0.0);
        sh.fill_padded(&x[img * sh.image_in()..][..sh.image_in()], pad);
        for (row, &b) in wide.chunks_exact_mut(positions).zip(bias) {
            row.fill(b);
        }
        for dy in 0..k {
            for dx in 0..k {
                let (lhs, rhs) = (sh.tap(weight, dy, dx, false), sh.view(pad, dy, dx, false));
                if per_image {
                    matmul_serial(wide, positions, o, positions, c, lhs, rhs, true);
                } else {
                    matmul(wide, positions, o, positions, c, lhs, rhs, true);
                }
            }
        }
        for (ch, plane) in out_img.chunks_exact_mut(h * w).enumerate() {
            for y in 0..h {
                plane[y * w..(y + 1) * w].copy_from_slice(&wide[ch * positions + y * wp..][..w]);
            }
        }
    };
    let scratch = || (vec![0.0f32; sh.padded_len()], vec![0.0f32; o * positions]);
    if per_image {
        out.par_chunks_mut(sh.image_out())
            .enumerate()
            .for_each_init(scratch, one_image);
    } else {
        let mut s = scratch();
        for item in out.chunks_exact_mut(sh.image_out()).enumerate() {
            one_image(&mut s, item);
        }
    }
    out
}

/// Gradients of [`forward`].
pub struct ConvGrads {
    /// `[N, C, H, W]`, when asked for.
    pub x: Option<Vec<f32>>,
    /// `[O, C, k, k]`.
    pub weight: Vec<f32>,
    /// `[O]`.
    pub bias: Vec<f32>,
}

/// Backward of [`forward`] from the output gradient `grad` `[N, O, H, W]`.
pub fn backward(grad: &[f32], x: &[f32], weight: &[f32], sh: ConvShape, want_x: bool) -> ConvGrads {
    sh.check(x.len(), weight.len());
    assert_eq!(
        grad.len(),
        sh.images * sh.image_out(),
        "convolution gradient size"
    );
    let (o, c, k) = (sh.out_channels, sh.in_channels, sh.kernel);
    let (h, w, p, wp, positions) = (
        sh.height,
        sh.width,
        sh.pad(),
        sh.padded_width(),
        sh.positions(),
    );
    let mut pad = vec![0.0f32; sh.padded_len()];
    let mut wide = vec![0.0f32; o * positions];
    // Per tap, the [O, C] weight gradient, accumulated over images.
    let mut taps = vec![vec![0.0f32; o * c]; k * k];
    let mut bias = vec![0.0f32; o];
    let mut gx = want_x.then(|| vec![0.0f32; sh.images * sh.image_in()]);
    let mut gpad = vec![0.0f32; sh.padded_len()];
    for img in 0..sh.images {
        let g_img = &grad[img * sh.image_out()..][..sh.image_out()];
        // The gradient in the padded-width layout, zero in the discarded columns.
        for (ch, plane) in g_img.chunks_exact(h * w).enumerate() {
            for y in 0..h {
                let row = &mut wide[ch * positions + y * wp..][..wp];
                row[..w].copy_from_slice(&plane[y * w..(y + 1) * w]);
                row[w..].fill(0.0);
            }
            bias[ch] += plane.iter().sum::<f32>();
        }
        pad.fill(0.0);
        sh.fill_padded(&x[img * sh.image_in()..][..sh.image_in()], &mut pad);
        let g = MatRef::row_major(&wide, positions);
        for dy in 0..k {
            for dx in 0..k {
                let tap = &mut taps[dy * k + dx];
                matmul(
                    tap,
                    c,
                    o,
                    c,
                    positions,
                    g,
                    sh.view(&pad, dy, dx, true),
                    true,
                );
            }
        }
        if let Some(gx) = gx.as_mut() {
            gpad.fill(0.0);
            for dy in 0..k {
                for dx in 0..k {
                    let at = dy * wp + dx;
                    let lhs = sh.tap(weight, dy, dx, true);
                    let out = &mut gpad[at..];
                    matmul(out, sh.padded_plane(), c, positions, o, lhs, g, true);
                }
            }
            let gx_img = &mut gx[img * sh.image_in()..][..sh.image_in()];
            for (ch, plane) in gx_img.chunks_exact_mut(h * w).enumerate() {
                for y in 0..h {
                    let at = ch * sh.padded_plane() + (y + p) * wp + p;
                    plane[y * w..(y + 1) * w].copy_from_slice(&gpad[at..at + w]);
                }
            }
        }
    }
    let mut weight_grad = vec![0.0f32; weight.len()];
    for (t, tap) in taps.iter().enumerate() {
        for (pair, &v) in tap.iter().enumerate() {
            weight_grad[pair * k * k + t] = v;
        }
    }
    ConvGrads {
        x: gx,
        weight: weight_grad,
        bias,
    }
}
