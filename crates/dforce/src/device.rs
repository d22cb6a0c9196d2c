//! Choosing the compute device: a GPU when the build has one, else the CPU, like the reference.

use anyhow::{Result, bail};
use burn::tensor::Device;

/// Device names `device=` accepts.
pub const DEVICE_NAMES: &str = "auto, cpu, cuda, vulkan, wgpu, metal";

/// Resolves the `device` config value to a burn device and a human-readable description.
pub fn select(name: &str) -> Result<(Device, String)> {
    match name {
        "auto" => Ok(auto()),
        "cpu" | "flex" => Ok((Device::flex(), "CPU (burn flex backend)".into())),
        "cuda" => cuda(),
        "vulkan" => vulkan(),
        "wgpu" => wgpu(),
        "metal" => metal(),
        other => bail!("unknown device '{other}'; expected one of: {DEVICE_NAMES}"),
    }
}

/// The first GPU backend compiled in, else the CPU.
fn auto() -> (Device, String) {
    for pick in [cuda, vulkan, metal, wgpu] {
        if let Ok(d) = pick() {
            return d;
        }
    }
    (
        Device::flex(),
        "CPU (burn flex backend; build with --features vulkan or cuda for a GPU)".into(),
    )
}

fn not_built(feature: &str) -> Result<(Device, String)> {
    bail!(
        "this dforce was built without the '{feature}' feature; rebuild with `cargo build --release --features {feature}` or use device=cpu"
    )
}

fn cuda() -> Result<(Device, String)> {
    #[cfg(feature = "cuda")]
    return Ok((Device::cuda(0), "CUDA GPU 0".into()));
    #[allow(unreachable_code)]
    not_built("cuda")
}

fn vulkan() -> Result<(Device, String)> {
    #[cfg(feature = "vulkan")]
    return Ok((
        Device::vulkan(Default::default()),
        "GPU via Vulkan (wgpu/SPIR-V)".into(),
    ));
    #[allow(unreachable_code)]
    not_built("vulkan")
}

fn wgpu() -> Result<(Device, String)> {
    #[cfg(feature = "wgpu")]
    return Ok((Device::wgpu(Default::default()), "GPU via wgpu".into()));
    #[allow(unreachable_code)]
    not_built("wgpu")
}

fn metal() -> Result<(Device, String)> {
    #[cfg(feature = "metal")]
    return Ok((Device::metal(Default::default()), "GPU via Metal".into()));
    #[allow(unreachable_code)]
    not_built("metal")
}
