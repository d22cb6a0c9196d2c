//! The fuzz targets: each takes arbitrary bytes and drives one reader through its public API the
//! way dforce uses it. Readers that take a path get the bytes through a scratch file.

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
    let path: Option<PathBuf> = SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        if s.is_none() {
            *s = tempfile::Builder::new()
                .prefix("dforce-fuzz")
                .tempdir()
                .ok();
        }
        let path = s.as_ref()?.path().join(name);
        let mut file = std::fs::File::create(&path).ok()?;
        file.write_all(data).ok()?;
        Some(path)
    });
    match path {
        Some(path) => f(&path),
        None => panic!("dforce-fuzz: cannot write the scratch file {name} (harness problem)"),
    }
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
