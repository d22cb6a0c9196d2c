//! The fuzz targets: each takes arbitrary bytes and drives one reader through its public API the
//! way dforce uses it. Readers that take a path get the bytes through a scratch file (or, for a
//! dataset directory, a scratch directory).

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::alloc::Budget;

/// One fuzz target.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// Its name: the cargo-fuzz target, the corpus folder and the dictionary file.
    pub name: &'static str,
    /// What it exercises.
    pub about: &'static str,
    /// Runs one input (panics, hangs or over-allocates only on a bug).
    pub run: fn(&[u8]),
}

/// Every target, in the order `scripts/fuzz.sh` runs them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "override_parser",
        about: "dforce-config parse_override: one command-line override",
        run: override_parser,
    },
    Target {
        name: "compose",
        about: "dforce-config compose: configs/ with up to 8 overrides (one per line), resolved",
        run: compose,
    },
    Target {
        name: "config_yaml",
        about: "dforce-config parse_yaml_str: a config file, resolved and written back",
        run: config_yaml,
    },
    Target {
        name: "checkpoint_lightning",
        about: "dforce-nn StateDict::from_lightning: a torch.save zip (pickle + storages)",
        run: checkpoint_lightning,
    },
    Target {
        name: "checkpoint_safetensors",
        about: "dforce-nn StateDict::load / from_safetensors: a safetensors file",
        run: checkpoint_safetensors,
    },
    Target {
        name: "npy",
        about: "dforce-io parse_npy / read_npy_header: one .npy file",
        run: npy,
    },
    Target {
        name: "npz",
        about: "dforce-io NpzFile: every member's header, array and rows",
        run: npz,
    },
    Target {
        name: "hdf5",
        about: "dforce-io H5File: dataset paths and every dataset",
        run: hdf5,
    },
    Target {
        name: "teco_metadata",
        about: "dforce-video-data Metadata::load: a TECO metadata.json",
        run: teco_metadata,
    },
    Target {
        name: "video_episode",
        about: "dforce-video-data source: a TECO episode .npz (length, frames, actions)",
        run: video_episode,
    },
    Target {
        name: "gluonts_dataset",
        about: "dforce-timeseries-data GluonTsDataset::load: metadata.json, train/ and test/ \
                (split at GLUONTS_SEPARATOR), then the forecasting engine's spec, grouping, statistics",
        run: gluonts_dataset,
    },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

thread_local! {
    static SCRATCH: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

/// Writes `data` to a per-thread scratch file named `name` and runs `f` on its path.
fn with_file(name: &str, data: &[u8], f: impl FnOnce(&Path)) {
    let path = scratch_root().join(name);
    let written = std::fs::File::create(&path).and_then(|mut file| file.write_all(data));
    match written {
        Ok(()) => f(&path),
        Err(_) => panic!("dforce-fuzz: cannot write the scratch file {name} (harness problem)"),
    }
}

/// The per-thread scratch directory (created on first use).
fn scratch_root() -> PathBuf {
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        if s.is_none() {
            *s = tempfile::Builder::new()
                .prefix("dforce-fuzz")
                .tempdir()
                .ok();
        }
        match s.as_ref() {
            Some(dir) => dir.path().to_path_buf(),
            None => panic!("dforce-fuzz: cannot create the scratch directory (harness problem)"),
        }
    })
}

/// Writes `files` (paths relative to a fresh per-thread scratch directory named `name`, folders
/// created as needed) and runs `f` on that directory. The directory is emptied first, so no file
/// of a previous input remains.
fn with_dir(name: &str, files: &[(&str, &[u8])], f: impl FnOnce(&Path)) {
    let dir = scratch_root().join(name);
    let written = (|| -> std::io::Result<()> {
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        std::fs::create_dir_all(&dir)?;
        for (rel, data) in files {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, data)?;
        }
        Ok(())
    })();
    if let Err(e) = written {
        panic!("dforce-fuzz: cannot write the scratch directory {name}: {e} (harness problem)");
    }
    f(&dir)
}

/// `parse_override` on the input as UTF-8 text.
pub fn override_parser(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _budget = Budget::for_input(data.len());
    if let Ok(o) = dforce_config::parse_override(text) {
        std::hint::black_box(format!("{o:?}"));
    }
}

/// `compose` of the repository's `configs/` with the input's lines as overrides, then every
/// resolution a run performs (job config, Hydra node, Hydra run settings, YAML output).
pub fn compose(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let overrides: Vec<String> = text.lines().take(8).map(str::to_owned).collect();
    let _budget = Budget::for_input(data.len());
    let Ok(mut composed) = dforce_config::compose(&crate::configs_dir(), &overrides) else {
        return;
    };
    if let Ok(job) = composed.resolve_job() {
        std::hint::black_box(job.to_yaml());
    }
    let _ = std::hint::black_box(composed.resolve_hydra());
    let _ = std::hint::black_box(composed.hydra_run());
}

/// `parse_yaml_str` of the input, then resolution of its interpolations and YAML/JSON output.
pub fn config_yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _budget = Budget::for_input(data.len());
    let Ok(value) = dforce_config::parse_yaml_str(text, "fuzz.yaml") else {
        return;
    };
    std::hint::black_box(value.to_yaml());
    std::hint::black_box(value.to_json());
    if let Ok(resolved) = value.resolved() {
        std::hint::black_box(resolved.to_yaml());
    }
}

fn inspect_state_dict(sd: &dforce_nn::StateDict) {
    std::hint::black_box(dforce_nn::CheckpointSummary::of(sd));
    std::hint::black_box(dforce_nn::mismatch_hint(sd, &sd.path));
    std::hint::black_box(sd.numel());
}

/// `StateDict::from_lightning` of the input as a `.ckpt` file, then `ckpt inspect`'s summary.
pub fn checkpoint_lightning(data: &[u8]) {
    with_file("fuzz.ckpt", data, |path| {
        let _budget = Budget::for_input(data.len());
        if let Ok(sd) = dforce_nn::StateDict::from_lightning(path) {
            inspect_state_dict(&sd);
        }
    });
}

/// `StateDict::load` (which tells the formats apart by their first bytes) and
/// `StateDict::from_safetensors` of the input, then `ckpt inspect`'s summary.
pub fn checkpoint_safetensors(data: &[u8]) {
    with_file("fuzz.safetensors", data, |path| {
        let _budget = Budget::for_input(data.len());
        if let Ok(sd) = dforce_nn::StateDict::from_safetensors(path) {
            inspect_state_dict(&sd);
        }
        if let Ok(sd) = dforce_nn::StateDict::load(path) {
            inspect_state_dict(&sd);
        }
    });
}

/// `parse_npy` of the input and `read_npy_header` of it as a stream.
pub fn npy(data: &[u8]) {
    use dforce_io::npz::npy;
    let _budget = Budget::for_input(data.len());
    if let Ok(array) = npy::parse_npy(data) {
        std::hint::black_box(array.to_f64());
        std::hint::black_box(array.as_scalar_str());
    }
    let mut stream = data;
    if let Ok(header) = npy::read_npy_header(&mut stream) {
        let _ = std::hint::black_box((header.count(), header.item_size()));
    }
}

/// `NpzFile` on the input as a `.npz` file: for each member (up to 8), its header, the whole
/// array, the first and last rows, and the typed accessors dforce uses.
pub fn npz(data: &[u8]) {
    with_file("fuzz.npz", data, |path| {
        let _budget = Budget::for_input(data.len());
        let Ok(mut file) = dforce_io::npz::NpzFile::open(path) else {
            return;
        };
        for key in file.keys().into_iter().take(8) {
            if let Ok(header) = file.header(&key)
                && let Some(&rows) = header.shape.first()
            {
                let _ = std::hint::black_box(file.read_rows(&key, 0..rows.min(2)));
                let _ = std::hint::black_box(file.read_rows(&key, rows.saturating_sub(1)..rows));
            }
            let _ = std::hint::black_box(file.array(&key));
            let _ = std::hint::black_box(file.matrix_f64::<2>(&key));
            let _ = std::hint::black_box(file.scalar_str(&key));
        }
    });
}

/// `H5File::from_bytes` of the input, its dataset paths, and every dataset (up to 16) read and
/// converted as the D4RL loader does.
pub fn hdf5(data: &[u8]) {
    let _budget = Budget::for_input(data.len());
    let Ok(file) = dforce_io::hdf5::H5File::from_bytes(PathBuf::from("fuzz.hdf5"), data.to_vec())
    else {
        return;
    };
    let mut keys = file.dataset_paths().unwrap_or_default();
    keys.truncate(16);
    keys.push("observations".to_owned());
    keys.push("infos/goal".to_owned());
    for key in keys {
        if let Ok(ds) = file.dataset(&key) {
            std::hint::black_box((ds.len(), ds.to_f64(), ds.to_f32(), ds.to_bool()));
        }
    }
}

/// `Metadata::load` of the input as a TECO `metadata.json`.
pub fn teco_metadata(data: &[u8]) {
    with_file("metadata.json", data, |path| {
        let _budget = Budget::for_input(data.len());
        if let Ok(meta) = dforce_video_data::metadata::Metadata::load(path) {
            std::hint::black_box(meta);
        }
    });
}

/// A TECO episode `.npz` read as the video loader reads it: its length (DMLab: `video` and
/// `actions` checked against each other), its first frames, and its actions for both datasets.
pub fn video_episode(data: &[u8]) {
    use dforce_video_data::kind::VideoKind;
    use dforce_video_data::source::{probe_length, read_actions, read_frames};
    with_file("episode.npz", data, |path| {
        let _budget = Budget::for_input(data.len());
        if let Ok(len) = probe_length(VideoKind::Dmlab, path) {
            let _ = std::hint::black_box(read_frames(VideoKind::Dmlab, path, 0..len.min(3)));
            let end = len.saturating_sub(1);
            let _ = std::hint::black_box(read_frames(VideoKind::Dmlab, path, end..len));
        }
        let _ = std::hint::black_box(read_actions(VideoKind::Dmlab, path));
        let _ = std::hint::black_box(read_actions(VideoKind::Minecraft, path));
    });
}

/// Separates the parts of a [`gluonts_dataset`] input. A JSON-lines file cannot hold it (`#` is
/// not JSON and a raw line break ends an entry), nor can a `metadata.json` that parses.
pub const GLUONTS_SEPARATOR: &[u8] = b"\n#~#\n";

/// The parts of a [`gluonts_dataset`] input: `metadata.json`, `train/data.json`,
/// `test/data.json`, split at the first two [`GLUONTS_SEPARATOR`]s (the test file keeps any
/// further ones). A part that is not there is a file (and for a split, a folder) not written.
pub fn gluonts_parts(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::with_capacity(3);
    let mut rest = data;
    while parts.len() < 2 {
        let Some(at) = rest
            .windows(GLUONTS_SEPARATOR.len())
            .position(|w| w == GLUONTS_SEPARATOR)
        else {
            break;
        };
        parts.push(&rest[..at]);
        rest = &rest[at + GLUONTS_SEPARATOR.len()..];
    }
    parts.push(rest);
    parts
}

/// A GluonTS dataset directory opened as the forecasting engine opens it
/// (`dforce_engine::forecasting::data::open`): the input split by [`gluonts_parts`] into
/// `metadata.json`, `train/data.json` and `test/data.json` (plain or gzip, which the reader
/// tells from the content), `GluonTsDataset::load`, every entry's start printed as a pandas
/// period, the spec derived from the dataset, and the prepared data (grouping and statistics)
/// under both NaN policies. Error messages are formatted as the engine formats them.
pub fn gluonts_dataset(data: &[u8]) {
    use dforce_timeseries_data::ForecastSpec;
    use dforce_timeseries_data::PreparedData;
    use dforce_timeseries_data::gluonts_reader::GluonTsDataset;
    use dforce_timeseries_data::statistics::NanStatistics;
    let parts = gluonts_parts(data);
    let names = ["metadata.json", "train/data.json", "test/data.json"];
    let files: Vec<(&str, &[u8])> = names.into_iter().zip(parts).collect();
    with_dir("gluonts", &files, |dir| {
        let _budget = Budget::for_input(data.len());
        let ds = match GluonTsDataset::load(dir) {
            Ok(ds) => ds,
            Err(e) => {
                std::hint::black_box(e.to_string());
                return;
            }
        };
        std::hint::black_box((
            ds.freq.to_string(),
            ds.freq.seasonality(),
            ds.num_test_dates(),
        ));
        for e in ds.train.iter().chain(&ds.test) {
            std::hint::black_box(ds.freq.period_label(e.start).to_string());
        }
        let spec = match ForecastSpec::from_dataset(&ds) {
            Ok(spec) => spec,
            Err(e) => {
                std::hint::black_box(e.to_string());
                return;
            }
        };
        std::hint::black_box((
            spec.branch_metadata(&ds.metadata.freq),
            spec.covariate_dim(),
        ));
        for nan in [
            NanStatistics::SkipMissing,
            NanStatistics::ReferenceNanPropagation,
        ] {
            match PreparedData::new(&ds, spec.clone(), nan) {
                Ok(prepared) => {
                    std::hint::black_box(
                        prepared
                            .spec
                            .freq
                            .period_label(prepared.train.start)
                            .to_string(),
                    );
                    std::hint::black_box(&prepared.stats);
                }
                Err(e) => {
                    std::hint::black_box(e.to_string());
                }
            }
        }
    });
}
