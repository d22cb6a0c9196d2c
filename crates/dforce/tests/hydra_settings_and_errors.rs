//! Issue 12 through the binary: Hydra's own settings act as in a Hydra 1.3 run (expected
//! values from `scripts/hydra_oracle.py --run`, which runs Hydra 1.3.2), and a checkpoint that
//! does not fit the network is reported once, with what to do about it.

mod common;

use std::path::Path;
use std::process::Output;

use burn::tensor::Device;
use common::{configs, planner, refused, run_in, save_planner};
use dforce_config::compose;
use dforce_engine::planning::PlanningLayout;
use dforce_engine::trainer::TrainableModel;

/// Runs the binary in `cwd` on the repository's config tree.
fn dforce(cwd: &Path, args: &[&str]) -> Output {
    let configs = configs();
    let mut all = vec!["--config-path", configs.to_str().unwrap()];
    all.extend_from_slice(args);
    run_in(cwd, &all)
}

/// `dforce … +name=abc 'hydra.run.dir=runs/${name}_${seed}'`: Hydra 1.3.2 makes `runs/abc_0`
/// with `.hydra/{config,hydra,overrides}.yaml` in it.
#[test]
fn run_dir_is_resolved_against_the_job_config() {
    let dir = tempfile::tempdir().unwrap();
    let out = dforce(
        dir.path(),
        &[
            "+name=abc",
            "hydra.run.dir=runs/${name}_${seed}",
            "experiment.tasks=[]",
            "device=cpu",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let run = dir.path().join("runs/abc_0");
    for f in ["config.yaml", "hydra.yaml", "overrides.yaml"] {
        assert!(run.join(".hydra").join(f).is_file(), "{f}: {err}");
    }
    assert!(!dir.path().join("runs/${name}_${seed}").exists());
    let overrides = std::fs::read_to_string(run.join(".hydra/overrides.yaml")).unwrap();
    assert!(overrides.contains("- +name=abc"), "{overrides}");

    // `hydra.run.dir=''`: Hydra 1.3 makes Path('') and runs in the current directory.
    let here = tempfile::tempdir().unwrap();
    let out = dforce(
        here.path(),
        &[
            "+name=abc",
            "hydra.run.dir=''",
            "experiment.tasks=[]",
            "device=cpu",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(here.path().join(".hydra/config.yaml").is_file(), "{err}");
}

/// Hydra reads its flags anywhere on the command line: `python main.py +name=x --cfg job
/// --resolve` prints the job config as `--cfg job --resolve +name=x` does.
#[test]
fn flags_after_overrides_are_flags() {
    let dir = tempfile::tempdir().unwrap();
    let after = dforce(
        dir.path(),
        &["+name=x", "seed=7", "--cfg", "job", "--resolve"],
    );
    let before = dforce(
        dir.path(),
        &["--cfg", "job", "--resolve", "+name=x", "seed=7"],
    );
    let err = String::from_utf8_lossy(&after.stderr);
    assert!(after.status.success(), "{err}");
    assert_eq!(after.stdout, before.stdout);
    assert!(String::from_utf8_lossy(&after.stdout).contains("seed: 7"));
}

/// `hydra.output_subdir=null` saves no configs; `hydra.job.chdir=true` makes relative paths
/// of the job relative to the run directory (Hydra changes the working directory).
#[test]
fn output_subdir_and_chdir() {
    let dir = tempfile::tempdir().unwrap();
    let out = dforce(
        dir.path(),
        &[
            "+name=x",
            "hydra.run.dir=r",
            "hydra.output_subdir=null",
            "hydra.job.chdir=true",
            "experiment.tasks=[]",
            "device=cpu",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(dir.path().join("r/config.resolved.yaml").is_file(), "{err}");
    assert!(!dir.path().join("r/.hydra").exists());
}

#[test]
fn hydra_settings_dforce_does_not_apply_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dforce(
        dir.path(),
        &["+name=x", "hydra.launcher.n_jobs=2", "experiment.tasks=[]"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a Hydra setting that dforce applies"),
        "{err}"
    );
}

const TINY: &[&str] = &[
    "experiment=exp_planning",
    "algorithm=df_planning",
    "dataset=maze2d_umaze",
    "algorithm.diffusion.architecture.num_layers=1",
    "algorithm.diffusion.architecture.dim_feedforward=16",
    "algorithm.diffusion.sampling_timesteps=10",
    "algorithm.open_loop_horizon=5",
    "experiment.validation.batch_size=2",
    "+experiment.validation.max_steps=10",
    "experiment.tasks=[validation]",
    "device=cpu",
    "+name=v",
];

/// A checkpoint of a network of another size: the "wrong shape" block once (it was printed
/// twice), and the overrides that fit the weights.
#[test]
fn checkpoint_of_another_size_is_reported_once_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let mut overrides: Vec<String> = TINY.iter().map(|s| s.to_string()).collect();
    overrides.push("algorithm.diffusion.architecture.network_size=16".into());
    let cfg = compose(&configs(), &overrides)
        .unwrap()
        .job
        .resolved()
        .unwrap();
    let layout = PlanningLayout::from_config(&cfg).unwrap();
    let train_dir = dir.path().join("train");
    save_planner(&mut planner(&cfg, layout), &train_dir, 7);

    let load = format!("load={}", train_dir.display());
    let mut args: Vec<&str> = TINY.to_vec();
    args.push("algorithm.diffusion.architecture.network_size=32");
    args.push(&load);
    args.push("hydra.run.dir=v");
    let out = dforce(dir.path(), &args);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("wrong shape").count(), 1, "{err}");
    assert_eq!(err.matches("does not fit this model").count(), 1, "{err}");
    // The checkpoint's path is said once (it was "loading the weights of P: P does not fit").
    let first = err.lines().find(|l| l.contains("does not fit")).unwrap();
    assert_eq!(first.matches(".safetensors").count(), 1, "{first}");
    assert!(err.contains("hint:"), "{err}");
    assert!(
        err.contains("algorithm.diffusion.architecture.network_size=16"),
        "{err}"
    );
}

/// `dataset=video_maze3d dataset.resolution=36` (not divisible by 2^(levels−1) = 8): refused by
/// key before the run directory exists (it used to fail in the network's first forward).
#[test]
fn video_frames_the_unet_cannot_halve_are_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dforce(
        dir.path(),
        &[
            "experiment=exp_video",
            "algorithm=df_video",
            "dataset=video_maze3d",
            "dataset.resolution=36",
            "experiment.tasks=[training]",
            "device=cpu",
            "+name=r36",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("dataset.resolution") && err.contains("divisible by 8"),
        "{err}"
    );
    assert!(!dir.path().join("outputs").exists(), "{err}");
}

/// The frames are `dataset.resolution` square whatever `algorithm.x_shape` says: a resolution
/// the U-Net cannot halve behind a one-entry shape, and a shape whose sides disagree with the
/// resolution, are refused by key before the run directory exists (both used to reach the
/// network's forward, which panicked); so is a channel count the RGB frames do not have (it
/// used to fail at the first batch).
#[test]
fn video_x_shape_and_resolution_are_checked_against_each_other() {
    for (overrides, needles) in [
        (
            ["dataset.observation_shape=[3]", "dataset.resolution=61"],
            ["dataset.resolution", "divisible by 8"],
        ),
        (
            [
                "dataset.observation_shape=[3,64,64]",
                "dataset.resolution=56",
            ],
            ["algorithm.x_shape", "must equal dataset.resolution (56)"],
        ),
        (
            [
                "dataset.observation_shape=[1,64,64]",
                "dataset.resolution=64",
            ],
            ["algorithm.x_shape", "channels must be 3"],
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec![
            "experiment=exp_video",
            "algorithm=df_video",
            "dataset=video_maze3d",
            "experiment.tasks=[training]",
            "device=cpu",
            "+name=xs",
        ];
        args.extend(overrides);
        let out = dforce(dir.path(), &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        for needle in needles {
            assert!(err.contains(needle), "{overrides:?}: {err}");
        }
        assert!(!dir.path().join("outputs").exists(), "{err}");
    }
}

/// `dataset.dataset_url=…/my-maze.hdf5` with no such file in `dataset.save_dir`, and a TECO
/// dataset that is not there, are refused by key with what to do before the run directory
/// exists (both used to fail only once training had started writing).
#[test]
fn missing_datasets_are_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dforce(
        dir.path(),
        &[
            "experiment=exp_planning",
            "algorithm=df_planning",
            "dataset=maze2d_medium",
            "dataset.dataset_url=https://example.org/d/my-maze.hdf5",
            "dataset.save_dir=data",
            "experiment.tasks=[training]",
            "device=cpu",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("dataset.dataset_url names my-maze.hdf5") && err.contains("downloads nothing"),
        "{err}"
    );
    assert!(!dir.path().join("outputs").exists(), "{err}");
    assert!(!dir.path().join("data").exists(), "{err}");

    let out = dforce(
        dir.path(),
        &[
            "experiment=exp_video",
            "algorithm=df_video",
            "dataset=video_dmlab",
            "dataset.save_dir=nowhere",
            "experiment.tasks=[validation]",
            "device=cpu",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("dataset.save_dir=nowhere has no validation/ folder") && err.contains("TECO"),
        "{err}"
    );
    assert!(!dir.path().join("outputs").exists(), "{err}");

    // Training reads validation/ only when it validates periodically.
    std::fs::create_dir_all(dir.path().join("only_train/training")).unwrap();
    let train = |extra: &[&str]| {
        let mut args = vec![
            "experiment=exp_video",
            "algorithm=df_video",
            "dataset=video_dmlab",
            "dataset.save_dir=only_train",
            "experiment.tasks=[training]",
            "device=cpu",
        ];
        args.extend_from_slice(extra);
        String::from_utf8_lossy(&dforce(dir.path(), &args).stderr).into_owned()
    };
    let err = train(&[]);
    assert!(err.contains("has no validation/ folder"), "{err}");
    let err = train(&["experiment.validation.val_every_n_step=null"]);
    assert!(!err.contains("has no validation/ folder"), "{err}");
    assert!(err.contains("no dmlab video data"), "{err}");
}

/// `dforce data` / `dforce env` inputs that allocated terabytes, wrote an empty dataset, or
/// carried NaN through a simulation: each is refused by flag, before anything is written.
#[test]
fn data_and_env_commands_refuse_what_they_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| refused(dir.path(), args);
    let maze = [
        "data",
        "maze2d",
        "--env",
        "maze2d-umaze-v1",
        "--out",
        "m.hdf5",
    ];
    let err = run(&[&maze[..], &["--steps", "0"]].concat());
    assert!(err.contains("steps=0 is out of range"), "{err}");
    let err = run(&[&maze[..], &["--steps", "100000000000"]].concat());
    assert!(err.contains("1..=10000000 "), "{err}");
    assert!(!dir.path().join("m.hdf5").exists());
    let err = run(&["data", "video", "--resolution", "100000", "--out", "v"]);
    assert!(err.contains("--resolution=100000 is out of range"), "{err}");
    let err = run(&["data", "video", "--frames", "100000000000", "--out", "v"]);
    assert!(
        err.contains("--frames=100000000000 is out of range"),
        "{err}"
    );
    assert!(!dir.path().join("v").exists());

    let actions = dir.path().join("a.npy");
    let mut npy = dforce_io::npz::encode_npy_header("<f8", &[2, 2]);
    for v in [0.1f64, 0.2, f64::NAN, 0.0] {
        npy.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(&actions, npy).unwrap();
    let err = run(&[
        "env",
        "rollout",
        "--env",
        "maze2d-umaze-v1",
        "--qpos",
        "1,1",
        "--qvel",
        "0,0",
        "--actions",
        actions.to_str().unwrap(),
        "--out",
        "s.npy",
    ]);
    assert!(err.contains("(row 1) is NaN"), "{err}");

    // An unknown --env lists the registered ids.
    let err = run(&[
        "env",
        "rollout",
        "--env",
        "maze2d-foo-v1",
        "--qpos",
        "1,1",
        "--qvel",
        "0,0",
        "--actions",
        actions.to_str().unwrap(),
        "--out",
        "s.npy",
    ]);
    assert!(
        err.contains("unknown maze2d env id \"maze2d-foo-v1\""),
        "{err}"
    );
    assert!(err.contains("maze2d-umaze-v1, maze2d-medium-v1"), "{err}");
}

/// A bool `.npy` of actions is read as numpy casts it (`False`/`True` → 0.0/1.0): the states
/// equal those of the same actions as float64.
#[test]
fn env_rollout_reads_bool_actions_as_numpy_casts_them() {
    let dir = tempfile::tempdir().unwrap();
    let rollout = |actions: &str, out: &str| {
        let res = run_in(
            dir.path(),
            &[
                "env",
                "rollout",
                "--env",
                "maze2d-umaze-v1",
                "--qpos",
                "1,1",
                "--qvel",
                "0,0",
                "--actions",
                actions,
                "--out",
                out,
            ],
        );
        assert!(
            res.status.success(),
            "{}",
            String::from_utf8_lossy(&res.stderr)
        );
        std::fs::read(dir.path().join(out)).unwrap()
    };
    let bits = [true, false, false, true, true, true];
    let mut b = dforce_io::npz::encode_npy_header("|b1", &[3, 2]);
    b.extend(bits.iter().map(|&x| u8::from(x)));
    std::fs::write(dir.path().join("b.npy"), b).unwrap();
    let mut f = dforce_io::npz::encode_npy_header("<f8", &[3, 2]);
    for x in bits {
        f.extend_from_slice(&f64::from(u8::from(x)).to_le_bytes());
    }
    std::fs::write(dir.path().join("f.npy"), f).unwrap();
    assert_eq!(rollout("b.npy", "sb.npy"), rollout("f.npy", "sf.npy"));
}

/// `--cfg job|all --package P` prints what Hydra 1.3.2 prints (captured with a @hydra.main app
/// on configs/): `-p seed` → `0`; `-p wandb` → `# @package wandb` and the node;
/// `-p nope` → `package 'nope' not found in config`; `--cfg all` starts with `hydra:`.
#[test]
fn cfg_package_and_all_print_as_hydra_does() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = |args: &[&str]| {
        let out = dforce(dir.path(), args);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(stdout(&["--cfg", "job", "-p", "seed", "+name=x"]).1, "0\n");
    assert_eq!(
        stdout(&["--cfg", "job", "-p", "wandb", "+name=x"]).1,
        "# @package wandb\nentity: null\nproject: diffusion-forcing\nmode: online\n"
    );
    assert_eq!(
        stdout(&["--cfg", "job", "-p", "experiment.tasks", "+name=x"]).1,
        "# @package experiment.tasks\n- training\n"
    );
    let (ok, _, err) = stdout(&["--cfg", "job", "-p", "wandb.entity", "+name=x"]);
    assert!(
        !ok && err.contains("package 'wandb.entity' not found in config"),
        "{err}"
    );
    let (ok, all, _) = stdout(&["--cfg", "all", "+name=x"]);
    assert!(
        ok && all.starts_with("hydra:\n") && all.contains("\nexperiment:\n"),
        "{all}"
    );
}

/// `dforce demo` sizes of 0 are refused by their flag (the engine named the config key the flag
/// sets), and `ckpt convert` refuses an output whose directory does not exist (it created it),
/// both before any work.
#[test]
fn demo_flags_and_convert_outputs_are_checked_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let fail = |args: &[&str]| refused(dir.path(), args);
    for (flag, skip) in [
        ("--episodes", "--skip-planner"),
        ("--clips", "--skip-video"),
        ("--sample-paths", "--skip-forecast"),
    ] {
        let err = fail(&["demo", flag, "0", "--out", "d"]);
        assert!(
            err.contains(&format!("{flag}=0: the demo needs at least 1 ")),
            "{err}"
        );
        assert!(err.contains(skip), "{err}");
        assert!(
            !err.contains("experiment.") && !err.contains("algorithm."),
            "{err}"
        );
    }
    assert!(!dir.path().join("d").exists());

    let ckpt = configs().join("../checkpoints/maze2d_medium_x_small.safetensors");
    let missing = dir.path().join("nonexist");
    let target = missing.join("x.safetensors");
    let err = fail(&[
        "ckpt",
        "convert",
        ckpt.to_str().unwrap(),
        target.to_str().unwrap(),
    ]);
    assert!(
        err.contains(&format!("directory {} does not exist", missing.display())),
        "{err}"
    );
    assert!(!missing.exists());
    let err = fail(&["ckpt", "convert", ckpt.to_str().unwrap(), "."]);
    assert!(err.contains("is a directory"), "{err}");
}

/// Hydra types `resume=123` as an int (the reference uses it as a wandb run id, as text): it is
/// the path `123`, not a type error.
#[test]
fn a_numeric_resume_or_load_is_the_path_it_spells() {
    let dir = tempfile::tempdir().unwrap();
    for key in ["resume", "load"] {
        let out = dforce(
            dir.path(),
            &[
                "+name=x",
                &format!("{key}=123"),
                "hydra.run.dir=r",
                "device=cpu",
            ],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(err.contains("123"), "{err}");
        assert!(!err.contains("should be a string"), "{err}");
    }
}

/// The reference registers `data_mean`/`data_std` as buffers, so loading a checkpoint restores
/// the statistics it was trained with, whatever the config says: dforce uses the checkpoint's
/// too, and says so when they differ from the config's (it used to keep the config's silently
/// when training from `load=`).
#[test]
fn a_loaded_checkpoint_keeps_its_normalisation_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let overrides: Vec<String> = TINY.iter().map(|s| s.to_string()).collect();
    let cfg = compose(&configs(), &overrides)
        .unwrap()
        .job
        .resolved()
        .unwrap();
    let mut layout = PlanningLayout::from_config(&cfg).unwrap();
    let trained_mean: Vec<f32> = (0..layout.mean.len())
        .map(|i| 0.25 * i as f32 + 1.0)
        .collect();
    layout.mean.clone_from(&trained_mean);
    let train_dir = dir.path().join("train");
    let saved = save_planner(&mut planner(&cfg, layout), &train_dir, 3);
    let sd = dforce_nn::StateDict::load(&saved).unwrap();
    let mut reloaded = planner(&cfg, PlanningLayout::from_config(&cfg).unwrap());
    reloaded.load_weights(&sd, &Device::flex()).unwrap();
    assert_eq!(reloaded.layout.mean, trained_mean);

    let load = format!("load={}", train_dir.display());
    let mut args: Vec<&str> = TINY.to_vec();
    args.push(&load);
    args.push("hydra.run.dir=v");
    let out = dforce(dir.path(), &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        err.matches("the checkpoint's data_mean [1.0, 1.25").count(),
        1,
        "{err}"
    );
    assert!(!err.contains("the checkpoint's data_std"), "{err}");
}

/// Hydra's own flags: `-cp`/`--config-path` names the primary config directory, `-cn` the
/// primary config, `-cd`/`--config-dir` adds a search directory after it (Hydra 1.3.2 lists it
/// in `hydra.runtime.config_sources` with provider `command-line`), a repeated flag takes its
/// last value, and `-m` is refused by name.
#[test]
fn hydra_command_line_flags_act_as_in_hydra() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = run_in(dir.path(), args);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let configs = configs();
    let configs = configs.to_str().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("other.yaml"),
        "defaults:\n  - config\n  - _self_\nseed: 7\n",
    )
    .unwrap();
    let extra = tree.to_str().unwrap();
    // The primary config `other` comes from the added directory, and extends `config`.
    let (ok, out, err) = run(&[
        "-cp", configs, "-cd", extra, "-cn", "other", "--cfg", "job", "-p", "seed", "+name=x",
    ]);
    assert!(ok && out == "7\n", "{out}{err}");
    let (ok, out, err) = run(&[
        "-cp",
        configs,
        "-cd",
        extra,
        "--cfg",
        "hydra",
        "--cfg",
        "hydra",
        "-p",
        "hydra.runtime.config_sources.2",
        "+name=x",
    ]);
    let abs = std::path::absolute(&tree).unwrap();
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!(
            "# @package hydra.runtime.config_sources.2\npath: {}\nschema: file\nprovider: command-line\n",
            abs.display()
        )
    );
    // Given twice, the last counts (Hydra's argparse): one command-line source.
    let (ok, out, err) = run(&[
        "-cp",
        configs,
        "-cd",
        "/",
        "-cd",
        extra,
        "--cfg",
        "hydra",
        "-p",
        "hydra.runtime.config_sources.3.provider",
        "+name=x",
    ]);
    assert!(ok && out == "schema\n", "{out}{err}");
    let (ok, _, err) = run(&["-cp", configs, "-m", "+name=x"]);
    assert!(
        !ok && err.contains("--multirun (-m) is not supported"),
        "{err}"
    );
    let (ok, _, err) = run(&["-cp", configs, "-cd", "nope", "+name=x"]);
    assert!(
        !ok && err.contains("Additional config directory not found"),
        "{err}"
    );
}
