//! The kernels on plain `f32` slices (row-major), independent of burn: each is a pure function
//! of its inputs, parallel over rayon's threads.

pub mod attention;
pub mod conv;
pub mod gemm;
pub mod group_norm;
pub mod layer_norm;
pub mod linear;
pub mod linear_attention;
pub mod plane_attention;
pub mod simd;
pub mod temporal_attention;
