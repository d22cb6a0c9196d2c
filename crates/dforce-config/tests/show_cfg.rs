//! `Composed::show_cfg` against what Hydra 1.3.2's `--cfg … [--resolve] [--package P]` printed
//! for the same command lines (a `@hydra.main` app on `configs/`; the expected texts were
//! copied from its output). `scripts/check_hydra_parity.sh` compares many more, live.

use std::path::PathBuf;

use dforce_config::{CfgPart, ConfigError, compose};

fn show(
    part: CfgPart,
    resolve: bool,
    package: Option<&str>,
    overrides: &[&str],
) -> Result<String, ConfigError> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../configs");
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    compose(&dir, &overrides)
        .unwrap_or_else(|e| panic!("{e}"))
        .show_cfg(part, resolve, package)
}

#[test]
fn config_nodes_print_as_yaml_and_python_values_with_print() {
    let job = |package, resolve, overrides: &[&str]| {
        show(CfgPart::Job, resolve, Some(package), overrides).unwrap_or_else(|e| panic!("{e}"))
    };
    // Hydra: `+x=${y} +y=[1,2] -p x`.
    assert_eq!(
        job("x", false, &["+name=a", "+x=${y}", "+y=[1,2]"]),
        "# @package x\n- 1\n- 2\n"
    );
    // `oc.decode` returns Python's list: `print` writes it.
    assert_eq!(
        job("x", false, &["+name=a", "+x=${oc.decode:'[1,2]'}"]),
        "[1, 2]\n"
    );
    // `oc.dict.values` returns `${y.k}` nodes, printed unresolved unless --resolve.
    let values = ["+name=a", "+x=${oc.dict.values:y}", "+y={a:1,b:2}"];
    assert_eq!(
        job("x", false, &values),
        "# @package x\n- ${y.a}\n- ${y.b}\n"
    );
    assert_eq!(job("x", true, &values), "# @package x\n- 1\n- 2\n");
    // An enum prints its str().
    assert_eq!(
        job(
            "x",
            false,
            &["+name=a", "hydra.mode=RUN", "+x=${hydra:mode}"]
        ),
        "RunMode.RUN\n"
    );
}

#[test]
fn none_and_missing_packages_are_not_found() {
    for (package, overrides) in [
        ("x", &["+name=a", "+x=???"][..]),
        ("x", &["+name=a", "+x=null"]),
        ("x", &["+name=a", "+x=${oc.select:nope}"]),
        ("hydra", &["+name=a"]),
    ] {
        let err = show(CfgPart::Job, false, Some(package), overrides).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("package '{package}' not found in config")
        );
    }
}

#[test]
fn resolving_turns_interpolations_to_missing_values_into_missing() {
    // Hydra: `--cfg job --resolve '+a=${c}' '+c={x:${b}}' '+b=???'` prints `a:\n  x: ???`.
    let text = show(
        CfgPart::Job,
        true,
        None,
        &["+name=a", "+a=${c}", "+c={x:${b}}", "+b=???"],
    )
    .unwrap();
    assert!(
        text.ends_with("a:\n  x: ???\nc:\n  x: ???\nb: ???\n"),
        "{text}"
    );
}

#[test]
fn hydra_settings_from_interpolations_are_validated_when_read() {
    // Hydra: InterpolationValidationError "Value 'main' is not a valid bool (type str)".
    let err = show(
        CfgPart::Hydra,
        false,
        Some("hydra.job.chdir"),
        &["+name=a", "hydra.job.chdir=${hydra.job.name}"],
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("Value 'main' is not a valid bool (type str)"),
        "{err}"
    );
    // Hydra prints True: OmegaConf's BooleanNode converts 'yes'.
    let text = show(
        CfgPart::Hydra,
        false,
        Some("hydra.job.chdir"),
        &[
            "+name=a",
            "+hydra.job.env_set.A=yes",
            "hydra.job.chdir=${hydra.job.env_set.A}",
        ],
    )
    .unwrap();
    assert_eq!(text, "True\n");
}

#[test]
fn hydra_group_configs_hold_what_hydra_composes() {
    // Hydra 1.3.2: `--cfg job --resolve -p x '+x=${hydra:launcher._target_}'` and the others.
    let value = |expr: &str, extra: &[&str]| {
        let mut overrides = vec!["+name=a".to_string(), format!("+x={expr}")];
        overrides.extend(extra.iter().map(|s| s.to_string()));
        let overrides: Vec<&str> = overrides.iter().map(String::as_str).collect();
        show(CfgPart::Job, true, Some("x"), &overrides).unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(
        value("${hydra:launcher._target_}", &[]),
        "hydra._internal.core_plugins.basic_launcher.BasicLauncher\n"
    );
    assert_eq!(value("${hydra:job_logging.version}", &[]), "1\n");
    assert_eq!(
        value(
            "${hydra:job_logging.root.level}",
            &["hydra/job_logging=disabled"]
        ),
        "ERROR\n"
    );
    assert_eq!(
        value("${hydra:runtime.config_sources.0.path}", &[]),
        "hydra.conf\n"
    );
    // A key that exists in Hydra's config neither is None, as in Hydra.
    let err = show(
        CfgPart::Job,
        true,
        Some("x"),
        &["+name=a", "+x=${hydra:nope}"],
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "package 'x' not found in config");
    // `--cfg hydra` leaves the help texts out, `--cfg all` keeps them.
    let hydra = show(CfgPart::Hydra, false, None, &["+name=a"]).unwrap();
    assert!(
        !hydra.contains("\n  help:") && hydra.contains("\n  launcher:"),
        "{hydra}"
    );
    let all = show(CfgPart::All, false, None, &["+name=a"]).unwrap();
    assert!(
        all.contains("\n  help:\n    app_name: ${hydra.job.name}\n"),
        "{all}"
    );
}
