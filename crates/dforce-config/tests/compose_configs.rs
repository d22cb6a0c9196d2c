//! Composition of the project's real `configs/` tree: the default and the README command
//! lines, checked against the values of the reference configuration (spec section 7).

use std::path::PathBuf;

use dforce_config::{Composed, Value, compose, parse_yaml_str};

fn configs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../configs")
}

fn run(overrides: &[&str]) -> (Composed, Value) {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let composed = compose(&configs(), &overrides).unwrap_or_else(|e| panic!("{e}"));
    let resolved = composed.resolve_job().unwrap_or_else(|e| panic!("{e}"));
    (composed, resolved)
}

fn floats(v: &[f64]) -> Value {
    Value::List(v.iter().map(|x| Value::Float(*x)).collect())
}

fn ints(v: &[i64]) -> Value {
    Value::List(v.iter().map(|x| Value::Int(*x)).collect())
}

/// The YAML we print reads back to the same tree.
fn assert_yaml_round_trip(cfg: &Value) {
    let text = cfg.to_yaml();
    assert_eq!(&parse_yaml_str(&text, "emitted").unwrap(), cfg, "{text}");
}

#[test]
fn default_composition() {
    let (mut composed, cfg) = run(&["+name=x"]);
    let top: Vec<&str> = cfg.as_map().unwrap().keys().collect();
    assert_eq!(
        top,
        [
            "experiment",
            "dataset",
            "algorithm",
            "debug",
            "seed",
            "device",
            "wandb",
            "resume",
            "load",
            "name"
        ]
    );
    let choice = |g: &str| composed.choices.get(g).cloned().flatten();
    assert_eq!(choice("experiment").as_deref(), Some("exp_video"));
    assert_eq!(choice("dataset").as_deref(), Some("video_minecraft"));
    assert_eq!(choice("algorithm").as_deref(), Some("df_video"));
    assert_eq!(composed.choices.get("cluster"), Some(&None));
    let hydra = composed.hydra_run().unwrap();
    let run_dir = hydra.run_dir.display().to_string();
    // Hydra's default `outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}`.
    assert!(
        run_dir.starts_with("outputs/") && run_dir.len() == "outputs/2024-01-01/00-00-00".len(),
        "{run_dir}"
    );

    assert_eq!(cfg.get_i64("seed").unwrap(), 0);
    assert!(!cfg.get_bool("debug").unwrap());
    assert_eq!(cfg.get_f64("experiment.training.lr").unwrap(), 8e-5);
    assert_eq!(cfg.get_f64("algorithm.lr").unwrap(), 8e-5);
    assert_eq!(
        cfg.get_i64("experiment.training.max_steps").unwrap(),
        200005
    );
    assert_eq!(
        cfg.get_str("experiment.training.precision").unwrap(),
        "16-mixed"
    );
    assert_eq!(cfg.get_str("dataset.name").unwrap(), "video_minecraft");
    // §8 item 21: fixed by giving every dataset a `name`.
    assert_eq!(
        cfg.get_str("dataset.metadata").unwrap(),
        "data/video_minecraft/metadata.json"
    );
    assert_eq!(
        cfg.get_str("algorithm.metadata").unwrap(),
        "data/video_minecraft/metadata.json"
    );
    assert_eq!(cfg.get("algorithm.x_shape").unwrap(), &ints(&[3, 128, 128]));
    assert_eq!(cfg.get_i64("algorithm.n_frames").unwrap(), 10);
    assert_eq!(cfg.get_i64("algorithm.frame_skip").unwrap(), 2);
    assert_eq!(cfg.get_i64("algorithm.context_frames").unwrap(), 2);
    assert_eq!(cfg.get_f64("algorithm.weight_decay").unwrap(), 2e-3);
    assert_eq!(
        cfg.get("algorithm.optimizer_beta").unwrap(),
        &floats(&[0.9, 0.99])
    );
    assert_eq!(
        cfg.get_str("algorithm.diffusion.beta_schedule").unwrap(),
        "sigmoid"
    );
    assert_eq!(
        cfg.get_str("algorithm.diffusion.objective").unwrap(),
        "pred_v"
    );
    assert_eq!(
        cfg.get("algorithm.diffusion.clip_noise").unwrap(),
        &Value::Float(6.0)
    );
    assert_eq!(
        cfg.get_f64("algorithm.diffusion.cum_snr_decay").unwrap(),
        0.96
    );
    assert_eq!(
        cfg.get_i64("algorithm.diffusion.sampling_timesteps")
            .unwrap(),
        100
    );
    assert_eq!(
        cfg.get_i64("algorithm.diffusion.stabilization_level")
            .unwrap(),
        15
    );
    assert_eq!(
        cfg.get_i64("algorithm.diffusion.architecture.resolution")
            .unwrap(),
        128
    );
    assert_eq!(
        cfg.get("algorithm.diffusion.architecture.dim_mults")
            .unwrap(),
        &ints(&[1, 2, 4, 8])
    );
    // Inherited unchanged from df_base.
    assert_eq!(
        cfg.get_str("algorithm.scheduling_matrix").unwrap(),
        "autoregressive"
    );
    assert!(cfg.get_bool("algorithm.causal").unwrap());
    assert_eq!(cfg.get_i64("algorithm.diffusion.timesteps").unwrap(), 1000);
    assert_eq!(
        cfg.get_map("algorithm.diffusion.schedule_fn_kwargs")
            .unwrap()
            .len(),
        0
    );
    assert_eq!(cfg.get_opt_str("wandb.entity").unwrap(), None);
    assert_eq!(cfg.get_str("name").unwrap(), "x");
    assert_yaml_round_trip(&cfg);
}

#[test]
fn readme_maze2d_medium_sampling() {
    let (composed, cfg) = run(&[
        "experiment=exp_planning",
        "algorithm=df_planning",
        "dataset=maze2d_medium",
        "dataset.action_mean=[]",
        "dataset.action_std=[]",
        "dataset.observation_mean=[3.5092521,3.4765592]",
        "dataset.observation_std=[1.3371079,1.52102]",
        "experiment.tasks=[validation]",
        "algorithm.guidance_scale=3",
        "+name=maze2d_medium_x_sampling",
    ]);
    assert_eq!(
        composed.choices.get("algorithm"),
        Some(&Some("df_planning".to_string()))
    );
    assert_eq!(
        cfg.get_i64("algorithm.diffusion.architecture.network_size")
            .unwrap(),
        128
    );
    assert_eq!(
        cfg.get_i64("algorithm.diffusion.architecture.num_layers")
            .unwrap(),
        12
    );
    assert_eq!(
        cfg.get_i64("algorithm.diffusion.architecture.dim_feedforward")
            .unwrap(),
        512
    );
    assert_eq!(cfg.get_f64("algorithm.lr").unwrap(), 0.0005);
    // Hydra keeps `3` an int.
    assert_eq!(cfg.get("algorithm.guidance_scale").unwrap(), &Value::Int(3));
    assert_eq!(
        cfg.get("algorithm.observation_mean").unwrap(),
        &floats(&[3.5092521, 3.4765592])
    );
    assert_eq!(
        cfg.get("algorithm.observation_std").unwrap(),
        &floats(&[1.3371079, 1.52102])
    );
    assert_eq!(
        cfg.get("algorithm.action_mean").unwrap(),
        &Value::List(vec![])
    );
    assert_eq!(
        cfg.get("experiment.tasks").unwrap(),
        &Value::List(vec![Value::from("validation")])
    );
    assert_eq!(
        cfg.get("experiment.validation.precision").unwrap(),
        &Value::Int(32)
    );
    assert!(
        !cfg.get_bool("experiment.validation.inference_mode")
            .unwrap()
    );
    assert_eq!(
        cfg.get_opt_i64("experiment.validation.val_every_n_step")
            .unwrap(),
        None
    );
    assert_eq!(
        cfg.get_i64("experiment.validation.val_every_n_epoch")
            .unwrap(),
        10
    );
    assert_eq!(cfg.get_i64("experiment.training.batch_size").unwrap(), 1024);
    assert_eq!(cfg.get_i64("experiment.training.max_epochs").unwrap(), 1000);
    assert_eq!(cfg.get_i64("algorithm.episode_len").unwrap(), 600);
    assert_eq!(cfg.get_i64("algorithm.chunk_size").unwrap(), 600);
    assert_eq!(cfg.get_str("algorithm.env_id").unwrap(), "maze2d-medium-v1");
    assert_eq!(cfg.get_f64("algorithm.reward_mean").unwrap(), 0.0236665);
    assert_eq!(cfg.get_f64("algorithm.gamma").unwrap(), 1.0);
    assert_eq!(cfg.get("algorithm.x_shape").unwrap(), &Value::Null);
    assert_eq!(cfg.get("algorithm.data_mean").unwrap(), &Value::Null);
    assert_eq!(cfg.get_i64("algorithm.frame_stack").unwrap(), 10);
    assert_eq!(
        cfg.get_str("algorithm.scheduling_matrix").unwrap(),
        "pyramid"
    );
    assert_eq!(
        cfg.get_str("algorithm.diffusion.beta_schedule").unwrap(),
        "linear"
    );
    assert_eq!(
        cfg.get_f64("algorithm.diffusion.ddim_sampling_eta")
            .unwrap(),
        0.0
    );
    // Inherited from df_base.
    assert_eq!(
        cfg.get("algorithm.optimizer_beta").unwrap(),
        &floats(&[0.9, 0.999])
    );
    assert_eq!(cfg.get_f64("algorithm.diffusion.clip_noise").unwrap(), 20.0);
    assert_eq!(
        cfg.get_i64("algorithm.diffusion.sampling_timesteps")
            .unwrap(),
        50
    );
    assert_eq!(cfg.get_str("name").unwrap(), "maze2d_medium_x_sampling");
    assert_yaml_round_trip(&cfg);
}

#[test]
fn readme_maze2d_large_xva_sampling() {
    let (_, cfg) = run(&[
        "experiment=exp_planning",
        "algorithm=df_planning",
        "dataset=maze2d_large",
        "dataset.observation_std=[3.62,5.14,9.76,10.6]",
        "dataset.action_std=[3,3]",
        "algorithm.guidance_scale=2",
        "algorithm.open_loop_horizon=10",
        "+name=maze2d_large_xva_sampling",
    ]);
    assert_eq!(
        cfg.get("algorithm.observation_std").unwrap(),
        &floats(&[3.62, 5.14, 9.76, 10.6])
    );
    assert_eq!(cfg.get("algorithm.action_std").unwrap(), &ints(&[3, 3]));
    assert_eq!(
        cfg.get("algorithm.observation_mean").unwrap(),
        &floats(&[3.7296331, 5.3047247, 4.7289828e-05, 2.9168357e-05])
    );
    assert_eq!(
        cfg.get("algorithm.action_mean").unwrap(),
        &floats(&[0.00100675, 0.00078245])
    );
    assert_eq!(cfg.get("algorithm.guidance_scale").unwrap(), &Value::Int(2));
    assert_eq!(cfg.get_i64("algorithm.open_loop_horizon").unwrap(), 10);
    assert_eq!(cfg.get_i64("algorithm.episode_len").unwrap(), 800);
    assert_eq!(
        cfg.get_str("dataset.dataset_url").unwrap(),
        "http://rail.eecs.berkeley.edu/datasets/offline_rl/maze2d/maze2d-large-sparse-v1.hdf5"
    );
    assert_eq!(
        cfg.get("experiment.tasks").unwrap(),
        &Value::List(vec![Value::from("training")])
    );
    assert_yaml_round_trip(&cfg);
}

#[test]
fn readme_dmlab_training() {
    let (composed, cfg) = run(&[
        "+name=dmlab",
        "algorithm=df_video",
        "dataset=video_dmlab",
        "algorithm.weight_decay=1e-3",
        "algorithm.diffusion.architecture.network_size=48",
        "algorithm.diffusion.architecture.attn_dim_head=32",
        "algorithm.diffusion.architecture.attn_resolutions=[8,16,32,64]",
        "algorithm.diffusion.beta_schedule=cosine",
    ]);
    assert_eq!(
        composed.choices.get("dataset"),
        Some(&Some("video_dmlab".to_string()))
    );
    assert_eq!(cfg.get_f64("algorithm.weight_decay").unwrap(), 1e-3);
    assert_eq!(
        cfg.get_i64("algorithm.diffusion.architecture.network_size")
            .unwrap(),
        48
    );
    assert_eq!(
        cfg.get_i64("algorithm.diffusion.architecture.attn_dim_head")
            .unwrap(),
        32
    );
    assert_eq!(
        cfg.get("algorithm.diffusion.architecture.attn_resolutions")
            .unwrap(),
        &ints(&[8, 16, 32, 64])
    );
    assert_eq!(
        cfg.get_str("algorithm.diffusion.beta_schedule").unwrap(),
        "cosine"
    );
    assert_eq!(
        cfg.get_i64("algorithm.diffusion.architecture.resolution")
            .unwrap(),
        64
    );
    assert_eq!(cfg.get("algorithm.x_shape").unwrap(), &ints(&[3, 64, 64]));
    assert_eq!(cfg.get_i64("algorithm.n_frames").unwrap(), 16);
    assert_eq!(cfg.get_str("dataset.save_dir").unwrap(), "data/dmlab");
    assert_eq!(
        cfg.get_str("algorithm.metadata").unwrap(),
        "data/video_dmlab/metadata.json"
    );
    assert_yaml_round_trip(&cfg);
}

#[test]
fn readme_minecraft_full_sequence() {
    let (_, cfg) = run(&[
        "+name=mc",
        "algorithm=df_video",
        "dataset=video_minecraft",
        "algorithm.causal=False",
        "dataset.validation_multiplier=8",
        "algorithm.scheduling_matrix=full_sequence",
        "algorithm.chunk_size=2",
    ]);
    assert!(!cfg.get_bool("algorithm.causal").unwrap());
    assert_eq!(cfg.get_i64("dataset.validation_multiplier").unwrap(), 8);
    assert_eq!(
        cfg.get_str("algorithm.scheduling_matrix").unwrap(),
        "full_sequence"
    );
    assert_eq!(cfg.get_i64("algorithm.chunk_size").unwrap(), 2);
    assert_yaml_round_trip(&cfg);
}

#[test]
fn cluster_selection_from_null_default() {
    let (composed, cfg) = run(&["+name=x", "cluster=mit_supercloud"]);
    assert_eq!(
        composed.choices.get("cluster"),
        Some(&Some("mit_supercloud".to_string()))
    );
    assert!(cfg.get_bool("cluster.is_compute_node_offline").unwrap());
    assert_eq!(cfg.get_i64("cluster.params.num_gpus").unwrap(), 1);
    assert_eq!(cfg.get_str("cluster.params.time").unwrap(), "24:0:0");
    let template = cfg.get_str("cluster.launch_template").unwrap();
    assert!(
        template.starts_with("#!/bin/bash\n\n#SBATCH -J {name}\n"),
        "{template}"
    );
    assert!(template.contains("--gres=gpu:volta:{num_gpus}"));
    assert_yaml_round_trip(&cfg);
    let (_, cfg) = run(&["+name=x", "cluster=mit_vision"]);
    assert_eq!(cfg.get_i64("cluster.params.num_gpus").unwrap(), 8);
    assert_eq!(
        cfg.get_str("cluster.params.partition").unwrap(),
        "vision-sitzmann"
    );
    assert_eq!(cfg.get_opt_str("cluster.params.email").unwrap(), None);
}

#[test]
fn hydra_overrides_are_separated() {
    let (mut composed, cfg) = run(&[
        "+name=x",
        "hydra.run.dir=outputs/custom",
        "hydra.job.chdir=true",
        "hydra/job_logging=disabled",
    ]);
    assert!(!cfg.contains("hydra"));
    let hydra = composed.hydra_run().unwrap();
    assert_eq!(hydra.run_dir, PathBuf::from("outputs/custom"));
    assert!(hydra.chdir);
    assert_eq!(
        composed.choices.get("hydra/job_logging"),
        Some(&Some("disabled".to_string()))
    );
    assert_eq!(composed.task_overrides, ["+name=x"]);
    assert_eq!(
        composed.hydra_overrides,
        [
            "hydra.run.dir=outputs/custom",
            "hydra.job.chdir=true",
            "hydra/job_logging=disabled",
            // A Hydra 1.3.2 run appends this (see a_run_sets_hydra_mode_run).
            "hydra.mode=RUN"
        ]
    );
    assert_eq!(composed.hydra.get_str("output_subdir").unwrap(), ".hydra");
}

#[test]
fn missing_values_survive_resolution_and_fail_on_access() {
    let (_, cfg) = run(&["+name=x", "dataset.save_dir=???"]);
    assert_eq!(cfg.get("dataset.save_dir").unwrap(), &Value::Missing);
    let e = cfg.get_str("dataset.save_dir").unwrap_err().to_string();
    assert_eq!(
        e,
        "Key 'dataset.save_dir' is a missing mandatory value '???': set it with 'dataset.save_dir=...' on the command line"
    );
    assert!(cfg.to_yaml().contains("  save_dir: ???\n"));
}

#[test]
fn every_dataset_resolves_with_every_matching_algorithm() {
    for (experiment, algorithm, datasets) in [
        (
            "exp_video",
            "df_video",
            &["video_minecraft", "video_dmlab"][..],
        ),
        (
            "exp_planning",
            "df_planning",
            &["maze2d_umaze", "maze2d_medium", "maze2d_large"][..],
        ),
    ] {
        for dataset in datasets {
            let (_, cfg) = run(&[
                &format!("experiment={experiment}"),
                &format!("algorithm={algorithm}"),
                &format!("dataset={dataset}"),
                "+name=x",
            ]);
            assert_eq!(cfg.get_str("dataset.name").unwrap(), *dataset);
            assert_yaml_round_trip(&cfg);
        }
    }
}

/// Hydra 1.3.2 runs of the reference (`scripts/hydra_oracle.py --run`, checked in CI by
/// scripts/check_hydra_parity.sh) give these settings.
#[test]
fn hydra_settings_resolve_against_the_job_config() {
    let (mut composed, _) = run(&[
        "+name=abc",
        "hydra.run.dir=runs/${name}_${seed}",
        "+hydra.job.env_set.DFORCE_TEST_FOO=${hydra:job.name}x",
        "hydra.job.chdir=true",
        "hydra.output_subdir=null",
    ]);
    let hydra = composed.hydra_run().unwrap();
    assert_eq!(hydra.run_dir, PathBuf::from("runs/abc_0"));
    assert!(hydra.chdir);
    assert_eq!(hydra.output_subdir, None);
    assert_eq!(hydra.job_name, "main");
    assert_eq!(
        hydra.env_set,
        [("DFORCE_TEST_FOO".to_string(), "mainx".to_string())]
    );
    assert_eq!(
        composed
            .resolve_hydra_key("hydra.job.override_dirname")
            .unwrap(),
        Value::from("+name=abc")
    );
    let (mut composed, _) = run(&[
        "+name=abc",
        "seed=3",
        "hydra.job.name=job",
        "hydra.job.config.override_dirname.kv_sep=_",
        "hydra.job.config.override_dirname.exclude_keys=[seed,d]",
        "+tag=${hydra:job.name}/${hydra:runtime.choices.algorithm}/${hydra:job.id}",
        "+d=${hydra:job.override_dirname}",
    ]);
    let hydra = composed.hydra_run().unwrap();
    assert_eq!(hydra.job_name, "job");
    let job = composed.resolve_job().unwrap();
    assert_eq!(job.get_str("tag").unwrap(), "job/df_video/None");
    assert_eq!(
        job.get_str("d").unwrap(),
        "+name_abc,+tag_job/df_video/None"
    );
    // A plain `${hydra.job.name}` does not exist in the job config, as in Hydra.
    let overrides = vec!["+name=x".to_string(), "+e=${hydra.job.name}".to_string()];
    let composed = compose(&configs(), &overrides).unwrap();
    assert!(composed.resolve_job().is_err());
}

#[test]
fn hydra_settings_dforce_does_not_apply_are_refused() {
    for (input, needle) in [
        (
            "hydra.launcher.n_jobs=2",
            "not a Hydra setting that dforce applies",
        ),
        (
            "hydra.job_logging.root.level=DEBUG",
            "not a Hydra setting that dforce applies",
        ),
        ("hydra.run.dri=out", "Did you mean 'hydra.run.dir'?"),
        ("hydra.job.override_dirname=x", "computed by Hydra"),
        ("+hydra.foo=1", "not a Hydra setting"),
        // Hydra copies env_copy into env_set while composing (a KeyError when unset).
        (
            "hydra.job.env_copy=[DFORCE_SURELY_UNSET_VAR]",
            "DFORCE_SURELY_UNSET_VAR",
        ),
    ] {
        let overrides = vec!["+name=x".to_string(), input.to_string()];
        let e = compose(&configs(), &overrides).unwrap_err().to_string();
        assert!(e.contains(needle), "{input}: {e}");
    }
    for (input, needle) in [
        ("hydra.verbose=true", "Python logger"),
        ("hydra.mode=MULTIRUN", "single job"),
        ("+hydra.job.env_set.A=${name}", "Could not resolve"),
    ] {
        let overrides = vec!["+name=x".to_string(), input.to_string()];
        let mut composed = compose(&configs(), &overrides).unwrap();
        let e = composed.hydra_run().unwrap_err().to_string();
        assert!(e.contains(needle), "{input}: {e}");
    }
    let overrides = vec!["+name=x".to_string(), "hydra.sweep.dir=s".to_string()];
    let hydra = compose(&configs(), &overrides)
        .unwrap()
        .hydra_run()
        .unwrap();
    assert!(
        hydra.notes[0].contains("only used by --multirun"),
        "{:?}",
        hydra.notes
    );
}

#[test]
fn hydra_searchpath_adds_config_directories_after_the_main_one() {
    // Hydra 1.3.2 (checked with the same trees in scripts/check_hydra_parity.sh): a config
    // comes from the first directory that has it, group options are those of all
    // directories, a command-line hydra.searchpath replaces the primary config's, a missing
    // directory adds nothing, and pkg:// sources are refused here (no Python packages).
    let root = std::env::temp_dir().join(format!("dforce-config-sp-{}", std::process::id()));
    let (main, extra) = (root.join("main"), root.join("extra"));
    for (file, text) in [
        (main.join("db/a.yaml"), "from: main\n".to_string()),
        (extra.join("db/a.yaml"), "from: extra\n".to_string()),
        (extra.join("db/b.yaml"), "from: extra\n".to_string()),
        (
            main.join("config.yaml"),
            format!(
                "defaults:\n  - db: a\n  - _self_\nhydra:\n  searchpath: [file://{}, {}]\n",
                extra.display(),
                root.join("missing").display()
            ),
        ),
    ] {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    let from = |overrides: &[&str]| -> Result<String, String> {
        let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        compose(&main, &overrides)
            .map_err(|e| e.to_string())
            .and_then(|c| c.job.resolved().map_err(|e| e.to_string()))
            .map(|job| job.get_str("db.from").unwrap().to_string())
    };
    assert_eq!(from(&[]).unwrap(), "main");
    assert_eq!(from(&["db=b"]).unwrap(), "extra");
    let e = from(&["db=b", "hydra.searchpath=[]"]).unwrap_err();
    assert!(e.contains("Available options: a"), "{e}");
    let e = from(&["hydra.searchpath=[pkg://x.conf]"]).unwrap_err();
    assert!(
        e.starts_with("Unsupported override 'hydra.searchpath=[pkg://x.conf]'"),
        "{e}"
    );
    std::fs::write(
        main.join("config.yaml"),
        "hydra:\n  searchpath: [pkg://x.conf]\n",
    )
    .unwrap();
    let e = from(&[]).unwrap_err();
    std::fs::remove_dir_all(&root).unwrap();
    assert!(
        e.starts_with("Invalid config 'config'") && e.contains("pkg://x.conf"),
        "{e}"
    );
}

#[test]
fn supported_hydra_settings_list_only_what_is_applied() {
    let overrides = vec!["+name=x".to_string(), "hydra.launcher.n_jobs=2".to_string()];
    let e = compose(&configs(), &overrides).unwrap_err().to_string();
    let supported = e.split("Supported: ").nth(1).expect("lists the settings");
    for refused in ["hydra.verbose", "hydra.mode"] {
        assert!(!supported.contains(refused), "{e}");
    }
    assert!(supported.contains("hydra.run.dir"), "{e}");
    assert!(supported.contains("hydra.searchpath"), "{e}");
}

#[test]
fn a_run_sets_hydra_mode_run() {
    // Hydra 1.3.2, a single run of main.py with `+name=x hydra.run.dir=r
    // hydra.job.chdir=false '+t=${hydra:mode}'`: t is RUN, hydra.yaml has `mode: RUN` and
    // overrides.hydra [hydra.run.dir=r, hydra.job.chdir=false, hydra.mode=RUN].
    let overrides: Vec<String> = [
        "+name=x",
        "hydra.run.dir=r",
        "hydra.job.chdir=false",
        "+t=${hydra:mode}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut composed = compose(&configs(), &overrides).unwrap();
    composed.hydra_run().unwrap();
    let job = composed.resolve_job().unwrap();
    assert_eq!(job.get("t").unwrap(), &Value::from("RUN"));
    let hydra = &composed.hydra;
    assert_eq!(hydra.get("mode").unwrap(), &Value::from("RUN"));
    let expected: Vec<Value> = ["hydra.run.dir=r", "hydra.job.chdir=false", "hydra.mode=RUN"]
        .iter()
        .map(|s| Value::from(*s))
        .collect();
    assert_eq!(
        hydra.get("overrides.hydra").unwrap(),
        &Value::List(expected)
    );
}
