//! Sinusoidal embeddings of integer positions / noise levels.

use burn::tensor::{Device, Int, Tensor, TensorData};

/// Frequencies `exp(−j·ln(10000)/divisor)`, j = 0..half, formed in f32 as torch does
/// (`arange(half) * −(ln(10000)/divisor)` with the Python float cast to f32).
pub fn frequencies(half: usize, divisor: f64) -> Vec<f32> {
    let step = -((10000f64).ln() / divisor) as f32;
    (0..half).map(|j| (j as f32 * step).exp()).collect()
}

/// Frequencies of diffusers' `get_timestep_embedding` (used by the U-Net's `Timesteps`):
/// `exp(−ln(10000)·j / (half − shift))`, with torch's f32 operation order — `j · (−ln 10000)`
/// rounded to f32, then divided by `half − shift` — so the angles of levels up to 999 match
/// the reference to the last bit rather than to a few ulps.
pub fn diffusers_frequencies(half: usize, downscale_freq_shift: f32) -> Vec<f32> {
    let neg_log = -(10000f64.ln()) as f32;
    let divisor = half as f32 - downscale_freq_shift;
    (0..half)
        .map(|j| ((j as f32 * neg_log) / divisor).exp())
        .collect()
}

/// `[sin(x·f), cos(x·f)]` of an `(a, b)` grid of integer positions: `(a, b, 2·len(f))`.
/// With `flip_sin_to_cos` the halves are swapped to `[cos, sin]` (diffusers' `Timesteps`).
pub fn sinusoidal(
    positions: Tensor<2, Int>,
    freqs: &[f32],
    flip_sin_to_cos: bool,
    device: &Device,
) -> Tensor<3> {
    let f: Tensor<3> =
        Tensor::from_data(TensorData::new(freqs.to_vec(), [1, 1, freqs.len()]), device);
    let angles = positions.float().unsqueeze_dim::<3>(2) * f;
    let (sin, cos) = (angles.clone().sin(), angles.cos());
    if flip_sin_to_cos {
        Tensor::cat(vec![cos, sin], 2)
    } else {
        Tensor::cat(vec![sin, cos], 2)
    }
}
