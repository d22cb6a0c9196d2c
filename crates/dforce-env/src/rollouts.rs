//! Recorded maze2d rollouts (`maze2d_d4rl_frame_rollouts.npz` layout): for each maze name,
//! `<name>/obs` (T+1)×4, `<name>/actions` T×2 and the scalar maze string `<name>/maze`, where
//! `obs[k+1]` is the MuJoCo state after applying `actions[k]` to `obs[k]`.
//!
//! They are the ground truth the physics port is checked against (see the parity test).

use std::path::Path;

use dforce_io::NpzError;
use dforce_io::npz::NpzFile;

/// One recorded rollout.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    /// Key prefix, e.g. `umaze`.
    pub name: String,
    /// D4RL maze string the rollout ran in.
    pub maze: String,
    /// States `[x, y, vx, vy]`, one more than actions.
    pub obs: Vec<[f64; 4]>,
    /// Raw actions (may lie outside [−1, 1]; the env clips them).
    pub actions: Vec<[f64; 2]>,
}

/// Loads every rollout in a file of this layout, in archive order.
pub fn load_rollouts(path: impl AsRef<Path>) -> Result<Vec<Rollout>, NpzError> {
    let mut npz = NpzFile::open(path)?;
    let names: Vec<String> = npz
        .keys()
        .iter()
        .filter_map(|k| k.strip_suffix("/obs"))
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        return Err(NpzError::MissingKey {
            path: npz.path().to_path_buf(),
            key: "<name>/obs".into(),
        });
    }
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let obs = npz.matrix_f64::<4>(&format!("{name}/obs"))?;
        let actions = npz.matrix_f64::<2>(&format!("{name}/actions"))?;
        let maze = npz.scalar_str(&format!("{name}/maze"))?;
        if obs.len() != actions.len() + 1 {
            return Err(NpzError::Inconsistent {
                path: npz.path().to_path_buf(),
                reason: format!(
                    "{name}: {} observations for {} actions (expected one more)",
                    obs.len(),
                    actions.len()
                ),
            });
        }
        out.push(Rollout {
            name,
            maze,
            obs,
            actions,
        });
    }
    Ok(out)
}
