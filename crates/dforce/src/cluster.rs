//! `cluster=<name>`: SLURM submission as the reference does it (spec §6.5).
//!
//! The cluster config's `launch_template` is filled with `{name}`, `{log_dir}`,
//! `{project_root}`, `{python_args}` and every key of `params`, written to
//! `slurm_logs/<date>-<name>/job.slurm` and submitted with `sbatch` when it is available. The
//! reference's templates launch `python -m main`; the script launches this `dforce` instead.
//! On the compute node `+_on_compute_node=True` makes the same command line run locally.
//!
//! With the `mpi` feature, a job of several nodes (`experiment.num_nodes`) or several GPUs per
//! node (`cluster.params.num_gpus`) launches one rank per GPU: the script asks for
//! `--nodes`/`--ntasks-per-node` and starts dforce with `srun`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use dforce_config::Value;

/// Whether this invocation should be submitted rather than run.
pub fn should_submit(cfg: &Value) -> bool {
    cfg.contains("cluster.launch_template") && !cfg.get_bool("_on_compute_node").unwrap_or(false)
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(), // what Python's str.format prints for None
        other => other.to_yaml().trim_end().to_string(),
    }
}

/// Renders and submits the job; returns the script path.
pub fn submit(cfg: &Value, overrides: &[String]) -> Result<PathBuf> {
    let template = cfg.get_str("cluster.launch_template")?;
    let name = cfg.get_opt_str("name")?.unwrap_or("dforce").to_string();
    let root = project_root()?;
    let stamp = time::OffsetDateTime::now_local()
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .format(time::macros::format_description!(
            "[year]-[month]-[day]-[hour]-[minute]-[second]"
        ))?;
    let log_dir = root.join("slurm_logs").join(format!("{stamp}-{name}"));
    std::fs::create_dir_all(&log_dir).with_context(|| format!("creating {}", log_dir.display()))?;
    let mut args = overrides.join(" ");
    args.push_str(" +_on_compute_node=True");
    let mut fields: Vec<(String, String)> = vec![
        ("name".into(), name.clone()),
        ("log_dir".into(), log_dir.display().to_string()),
        ("project_root".into(), root.display().to_string()),
        ("python_args".into(), args),
    ];
    if let Ok(params) = cfg.get_map("cluster.params") {
        for (k, v) in params.iter() {
            fields.push((k.to_string(), scalar_text(v)));
        }
    }
    let mut script = template.to_string();
    for (k, v) in &fields {
        script = script.replace(&format!("{{{k}}}"), v);
    }
    if let Some(open) = script
        .find('{')
        .filter(|&i| script[i..].find('}').is_some_and(|j| j < 40))
    {
        let end = open + script[open..].find('}').unwrap_or(0);
        bail!(
            "cluster.launch_template uses {} which neither cluster.params nor dforce provides",
            &script[open..=end]
        );
    }
    let exe = std::env::current_exe().context("locating the dforce executable")?;
    let nodes = cfg.get_opt_i64("experiment.num_nodes")?.unwrap_or(1);
    let gpus = cfg
        .get_opt_i64("cluster.params.num_gpus")
        .ok()
        .flatten()
        .unwrap_or(1);
    let launch = data_parallel_launch(&mut script, nodes, gpus)?;
    script = script.replace("python -m main", &format!("{launch}{}", exe.display()));
    let path = log_dir.join("job.slurm");
    std::fs::write(&path, &script).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    match std::process::Command::new("sbatch").arg(&path).status() {
        Ok(s) if s.success() => eprintln!(
            "dforce: submitted {}; logs in {}",
            path.display(),
            log_dir.display()
        ),
        Ok(s) => bail!("sbatch {} failed ({s})", path.display()),
        Err(_) => eprintln!(
            "dforce: sbatch is not available here; wrote {} — submit it on the cluster's login node with `sbatch {}`",
            path.display(),
            path.display()
        ),
    }
    Ok(path)
}

/// For a data-parallel job (`nodes > 1` or `gpus > 1` per node, `mpi` builds only), asks Slurm
/// for one task per GPU on every node and returns the `srun` prefix that starts them; otherwise
/// leaves the script alone and returns an empty prefix.
fn data_parallel_launch(script: &mut String, nodes: i64, gpus: i64) -> Result<String> {
    if nodes < 1 || gpus < 1 {
        bail!(
            "experiment.num_nodes={nodes} and cluster.params.num_gpus={gpus}: both must be at least 1"
        );
    }
    if nodes == 1 && gpus == 1 {
        return Ok(String::new());
    }
    if !cfg!(feature = "mpi") {
        if nodes > 1 {
            bail!(
                "experiment.num_nodes={nodes}: this dforce was built without MPI; rebuild with \
                 `cargo build --release --features mpi` to train on several nodes, or use experiment.num_nodes=1"
            );
        }
        return Ok(String::new()); // one process on one GPU, as before
    }
    let request = format!("#SBATCH --nodes={nodes}\n#SBATCH --ntasks-per-node={gpus}\n");
    match script.find("#SBATCH") {
        Some(at) => script.insert_str(at, &request),
        None => {
            bail!("cluster.launch_template has no #SBATCH line to add --nodes/--ntasks-per-node to")
        }
    }
    Ok(format!("srun --nodes={nodes} --ntasks-per-node={gpus} "))
}

/// The first ancestor of the working directory holding `.git` (the reference's project root).
fn project_root() -> Result<PathBuf> {
    let cwd = std::env::current_dir()?;
    Ok(cwd
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(cwd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_node_one_gpu_leaves_the_template_alone() {
        let mut s = "#!/bin/bash\n#SBATCH -J x\npython -m main a=b\n".to_string();
        let before = s.clone();
        assert_eq!(data_parallel_launch(&mut s, 1, 1).unwrap(), "");
        assert_eq!(s, before);
        assert!(data_parallel_launch(&mut s, 0, 1).is_err());
    }

    #[cfg(feature = "mpi")]
    #[test]
    fn several_nodes_launch_one_rank_per_gpu_with_srun() {
        let mut s = "#!/bin/bash\n#SBATCH -J x\npython -m main a=b\n".to_string();
        let prefix = data_parallel_launch(&mut s, 2, 4).unwrap();
        assert_eq!(prefix, "srun --nodes=2 --ntasks-per-node=4 ");
        assert_eq!(
            s,
            "#!/bin/bash\n#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=4\n#SBATCH -J x\npython -m main a=b\n"
        );
    }

    #[cfg(not(feature = "mpi"))]
    #[test]
    fn several_nodes_without_mpi_are_refused_with_the_rebuild_command() {
        let mut s = "#SBATCH -J x\n".to_string();
        let e = data_parallel_launch(&mut s, 2, 1).unwrap_err().to_string();
        assert!(e.contains("--features mpi"), "{e}");
        assert_eq!(data_parallel_launch(&mut s, 1, 4).unwrap(), "");
    }
}
