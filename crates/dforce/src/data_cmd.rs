//! `dforce data …` and `dforce env …`: native data generation and environment replay.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use dforce_env::data::{DatasetStats, d4rl_reference_stats, generate, write_d4rl_owned};
use dforce_env::maze2d::Maze2dEnv;
use dforce_io::npz::{NpyData, parse_npy};

use crate::cli::{DataCommand, EnvCommand};

pub fn data(cmd: DataCommand) -> Result<()> {
    match cmd {
        DataCommand::Maze2d {
            env,
            steps,
            seed,
            out,
        } => {
            let t = Instant::now();
            let data = generate(&env, steps, seed)?;
            let gen_s = t.elapsed().as_secs_f64();
            // Statistics first: writing consumes the arrays (each is freed once copied into the
            // in-memory file, which keeps the peak near twice the file's size).
            let ours = DatasetStats::of(&data);
            write_d4rl_owned(data, &out).context("writing the D4RL dataset")?; // the error names the file
            eprintln!(
                "generated {steps} steps of {env} in {gen_s:.2} s ({:.0} steps/s); wrote {}",
                steps as f64 / gen_s.max(1e-9),
                out.display()
            );
            writeln!(
                std::io::stdout(),
                "statistic         generated                                   D4RL"
            )?;
            let fmt = |v: &[f64]| {
                v.iter()
                    .map(|x| format!("{x:>9.5}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let reference = d4rl_reference_stats(&env);
            let r = |f: fn(&DatasetStats) -> Vec<f64>| {
                reference.as_ref().map_or("-".to_string(), |s| fmt(&f(s)))
            };
            writeln!(
                std::io::stdout(),
                "obs mean     {:<44} {}",
                fmt(&ours.obs_mean),
                r(|s| s.obs_mean.to_vec())
            )?;
            writeln!(
                std::io::stdout(),
                "obs std      {:<44} {}",
                fmt(&ours.obs_std),
                r(|s| s.obs_std.to_vec())
            )?;
            writeln!(
                std::io::stdout(),
                "action std   {:<44} {}",
                fmt(&ours.act_std),
                r(|s| s.act_std.to_vec())
            )?;
            writeln!(
                std::io::stdout(),
                "reward mean  {:<44} {}",
                fmt(&[ours.reward_mean]),
                r(|s| vec![s.reward_mean])
            )?;
            Ok(())
        }
        DataCommand::Video {
            world,
            episodes,
            frames,
            resolution,
            seed,
            validation_fraction,
            out,
        } => {
            if world != "maze3d" {
                bail!("unknown world '{world}'; available: maze3d");
            }
            dforce_engine::video::check_generated_video(
                episodes,
                frames,
                resolution,
                validation_fraction,
                [
                    "--episodes",
                    "--frames",
                    "--resolution",
                    "--validation-fraction",
                ],
            )
            .map_err(anyhow::Error::msg)?;
            let report = dforce_video_data::generate_maze3d(
                &out,
                episodes,
                frames,
                resolution,
                seed,
                validation_fraction,
            )?;
            eprintln!(
                "rendered {} frames ({} training + {} validation episodes) at {resolution}×{resolution} in {:.1} s ({:.0} frames/s); wrote {}",
                report.frames,
                report.training,
                report.validation,
                report.seconds,
                report.frames as f64 / report.seconds.max(1e-9),
                report.root.display()
            );
            Ok(())
        }
    }
}

pub fn env(cmd: EnvCommand) -> Result<()> {
    match cmd {
        EnvCommand::Rollout {
            env,
            qpos,
            qvel,
            actions,
            out,
        } => {
            // The id first: a typo is reported before the actions are read.
            let mut sim = Maze2dEnv::new(&env)?;
            let bytes = std::fs::read(&actions)
                .with_context(|| format!("reading {}", actions.display()))?;
            let arr =
                parse_npy(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", actions.display()))?;
            if arr.shape.len() != 2 || arr.shape[1] != 2 {
                bail!(
                    "{}: expected an (N, 2) array of actions, got shape {:?}",
                    actions.display(),
                    arr.shape
                );
            }
            // numpy casts bools to 0.0/1.0 when they are used as actions (MuJoCo's `ctrl` is
            // float64), so a bool array is read as such; strings are not actions.
            let values = match &arr.data {
                NpyData::Bool(v) => v.iter().map(|&b| f64::from(u8::from(b))).collect(),
                _ => arr.to_f64().with_context(|| {
                    format!(
                        "{}: the array holds strings; actions must be numbers (a float, integer \
                         or bool .npy)",
                        actions.display()
                    )
                })?,
            };
            // MuJoCo would carry a NaN through every later state without a word.
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                bail!(
                    "{}: action {} (row {}) is {}; actions must be finite numbers",
                    actions.display(),
                    i % 2,
                    i / 2,
                    values[i]
                );
            }
            if qpos.iter().chain(&qvel).any(|v| !v.is_finite()) {
                bail!("--qpos {qpos:?} / --qvel {qvel:?}: the initial state must be finite");
            }
            sim.set_state(qpos, qvel);
            let mut states = Vec::with_capacity((values.len() / 2 + 1) * 4);
            let push =
                |states: &mut Vec<f64>, sim: &Maze2dEnv| states.extend_from_slice(&sim.obs());
            push(&mut states, &sim);
            for a in values.chunks_exact(2) {
                // D4RL's step: clip the action, clip the velocity, one physics step.
                sim.step_physics([a[0], a[1]]);
                push(&mut states, &sim);
            }
            write_npy_f64(&out, &states, [states.len() / 4, 4])?;
            eprintln!("wrote {} ({} states)", out.display(), states.len() / 4);
            Ok(())
        }
    }
}

/// A little-endian float64 `.npy` (format 1.0, numpy's header layout) of a C-order matrix.
fn write_npy_f64(path: &Path, data: &[f64], shape: [usize; 2]) -> Result<()> {
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    f.write_all(&dforce_io::npz::encode_npy_header("<f8", &shape))?;
    for v in data {
        f.write_all(&v.to_le_bytes())?;
    }
    f.flush()?;
    Ok(())
}
