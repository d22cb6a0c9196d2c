//! Config trees written to exhaust the composer (cycles, exponential defaults trees, deep
//! packages) must fail with an error naming the file, not overflow the stack or hang.

use std::path::{Path, PathBuf};

use dforce_config::{ConfigError, compose};

/// A fresh config directory holding `files` (path relative to the directory, contents).
fn config_dir(name: &str, files: &[(String, String)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "dforce-config-hostile-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    dir
}

fn file(path: &str, text: &str) -> (String, String) {
    (path.to_string(), text.to_string())
}

/// Composes in a thread with a small stack, so unbounded recursion shows up as a crash
/// quickly instead of depending on the test thread's stack size.
fn compose_small_stack(dir: &Path) -> Result<String, String> {
    let dir = dir.to_path_buf();
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let result = compose(&dir, &[])
                .and_then(|c| c.job.resolved())
                .map(|v| v.to_json())
                .map_err(|e: ConfigError| e.to_string());
            let _ = std::fs::remove_dir_all(&dir);
            result
        })
        .unwrap()
        .join()
        .expect("composing must not crash")
}

#[test]
fn a_config_including_itself_is_a_cycle() {
    let dir = config_dir(
        "self",
        &[file("config.yaml", "defaults:\n  - config\na: 1\n")],
    );
    let e = compose_small_stack(&dir).unwrap_err();
    assert!(e.contains("defaults cycle: config -> config"), "{e}");
}

#[test]
fn configs_including_each_other_are_a_cycle() {
    let dir = config_dir(
        "ab",
        &[
            file("config.yaml", "defaults:\n  - a\n"),
            file("a.yaml", "defaults:\n  - b\nx: 1\n"),
            file("b.yaml", "defaults:\n  - a\ny: 1\n"),
        ],
    );
    let e = compose_small_stack(&dir).unwrap_err();
    assert!(
        e.contains("'b'") && e.contains("defaults cycle: a -> b -> a"),
        "{e}"
    );
    // Through a group selection too.
    let dir = config_dir(
        "group",
        &[
            file("config.yaml", "defaults:\n  - g: x\n"),
            file("g/x.yaml", "defaults:\n  - /config\n"),
        ],
    );
    let e = compose_small_stack(&dir).unwrap_err();
    assert!(e.contains("defaults cycle: config -> g/x -> config"), "{e}");
}

#[test]
fn deep_defaults_chains_are_refused() {
    let mut files = vec![file("config.yaml", "defaults:\n  - c0\n")];
    for i in 0..100 {
        files.push(file(
            &format!("c{i}.yaml"),
            &format!("defaults:\n  - c{}\nk{i}: {i}\n", i + 1),
        ));
    }
    files.push(file("c100.yaml", "end: 1\n"));
    let dir = config_dir("chain", &files);
    let e = compose_small_stack(&dir).unwrap_err();
    assert!(e.contains("nest more than 64 levels"), "{e}");
    // A chain of 20 is fine.
    let mut files = vec![file("config.yaml", "defaults:\n  - c0\n")];
    for i in 0..20 {
        files.push(file(
            &format!("c{i}.yaml"),
            &format!("defaults:\n  - c{}\nk{i}: {i}\n", i + 1),
        ));
    }
    files.push(file("c20.yaml", "end: 1\n"));
    let json = compose_small_stack(&config_dir("chain20", &files)).unwrap();
    assert!(
        json.contains("\"k19\":19") && json.contains("\"end\":1"),
        "{json}"
    );
}

#[test]
fn exponential_defaults_trees_are_refused() {
    // Each file includes the next one twice: 2^30 entries from 30 small files.
    let mut files = vec![file("config.yaml", "defaults:\n  - g/f0\n  - _self_\n")];
    for i in 0..30 {
        files.push(file(
            &format!("g/f{i}.yaml"),
            &format!("defaults:\n  - f{}\n  - f{}\n", i + 1, i + 1),
        ));
    }
    files.push(file("g/f30.yaml", "x: 1\n"));
    let dir = config_dir("exp", &files);
    let start = std::time::Instant::now();
    let e = compose_small_stack(&dir).unwrap_err();
    assert!(
        e.contains("more than 10000 entries") && e.contains("g/f"),
        "{e}"
    );
    assert!(start.elapsed().as_secs() < 30, "took {:?}", start.elapsed());
}

#[test]
fn deep_packages_are_refused() {
    let deep = vec!["a"; 5000].join(".");
    // A `# @package` header.
    let dir = config_dir(
        "header",
        &[file("config.yaml", &format!("# @package {deep}\nx: 1\n"))],
    );
    let e = compose_small_stack(&dir).unwrap_err();
    assert!(
        e.contains("config.yaml") && e.contains("'# @package' header") && e.contains("5000 levels"),
        "{e}"
    );
    // A defaults entry's package (a YAML implicit key is at most 1024 characters long).
    let five_hundred = vec!["a"; 500].join(".");
    let dir = config_dir(
        "entry",
        &[
            file(
                "config.yaml",
                &format!("defaults:\n  - g@{five_hundred}: x\n"),
            ),
            file("g/x.yaml", "y: 1\n"),
        ],
    );
    let e = compose_small_stack(&dir).unwrap_err();
    assert!(e.contains("package of a defaults entry"), "{e}");
    // Also as a plain config entry, where the package has no length limit.
    let dir = config_dir(
        "entry2",
        &[
            file("config.yaml", &format!("defaults:\n  - x@{deep}\n")),
            file("x.yaml", "y: 1\n"),
        ],
    );
    let e = compose_small_stack(&dir).unwrap_err();
    assert!(e.contains("package of a defaults entry"), "{e}");
    // Packages that are each acceptable but nest to more than 100 levels in all.
    let sixty = vec!["b"; 60].join(".");
    let dir = config_dir(
        "joined",
        &[
            file("config.yaml", &format!("defaults:\n  - g@{sixty}: x\n")),
            file("g/x.yaml", &format!("defaults:\n  - h@{sixty}: y\n")),
            file("g/h/y.yaml", "z: 1\n"),
        ],
    );
    let e = compose_small_stack(&dir).unwrap_err();
    assert!(e.contains("'g/h/y'") && e.contains("120 levels"), "{e}");
    // A package within the limit works.
    let ten = ["c"; 10].join(".");
    let dir = config_dir(
        "ok",
        &[
            file("config.yaml", &format!("defaults:\n  - g@{ten}: x\n")),
            file("g/x.yaml", "y: 1\n"),
        ],
    );
    let json = compose_small_stack(&dir).unwrap();
    assert!(json.contains("\"y\":1"), "{json}");
}
