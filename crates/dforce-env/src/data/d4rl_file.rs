//! D4RL's maze2d HDF5 layout: `observations` N×4, `actions` N×2, `rewards` N, `terminals` N,
//! `timeouts` N, `infos/goal`, `infos/qpos`, `infos/qvel` N×2 (float32, bools as h5py bools).

use std::path::Path;

use super::dataset::Dataset;
use dforce_io::Hdf5Error;
use dforce_io::hdf5::{DType, H5Dataset, H5File, H5Writer};

/// The little-endian bytes of float32 rows, in C order (one copy, no intermediate `Vec<f32>`).
fn f32_bytes<const C: usize>(rows: &[[f32; C]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * C * 4);
    for x in rows.iter().flatten() {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

/// h5py's bool encoding: one byte per element.
fn bool_bytes(v: &[bool]) -> Vec<u8> {
    v.iter().map(|&b| u8::from(b)).collect()
}

fn check_lengths(data: &Dataset) -> Result<usize, Hdf5Error> {
    data.check_lengths()
        .map_err(|reason| Hdf5Error::InvalidInput {
            key: "<dataset>".into(),
            reason,
        })
}

/// Writes `data` to `path` in D4RL's layout.
///
/// The file is encoded in memory before its atomic write (`hdf5-writer` has no streaming
/// interface), so this holds `data` as well as the writer's copies of its bytes and the
/// encoded file; [`write_d4rl_owned`] drops each array once it is copied.
pub fn write_d4rl(data: &Dataset, path: impl AsRef<Path>) -> Result<(), Hdf5Error> {
    let n = check_lengths(data)?;
    let mut w = H5Writer::new();
    w.add_raw(
        "observations",
        DType::F32,
        &[n, 4],
        f32_bytes(&data.observations),
    )?;
    w.add_raw("actions", DType::F32, &[n, 2], f32_bytes(&data.actions))?;
    let rewards = data.rewards.iter().flat_map(|r| r.to_le_bytes()).collect();
    w.add_raw("rewards", DType::F32, &[n], rewards)?;
    w.add_raw("terminals", DType::Bool, &[n], bool_bytes(&data.terminals))?;
    w.add_raw("timeouts", DType::Bool, &[n], bool_bytes(&data.timeouts))?;
    w.add_raw("infos/goal", DType::F32, &[n, 2], f32_bytes(&data.goals))?;
    w.add_raw("infos/qpos", DType::F32, &[n, 2], f32_bytes(&data.qpos))?;
    w.add_raw("infos/qvel", DType::F32, &[n, 2], f32_bytes(&data.qvel))?;
    w.write(path)
}

/// [`write_d4rl`] for a dataset the caller no longer needs: each array is dropped as soon as its
/// bytes are copied into the writer, so `data` no longer adds to the peak (the writer's own
/// copies and the encoded file remain: about four times the file's size).
pub fn write_d4rl_owned(data: Dataset, path: impl AsRef<Path>) -> Result<(), Hdf5Error> {
    let n = check_lengths(&data)?;
    let Dataset {
        observations,
        actions,
        rewards,
        terminals,
        timeouts,
        goals,
        qpos,
        qvel,
    } = data;
    let mut w = H5Writer::new();
    w.add_raw(
        "observations",
        DType::F32,
        &[n, 4],
        f32_bytes(&observations),
    )?;
    drop(observations);
    w.add_raw("actions", DType::F32, &[n, 2], f32_bytes(&actions))?;
    drop(actions);
    w.add_raw(
        "rewards",
        DType::F32,
        &[n],
        rewards.iter().flat_map(|r| r.to_le_bytes()).collect(),
    )?;
    drop(rewards);
    w.add_raw("terminals", DType::Bool, &[n], bool_bytes(&terminals))?;
    drop(terminals);
    w.add_raw("timeouts", DType::Bool, &[n], bool_bytes(&timeouts))?;
    drop(timeouts);
    w.add_raw("infos/goal", DType::F32, &[n, 2], f32_bytes(&goals))?;
    drop(goals);
    w.add_raw("infos/qpos", DType::F32, &[n, 2], f32_bytes(&qpos))?;
    drop(qpos);
    w.add_raw("infos/qvel", DType::F32, &[n, 2], f32_bytes(&qvel))?;
    drop(qvel);
    w.write(path)
}

/// The shape D4RL stores a table of `C` columns in, for messages: `(N, C)`, or `(N,) or (N, 1)`
/// for one column (h5py's files hold `rewards`/`terminals` as `(N,)`, some converters as
/// `(N, 1)`; both are read).
fn expected_shape<const C: usize>(n: Option<usize>) -> String {
    let n = n.map_or("N".into(), |n| n.to_string());
    if C == 1 {
        format!("({n},) or ({n}, 1)")
    } else {
        format!("({n}, {C})")
    }
}

/// Checks that `ds` has `C` columns (`(n, C)`, or `(n,)`/`(n, 1)` when `C == 1`) and, when `n`
/// is given, `n` rows; returns its row count.
fn check_shape<const C: usize>(
    f: &H5File,
    key: &str,
    ds: &H5Dataset,
    n: Option<usize>,
) -> Result<usize, Hdf5Error> {
    let count = ds.shape.first().copied().unwrap_or(0);
    let ok_shape = match ds.shape.as_slice() {
        [_, c] => *c == C,
        [_] => C == 1,
        _ => false,
    };
    if !ok_shape || n.is_some_and(|n| n != count) {
        return Err(Hdf5Error::BadDataset {
            path: f.path().to_path_buf(),
            key: key.to_owned(),
            reason: format!("shape {:?}, expected {}", ds.shape, expected_shape::<C>(n)),
        });
    }
    Ok(count)
}

/// Converts a read dataset of shape `(n, C)` (or `(n,)`/`(n, 1)` when `C == 1`) into rows.
fn rows<const C: usize>(
    f: &H5File,
    key: &str,
    ds: &H5Dataset,
    n: Option<usize>,
) -> Result<Vec<[f32; C]>, Hdf5Error> {
    check_shape::<C>(f, key, ds, n)?;
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

/// Every required table must hold one row per step. The row count most keys share is taken as
/// the file's N (ties go to `observations`'), and the first key that disagrees is named, with
/// every key's rows, so the odd one out is the one blamed.
fn check_rows(f: &H5File, counts: &[(&str, usize)]) -> Result<usize, Hdf5Error> {
    let share = |n: usize| counts.iter().filter(|(_, c)| *c == n).count();
    let Some(&(_, first)) = counts.first() else {
        return Ok(0);
    };
    let n =
        counts.iter().map(|&(_, c)| c).fold(
            first,
            |best, c| if share(c) > share(best) { c } else { best },
        );
    let Some(&(odd, rows)) = counts.iter().find(|(_, c)| *c != n) else {
        return Ok(n);
    };
    let others: Vec<String> = counts
        .iter()
        .filter(|(_, c)| *c == n)
        .map(|(k, _)| format!("{k:?}"))
        .collect();
    let all: Vec<String> = counts.iter().map(|(k, c)| format!("{k} {c}")).collect();
    Err(Hdf5Error::BadDataset {
        path: f.path().to_path_buf(),
        key: odd.to_owned(),
        reason: format!(
            "{rows} rows, but {} {} {n}; every D4RL array holds one row per step (rows per key: \
             {})",
            others.join(", "),
            if others.len() == 1 { "has" } else { "have" },
            all.join(", ")
        ),
    })
}

/// Reads the required table `key` from `ds`; every value must be finite (a NaN or infinity
/// would make the training loss non-finite at its first batch, far from the cause).
fn table<const C: usize>(
    f: &H5File,
    key: &str,
    ds: &H5Dataset,
    n: usize,
) -> Result<Vec<[f32; C]>, Hdf5Error> {
    let rows = rows(f, key, ds, Some(n))?;
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
    // Each key's own shape first (a missing or misshapen key is named before any row count is
    // compared), then the row counts across keys.
    let obs = f.dataset("observations")?;
    let obs_rows = check_shape::<4>(&f, "observations", &obs, None)?;
    let act = f.dataset("actions")?;
    let act_rows = check_shape::<2>(&f, "actions", &act, None)?;
    let rew = f.dataset("rewards")?;
    let rew_rows = check_shape::<1>(&f, "rewards", &rew, None)?;
    let term = f.dataset("terminals")?;
    let term_rows = check_shape::<1>(&f, "terminals", &term, None)?;
    let counts = [
        ("observations", obs_rows),
        ("actions", act_rows),
        ("rewards", rew_rows),
        ("terminals", term_rows),
    ];
    let n = check_rows(&f, &counts)?;
    let mut skipped = Vec::new();
    let dataset = Dataset {
        observations: table::<4>(&f, "observations", &obs, n)?,
        actions: table::<2>(&f, "actions", &act, n)?,
        rewards: table::<1>(&f, "rewards", &rew, n)?
            .into_iter()
            .map(|[r]| r)
            .collect(),
        terminals: to_bools(table::<1>(&f, "terminals", &term, n)?),
        timeouts: to_bools(optional::<1>(&f, "timeouts", Some(n), &mut skipped)),
        goals: optional::<2>(&f, "infos/goal", Some(n), &mut skipped),
        qpos: optional::<2>(&f, "infos/qpos", Some(n), &mut skipped),
        qvel: optional::<2>(&f, "infos/qvel", Some(n), &mut skipped),
    };
    Ok(D4rlRead { dataset, skipped })
}
