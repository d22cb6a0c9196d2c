//! Defaults-list semantics on small fixture trees (tests/fixtures). Every expectation here
//! was checked against Hydra 1.3.2 (`scripts/check_hydra_parity.sh` re-checks them).

use std::path::PathBuf;

use dforce_config::{ConfigError, compose};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Resolved job config of a fixture as JSON.
fn json(name: &str, overrides: &[&str]) -> String {
    try_json(name, overrides).unwrap_or_else(|e| panic!("{e}"))
}

fn try_json(name: &str, overrides: &[&str]) -> Result<String, ConfigError> {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    compose(&fixture(name), &overrides)?
        .job
        .resolved()
        .map(|v| v.to_json())
}

#[test]
fn self_first_lets_the_group_override_the_file() {
    assert_eq!(
        json("self_first", &[]),
        r#"{"db":{"port":3306,"user":"root"},"top":1}"#
    );
    assert_eq!(
        json("self_first", &["db=postgres"]),
        r#"{"db":{"port":5432,"user":"pg"},"top":1}"#
    );
}

#[test]
fn implicit_self_is_last_and_nested_defaults_compose() {
    // server/apache: base_server (same group), then server/db via `override db: postgres`,
    // /shared@extras into server.extras, /shared/globals into the root via `@package _global_`,
    // then its own keys; then config.yaml's keys (implicit `_self_` last).
    assert_eq!(
        json("nested", &[]),
        r#"{"server":{"port":80,"host":"from_primary","db":{"driver":"pg"},"extras":{"retries":3}},"global_flag":true}"#
    );
}

/// An `@package _global_` file whose defaults list holds only `override` entries (Hydra's
/// experiment-file pattern) has no children: its keys merge where the file sits, after `db`
/// and before the primary's `_self_` (Hydra 1.3.2 gives exactly this).
#[test]
fn a_file_of_only_overrides_merges_its_own_keys() {
    assert_eq!(
        json("override_only", &["exp=pg"]),
        r#"{"db":{"port":5432,"user":"from_exp"},"top":1}"#
    );
    assert_eq!(
        json("override_only", &[]),
        r#"{"db":{"port":3306},"top":1}"#
    );
}

#[test]
fn command_line_beats_override_entries_and_selects_nested_groups() {
    assert_eq!(
        json("nested", &["server/db=mysql"]),
        r#"{"server":{"port":80,"host":"from_primary","db":{"driver":"mysql"},"extras":{"retries":3}},"global_flag":true}"#
    );
}

#[test]
fn options_lists_optional_null_and_deletion() {
    // plugins=[a,b]: both merged in order (lists replaced); `optional plugins: not_there` is fine.
    assert_eq!(
        json("nested", &["plugins=[a,b]"]),
        r#"{"server":{"port":80,"host":"from_primary","db":{"driver":"pg"},"extras":{"retries":3}},"global_flag":true,"plugins":{"a":1,"order":["b"],"b":2}}"#
    );
    // A group whose default is null can be selected.
    assert!(json("nested", &["logging=json"]).ends_with(r#""logging":{"format":"json"}}"#));
    // Changing the selection drops the old option's whole subtree.
    assert_eq!(
        json("nested", &["server=nginx"]),
        r#"{"server":{"port":8080,"host":"from_primary"}}"#
    );
    assert_eq!(
        json("nested", &["~server/db"]),
        r#"{"server":{"port":80,"host":"from_primary","extras":{"retries":3}},"global_flag":true}"#
    );
    assert_eq!(json("nested", &["~logging"]), json("nested", &[]));
    assert_eq!(
        json("nested", &["server=nginx", "+extra=1"]),
        r#"{"server":{"port":8080,"host":"from_primary"},"extra":1}"#
    );
}

#[test]
fn choices_record_selections() {
    let composed = compose(&fixture("nested"), &["logging=json".to_string()]).unwrap();
    let choices: Vec<(String, Option<String>)> = composed.choices.into_iter().collect();
    assert_eq!(
        choices,
        [
            ("logging".to_string(), Some("json".to_string())),
            ("plugins".to_string(), Some("not_there".to_string())),
            ("server".to_string(), Some("apache".to_string())),
            ("server/db".to_string(), Some("postgres".to_string())),
            (
                "shared@server.extras".to_string(),
                Some("common".to_string())
            ),
        ]
    );
}

#[test]
fn mandatory_group_choice() {
    let e = try_json("mandatory", &[]).unwrap_err().to_string();
    assert_eq!(
        e,
        "Config group 'db' needs a selection: add 'db=<option>' to the command line. Available options: mysql"
    );
    assert_eq!(json("mandatory", &["db=mysql"]), r#"{"db":{"port":3306}}"#);
}

#[test]
fn conflicting_append_names_the_fix() {
    let e = try_json("nested", &["+logging=json"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("use 'logging=json' on the command line"), "{e}");
}

#[test]
fn group_errors() {
    let e = try_json("nested", &["server=apach"])
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "Could not load 'server/apach': config group 'server' has no option 'apach'. Did you mean 'apache'? Available options: apache, base_server, nginx"
    );
    let e = try_json("nested", &["~server/db=mysql"])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("Could not delete config group 'server/db=mysql'"),
        "{e}"
    );
    let e = try_json("self_first", &["++db=mysql"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("'+db=<option>'"), "{e}");
    let e = try_json("self_first", &["db=../nested/config"]).unwrap_err();
    assert!(matches!(e, ConfigError::UnknownOption { .. }), "{e}");
}
