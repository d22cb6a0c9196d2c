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

/// Like [`select`], for the rank with `local_rank` on its node: CUDA takes GPU `local_rank`
/// (one rank per GPU, as Lightning DDP places them).
pub fn select_local(name: &str, local_rank: usize) -> Result<(Device, String)> {
    #[cfg(feature = "cuda")]
    if name == "cuda" || name == "auto" {
        return Ok((
            Device::cuda(local_rank),
            format!("CUDA GPU {local_rank} (local rank {local_rank})"),
        ));
    }
    let _ = local_rank;
    select(name)
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
