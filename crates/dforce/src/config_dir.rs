//! Finding the Hydra config tree.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// The primary config directory: `--config-path`, else `$DFORCE_CONFIG_DIR`, else `./configs`,
/// else the tree of the source checkout this binary was built from.
pub fn find(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        if dir.is_dir() {
            return Ok(dir.to_path_buf());
        }
        bail!(
            "--config-path {}: not a directory (give the directory that holds the primary config)",
            dir.display()
        );
    }
    let candidates = [
        std::env::var_os("DFORCE_CONFIG_DIR").map(PathBuf::from),
        Some(PathBuf::from("configs")),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs")),
    ];
    for dir in candidates.into_iter().flatten() {
        if dir.join("config.yaml").is_file() {
            return Ok(dir);
        }
    }
    bail!(
        "no config tree found: run dforce from the repository root, or pass --config-path DIR (a directory holding config.yaml)"
    )
}
