//! Misspelled and ill-typed command lines against the real `configs/` tree: each must give
//! one line that names the problem and the fix, and nothing may panic.

use std::path::PathBuf;

use dforce_config::{ConfigError, compose, parse_override};
use proptest::prelude::*;

fn configs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../configs")
}

/// Composes and resolves; returns the error message.
fn error(overrides: &[&str]) -> String {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let result = compose(&configs(), &overrides).and_then(|c| c.job.resolved());
    let msg = match result {
        Ok(_) => panic!("{overrides:?} should fail"),
        Err(e) => e.to_string(),
    };
    assert!(!msg.contains('\n'), "not one line: {msg}");
    msg
}

#[test]
fn misspelled_key_names_the_closest_key() {
    assert_eq!(
        error(&["algorithm.guidence_scale=3"]),
        "Could not override 'algorithm.guidence_scale': no such key. Did you mean 'algorithm.guidance_scale'? (use '+algorithm.guidence_scale=...' to add a new key)"
    );
    let e = error(&["algorithm.diffusion.architecure.network_size=48"]);
    assert!(
        e.contains("Did you mean 'algorithm.diffusion.architecture.network_size'?"),
        "{e}"
    );
    let e = error(&["guidance_scale=3"]);
    assert!(
        e.contains("Did you mean 'algorithm.guidance_scale'?"),
        "{e}"
    );
    let e = error(&["algorithm.timesteps=10"]);
    assert!(
        e.contains("Did you mean 'algorithm.diffusion.timesteps'?"),
        "{e}"
    );
}

#[test]
fn misspelled_option_lists_the_options() {
    assert_eq!(
        error(&["dataset=maze2d_meduim"]),
        "Could not load 'dataset/maze2d_meduim': config group 'dataset' has no option 'maze2d_meduim'. Did you mean 'maze2d_medium'? Available options: base_dataset, base_timeseries, base_video, maze2d_large, maze2d_medium, maze2d_umaze, ts_electricity, ts_exchange, ts_gluonts_case, ts_nyc_weather, ts_solar, ts_taxi, ts_traffic, ts_wikipedia, video_dmlab, video_maze3d, video_maze3d_small, video_minecraft"
    );
    let e = error(&["experiment=exp_planing"]);
    assert!(e.contains("Did you mean 'exp_planning'?"), "{e}");
    let e = error(&["cluster=mit"]);
    assert!(
        e.contains("Available options: base_slurm, mit_satori, mit_supercloud, mit_vision"),
        "{e}"
    );
}

#[test]
fn misspelled_group_names_the_closest_group() {
    assert_eq!(
        error(&["algoritm=df_planning"]),
        "Could not override 'algoritm': no such key or config group. Did you mean 'algorithm'? Config groups: algorithm, cluster, dataset, experiment, recipe"
    );
}

#[test]
fn plus_on_existing_key_suggests_plain_or_double_plus() {
    assert_eq!(
        error(&["+algorithm.lr=1"]),
        "Could not add '+algorithm.lr=1': 'algorithm.lr' already exists. Use 'algorithm.lr=1' to override it (or '++algorithm.lr=1' to add or override)"
    );
    let e = error(&["+algorithm=df_planning"]);
    assert!(
        e.contains("use 'algorithm=df_planning' on the command line"),
        "{e}"
    );
}

#[test]
fn deleting_a_missing_key_names_the_closest_key() {
    assert_eq!(
        error(&["~algorithm.guidance"]),
        "Could not delete 'algorithm.guidance': no such key. Did you mean 'algorithm.guidance_scale'?"
    );
    let e = error(&["~algorithm.lr=1"]);
    assert!(
        // Hydra compares the resolved value (`OmegaConf.select`): "is 8e-05 and not 1".
        e.contains("its value is 8e-05, not 1"),
        "{e}"
    );
    let e = error(&["~cluster=mit_vision"]);
    assert!(
        e.starts_with("Could not delete config group 'cluster=mit_vision'"),
        "{e}"
    );
}

#[test]
fn unparsable_values_show_the_position() {
    assert_eq!(
        error(&["dataset.action_std=[1,2"]),
        "Could not parse override 'dataset.action_std=[1,2': unexpected end of value, expected ',' or ']' at position 23 (marked: 'dataset.action_std=[1,2>>>'). Close the list with ']'."
    );
    let e = error(&["algorithm.diffusion={beta_schedule linear}"]);
    assert!(
        e.contains("expected ':'") && e.contains("position 41"),
        "{e}"
    );
    let e = error(&["algorithm"]);
    assert!(
        e.contains("missing '='") && e.contains("group=option"),
        "{e}"
    );
    let e = error(&["algorithm.lr=1=2"]);
    assert!(
        e.contains("unexpected '='") && e.contains("Quote the value"),
        "{e}"
    );
    let e = error(&["+name='unterminated"]);
    assert!(
        e.contains("unterminated quoted string") && e.contains("position 6"),
        "{e}"
    );
}

#[test]
fn ill_typed_and_unsupported_overrides() {
    let e = error(&["algorithm.chunk_size=1,2"]);
    assert!(e.contains("key=[a,b]") && e.contains("key='a,b'"), "{e}");
    let e = error(&["cluster=null"]);
    assert!(e.contains("use '~cluster'"), "{e}");
    let e = error(&["dataset=3"]);
    assert!(
        e.contains("option name") && e.contains("dataset='3'"),
        "{e}"
    );
    let e = error(&["algorithm.diffusion=[1]"]);
    assert!(
        e.contains("cannot merge a list into a mapping") && e.contains("'~algorithm.diffusion'"),
        "{e}"
    );
    let e = error(&["algorithm.diffusion={nope: 1}"]);
    assert!(
        e.contains("'algorithm.diffusion.nope'") && e.contains("'+algorithm.diffusion.nope=...'"),
        "{e}"
    );
    let e = error(&["algorithm.lr.x=1"]);
    assert!(
        e.contains("'algorithm.lr' is a string") && e.contains("'++algorithm.lr.x=...'"),
        "{e}"
    );
    let e = error(&["++dataset=video_dmlab"]);
    assert!(e.contains("'dataset=<option>'"), "{e}");
    let e = error(&["x=choice(1,2)"]);
    assert!(e.contains("needs --multirun"), "{e}");
}

#[test]
fn interpolation_errors_name_key_and_interpolation() {
    assert_eq!(
        error(&["experiment.training.lr=${experiment.training.lrr}"]),
        "Could not resolve '${experiment.training.lrr}' at 'experiment.training.lr': key 'experiment.training.lrr' does not exist. Did you mean 'experiment.training.lr'?"
    );
    let e = error(&["dataset.save_dir=???", "+path=${dataset.save_dir}/x"]);
    assert!(
        e.contains("'dataset.save_dir' is a missing mandatory value")
            && e.contains("'dataset.save_dir=...'"),
        "{e}"
    );
    let e = error(&["+a=${b}", "+b=${a}"]);
    assert!(e.contains("interpolation cycle a -> b -> a"), "{e}");
    // Removing `dataset.name` breaks base_video's paths (the §8 item 21 situation).
    let e = error(&["~dataset.name"]);
    assert!(e.contains("key 'dataset.name' does not exist"), "{e}");
}

#[test]
fn hydra_overrides_are_checked() {
    let e = error(&["hydra.run.dri=out"]);
    assert!(
        e.starts_with("Unsupported override 'hydra.run.dri=out': 'hydra.run.dri' is not a Hydra setting that dforce applies")
            && e.contains("Did you mean 'hydra.run.dir'?")
            && e.contains("Supported: hydra.run.dir, "),
        "{e}"
    );
    // `+` does not make an unknown Hydra setting acceptable (it would be silently ignored).
    let e = error(&["+hydra.run.dri=out"]);
    assert!(e.contains("Did you mean 'hydra.run.dir'?"), "{e}");
    let e = error(&["hydra/job_logging=disbled"]);
    assert!(e.contains("Did you mean 'disabled'?"), "{e}");
    let e = error(&["hydra/launcher=joblib"]);
    assert!(e.contains("not supported"), "{e}");
    let e = error(&["hydra=1"]);
    assert!(e.contains("'hydra.run.dir=PATH'"), "{e}");
    // Hydra 1.3.2: "HydraConf (DictConfig) does not support deletion".
    let e = error(&["~hydra.run"]);
    assert!(
        e.contains("HydraConf (DictConfig) does not support deletion"),
        "{e}"
    );
}

#[test]
fn bad_config_dir_is_reported() {
    let e = compose(&PathBuf::from("/nonexistent/configs"), &[]).unwrap_err();
    assert!(matches!(e, ConfigError::Io { .. }), "{e}");
    assert!(!e.to_string().contains('\n'));
}

#[test]
fn tricky_inputs_do_not_panic() {
    let inputs = [
        "",
        "=",
        "+",
        "++",
        "~",
        "~~a",
        "+++a=1",
        "a=${",
        "a='",
        "a=\"\\",
        "a=[{]}",
        "a={:}",
        "a=\\",
        "@=1",
        "a@=1",
        "a/b/=1",
        "/a=1",
        "a/=1",
        "a=[[[[",
        "a=}{",
        "a=((",
        "a=x(",
        "a=x()",
        "a=${a}${",
        "ä=1",
        "a=é",
        "a.0.b=1",
        "a. b=1",
        "a=${}",
        "a=[1,,2]",
        "a={a:}",
        "a={:1}",
        "a=\t",
        "a= , ",
        "a=\\,",
        "~a=[",
        "algorithm=",
        "algorithm=[]",
        "algorithm=[df_video,df_planning]",
        "algorithm={}",
        "~algorithm",
        "~algorithm=df_planning",
        "experiment.tasks.9=x",
        "+experiment.tasks.9=x",
        "~experiment.tasks.9",
        "dataset.observation_shape.1.x=1",
        "++dataset.observation_shape.x=1",
        "seed=99999999999999999999",
        "+x=${oc.env:DFORCE_NOPE}",
        "+x=${oc.nope:1}",
        "+x=${..up}",
        "+x=\\${literal}",
        "hydra=1",
        "hydra.run=1",
        "+hydra.new=1",
        "hydra/x=1",
        "+name=${name}",
    ];
    for input in inputs {
        let result = compose(&configs(), &[input.to_string()]).and_then(|c| c.job.resolved());
        if let Err(e) = result {
            assert!(!e.to_string().contains('\n'), "{input:?}: {e}");
        }
    }
}

proptest! {
    // A fixed seed keeps CI deterministic; failures are not persisted to files.
    #![proptest_config(ProptestConfig {
        cases: 512,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The override parser accepts or rejects any text without panicking, in one line.
    #[test]
    fn override_parser_never_panics(s in "[-+~a-z0-9_.=,:@/\\[\\]{}()'\"\\\\$ ]{0,24}") {
        if let Err(e) = parse_override(&s) {
            prop_assert!(!e.to_string().contains('\n'));
        }
    }

    /// Composition with arbitrary overrides never panics.
    #[test]
    fn compose_never_panics(s in "[+~]{0,2}(algorithm|dataset|experiment|cluster|seed|name|algorithm\\.lr|dataset\\.observation_mean)(\\.[a-z0-9]{1,3})?=[-a-z0-9_.,\\[\\]{}:' ${}]{0,12}") {
        let result = compose(&configs(), &[s]).and_then(|c| c.job.resolved());
        if let Err(e) = result {
            prop_assert!(!e.to_string().contains('\n'));
        }
    }
}

#[test]
fn hydra_settings_cannot_be_deleted() {
    // Hydra 1.3.2: "RunDir (DictConfig) does not support deletion" and so on.
    for (input, class) in [
        ("~hydra.searchpath", "HydraConf"),
        ("~hydra.run.dir", "RunDir"),
        ("~hydra.verbose=false", "HydraConf"),
        ("~hydra.job.env_copy", "JobConf"),
    ] {
        let e = error(&["+name=x", input]);
        assert!(
            e.contains(&format!("{class} (DictConfig) does not support deletion")),
            "{input}: {e}"
        );
    }
}
