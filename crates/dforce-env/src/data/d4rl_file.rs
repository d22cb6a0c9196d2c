//! D4RL's maze2d HDF5 layout: `observations` N×4, `actions` N×2, `rewards` N, `terminals` N,
//! `timeouts` N, `infos/goal`, `infos/qpos`, `infos/qvel` N×2 (float32, bools as h5py bools).

use std::path::Path;

use super::dataset::Dataset;
use dforce_io::Hdf5Error;
use dforce_io::hdf5::{H5Dataset, H5File, H5Writer};

fn flat<const C: usize>(rows: &[[f32; C]]) -> Vec<f32> {
    rows.iter().flatten().copied().collect()
}

/// Writes `data` to `path` in D4RL's layout.
pub fn write_d4rl(data: &Dataset, path: impl AsRef<Path>) -> Result<(), Hdf5Error> {
    let n = data
        .check_lengths()
        .map_err(|reason| Hdf5Error::InvalidInput {
            key: "<dataset>".into(),
            reason,
        })?;
    let mut w = H5Writer::new();
    w.add_f32("observations", &[n, 4], &flat(&data.observations))?;
    w.add_f32("actions", &[n, 2], &flat(&data.actions))?;
    w.add_f32("rewards", &[n], &data.rewards)?;
    w.add_bool("terminals", &[n], &data.terminals)?;
    w.add_bool("timeouts", &[n], &data.timeouts)?;
    w.add_f32("infos/goal", &[n, 2], &flat(&data.goals))?;
    w.add_f32("infos/qpos", &[n, 2], &flat(&data.qpos))?;
    w.add_f32("infos/qvel", &[n, 2], &flat(&data.qvel))?;
    w.write(path)
}

/// Converts a read dataset of shape `(n, C)` (or `(n,)`/`(n, 1)` when `C == 1`) into rows.
fn rows<const C: usize>(
    f: &H5File,
    key: &str,
    ds: &H5Dataset,
    n: Option<usize>,
) -> Result<Vec<[f32; C]>, Hdf5Error> {
    let count = ds.shape.first().copied().unwrap_or(0);
    let ok_shape = match ds.shape.as_slice() {
        [_, c] => *c == C,
        [_] => C == 1,
        _ => false,
    };
    if !ok_shape || n.is_some_and(|n| n != count) {
        let want = n.map_or("N".into(), |n| n.to_string());
        return Err(Hdf5Error::BadDataset {
            path: f.path().to_path_buf(),
            key: key.to_owned(),
            reason: format!("shape {:?}, expected ({want}, {C})", ds.shape),
        });
    }
    Ok(ds
        .to_f32()
        .chunks_exact(C)
        .map(|c| {
            let mut r = [0.0; C];
            r.copy_from_slice(c);
            r
        })
        .collect())
}

/// Reads the required table `key`; every value must be finite (a NaN or infinity would make
/// the training loss non-finite at its first batch, far from the cause).
fn table<const C: usize>(
    f: &H5File,
    key: &str,
    n: Option<usize>,
) -> Result<Vec<[f32; C]>, Hdf5Error> {
    let rows = rows(f, key, &f.dataset(key)?, n)?;
    if let Some((r, c, v)) = rows.iter().enumerate().find_map(|(r, row)| {
        row.iter()
            .position(|v| !v.is_finite())
            .map(|c| (r, c, row[c]))
    }) {
        return Err(Hdf5Error::BadDataset {
            path: f.path().to_path_buf(),
            key: key.to_owned(),
            reason: format!(
                "row {r}, column {c} is {v}; every value must be finite (replace or drop such \
                 rows, e.g. with numpy's isfinite, and write the file again)"
            ),
        });
    }
    Ok(rows)
}

/// Reads the optional table `key`: empty when the file has no such dataset, and empty with the
/// reason pushed to `skipped` when it has one that cannot be read (another type, another shape,
/// a corrupt chunk).
fn optional<const C: usize>(
    f: &H5File,
    key: &str,
    n: Option<usize>,
    skipped: &mut Vec<Hdf5Error>,
) -> Vec<[f32; C]> {
    match f.dataset(key).and_then(|ds| rows(f, key, &ds, n)) {
        Ok(rows) => rows,
        Err(Hdf5Error::MissingKey { .. }) => Vec::new(),
        Err(e) => {
            skipped.push(e);
            Vec::new()
        }
    }
}

/// A D4RL file as [`read_d4rl`] read it.
#[derive(Debug)]
pub struct D4rlRead {
    /// The transitions. Optional members that are absent or were skipped are empty.
    pub dataset: Dataset,
    /// Why each optional member (`timeouts`, `infos/*`) present in the file could not be read;
    /// callers report these as warnings. Required members fail [`read_d4rl`] instead.
    pub skipped: Vec<Hdf5Error>,
}

fn to_bools(v: Vec<[f32; 1]>) -> Vec<bool> {
    v.into_iter().map(|[x]| x != 0.0).collect()
}

/// Reads a D4RL maze2d file (any HDF5 file h5py writes: every `libver`, chunking and filter).
/// The required keys are DF's: observations, actions, rewards, terminals. `timeouts` and the
/// `infos/*` keys are optional (older files lack them): they come back empty when absent, and
/// empty with the reason in [`D4rlRead::skipped`] when present but unreadable.
///
/// # Errors
/// [`Hdf5Error`] when the file cannot be read or a required member is missing or misshapen.
pub fn read_d4rl(path: impl AsRef<Path>) -> Result<D4rlRead, Hdf5Error> {
    let f = H5File::open(path)?;
    let observations = table::<4>(&f, "observations", None)?;
    let n = Some(observations.len());
    let mut skipped = Vec::new();
    let dataset = Dataset {
        actions: table::<2>(&f, "actions", n)?,
        rewards: table::<1>(&f, "rewards", n)?
            .into_iter()
            .map(|[r]| r)
            .collect(),
        terminals: to_bools(table::<1>(&f, "terminals", n)?),
        timeouts: to_bools(optional::<1>(&f, "timeouts", n, &mut skipped)),
        goals: optional::<2>(&f, "infos/goal", n, &mut skipped),
        qpos: optional::<2>(&f, "infos/qpos", n, &mut skipped),
        qvel: optional::<2>(&f, "infos/qvel", n, &mut skipped),
        observations,
    };
    Ok(D4rlRead { dataset, skipped })
}
