//! Command-line surface: Hydra-style overrides for runs, plus a few subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
OVERRIDES use Hydra's syntax, exactly as the reference's `python -m main` takes them:
  group=option        select a config file of a group (algorithm=df_planning, dataset=maze2d_medium)
  key.path=value      change a value (algorithm.guidance_scale=3, experiment.tasks=[validation])
  +key=value          add a key that the config does not have (+name=my_run)
  ++key=value         set a key whether or not it exists
  ~key                delete a key
  hydra.run.dir=PATH  run directory (default outputs/YYYY-MM-DD/HH-MM-SS)
Values: 3, 1e-3, true, null, [a,b], {a: 1}, 'quoted string', ${interpolation}.

Examples (from the reference's README):
  dforce experiment=exp_planning algorithm=df_planning dataset=maze2d_medium \\
      dataset.action_mean=[] dataset.action_std=[] \\
      dataset.observation_mean=[3.5092521,3.4765592] dataset.observation_std=[1.3371079,1.52102] \\
      load=outputs/maze2d_medium_x.ckpt experiment.tasks=[validation] algorithm.guidance_scale=3 \\
      +name=maze2d_medium_x_sampling
  dforce +name=dmlab algorithm=df_video dataset=video_dmlab algorithm.weight_decay=1e-3 \\
      algorithm.diffusion.architecture.network_size=48 algorithm.diffusion.beta_schedule=cosine
  dforce --cfg job --resolve experiment=exp_planning algorithm=df_planning dataset=maze2d_large
  dforce --summary algorithm=df_video dataset=video_minecraft
  dforce ckpt inspect outputs/minecraft.ckpt

Other settings: seed=N (default 0), device=auto|cpu|cuda|vulkan|wgpu|metal, debug=true.";

#[derive(Debug, Parser)]
#[command(
    name = "dforce",
    version,
    about = "Diffusion Forcing: train, sample and evaluate sequence diffusion models (video, maze planning)",
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    // As Hydra's argparse: a flag given twice takes its last value.
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// A Hydra-style run, or a look at its configuration.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Print the composed configuration instead of running (like Hydra's --cfg).
    #[arg(long, short = 'c', value_enum)]
    pub cfg: Option<CfgPart>,
    /// With --cfg: resolve ${...} interpolations before printing.
    #[arg(long)]
    pub resolve: bool,
    /// With --cfg: print only this node (a dotted path, e.g. algorithm.diffusion), as Hydra's
    /// --package does.
    #[arg(long, short = 'p', value_name = "PACKAGE")]
    pub package: Option<String>,
    /// Print the network the configuration builds and its parameter count, then exit.
    #[arg(long)]
    pub summary: bool,
    /// Directory of the primary config (Hydra's --config-path / -cp; default: $DFORCE_CONFIG_DIR,
    /// else ./configs, else the tree this binary was built from).
    #[arg(long, value_name = "DIR")]
    pub config_path: Option<PathBuf>,
    /// Name of the primary config, without .yaml (Hydra's --config-name / -cn; default: config).
    #[arg(long, value_name = "NAME")]
    pub config_name: Option<String>,
    /// A directory added to the config search path, after the primary one (Hydra's
    /// --config-dir / -cd; given twice, the last counts, as in Hydra).
    #[arg(long, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// Hydra's --multirun / -m: refused (dforce runs one job per command line).
    #[arg(long, hide = true)]
    pub multirun: bool,
    /// Hydra-style overrides (see below).
    #[arg(value_name = "OVERRIDES")]
    pub overrides: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CfgPart {
    /// The job configuration (what the tasks see).
    Job,
    /// Hydra's own settings (run directory, …).
    Hydra,
    /// Both: the `hydra` node first, then the job configuration.
    All,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect or convert checkpoints (official Lightning .ckpt or dforce safetensors).
    #[command(subcommand)]
    Ckpt(CkptCommand),
    /// Generate datasets natively (no MuJoCo, no downloads).
    #[command(subcommand)]
    Data(DataCommand),
    /// Drive the native environments.
    #[command(subcommand)]
    Env(EnvCommand),
    /// Time the networks and the training step (compare with scripts/bench_reference.py).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// The shipped models on built-in defaults: the maze2d planner's closed-loop episodes and
    /// the 3D-maze video model's long rollouts, with pictures and GIFs.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the three runs go (`planner/`, `video/`, `forecast/`).
    #[arg(long, default_value = "outputs/demo")]
    pub out: PathBuf,
    /// Planner episodes, planned together.
    #[arg(long, default_value_t = 16)]
    pub episodes: usize,
    /// Video clips rolled out.
    #[arg(long, default_value_t = 2)]
    pub clips: usize,
    #[arg(long)]
    pub skip_planner: bool,
    #[arg(long)]
    pub skip_video: bool,
    /// Sample paths per forecast window of the time-series demo.
    #[arg(long, default_value_t = 100)]
    pub sample_paths: usize,
    #[arg(long)]
    pub skip_forecast: bool,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Seconds per `plan()` of the reference's default planner (df_planning on maze2d-medium:
    /// a 600-frame horizon, pyramid scheduling, goal guidance) for a batch of episodes, with
    /// random weights, as the closed-loop evaluation's first plan of each episode.
    /// `scripts/bench_compare.py` times the reference's `DiffusionForcingPlanning.plan` on the
    /// same shapes.
    Plan {
        /// Episodes planned together (the evaluation's batch).
        #[arg(long, default_value_t = 16)]
        episodes: usize,
        /// DDIM steps (default: the config's `algorithm.diffusion.sampling_timesteps`).
        #[arg(long)]
        sampling_timesteps: Option<usize>,
        /// Timed repetitions after one warm-up.
        #[arg(long, default_value_t = 1)]
        iters: usize,
    },
    /// Forward and forward+backward of the default planning Transformer and Minecraft Unet3D.
    Networks {
        /// Planning windows per batch (61 tokens of 60 values each).
        #[arg(long, default_value_t = 64)]
        planning_batch: usize,
        /// Minecraft clips per batch (10 frames of 3×128×128).
        #[arg(long, default_value_t = 1)]
        video_batch: usize,
        /// Timed repetitions after one warm-up.
        #[arg(long, default_value_t = 3)]
        iters: usize,
        /// Skip the (slow) video network.
        #[arg(long)]
        skip_video: bool,
    },
    /// Frames/s of a video sampler on random weights, rolled out like the reference's validation
    /// step: `--model minecraft` is the reference's default (df_video: Unet3D 128², window 10,
    /// 2 context frames, autoregressive chunks of 1); `--model small` is the shipped small video
    /// model's configuration (df_video_small on video_maze3d_small: 32², window 8, pyramid chunks
    /// of 4, 20 DDIM steps, truly causal, so context caching applies). `scripts/bench_compare.py`
    /// runs the reference on the same shapes.
    SampleVideo {
        /// `minecraft` or `small`.
        #[arg(long, default_value = "minecraft")]
        model: String,
        /// Frames generated after the context, per clip.
        #[arg(long, default_value_t = 2)]
        frames: usize,
        /// DDIM steps per frame (default: the config's — 100 for minecraft, which makes a CPU run
        /// take an hour; time per frame scales linearly with it, so ratios at a smaller value
        /// hold at 100).
        #[arg(long)]
        sampling_timesteps: Option<usize>,
        /// Tokens generated together (default: the config's `algorithm.chunk_size`).
        #[arg(long)]
        chunk_size: Option<i64>,
        /// The sliding window in frames (`dataset.n_frames`; default: the config's).
        #[arg(long)]
        window: Option<usize>,
        /// Run the whole window at every step, as the reference does.
        #[arg(long)]
        no_context_cache: bool,
        #[arg(long, default_value_t = 1)]
        batch: usize,
        /// cpu, auto, vulkan, wgpu, metal or cuda (GPU ones need their build feature).
        #[arg(long, default_value = "cpu")]
        device: String,
        /// Print one JSON object instead of the text line.
        #[arg(long)]
        json: bool,
    },
    /// Clips/s of the video training loader on a TECO-layout dataset (`dforce data video` writes
    /// one), one worker, in the training loader's shuffled order: each clip read alone (as the
    /// reference reads, minus its whole-episode decode) and through the per-worker episode cache.
    VideoData {
        /// Dataset root (holding training/ and validation/).
        #[arg(long)]
        dataset: PathBuf,
        /// `dmlab` (frames in the .npz) or `minecraft` (frames in a sibling .mp4).
        #[arg(long, default_value = "dmlab")]
        kind: String,
        /// Clips read per pass.
        #[arg(long, default_value_t = 2000)]
        clips: usize,
        /// Frames kept per clip (`dataset.n_frames`; a clip spans `n_frames × frame_skip` raw
        /// frames).
        #[arg(long, default_value_t = 16)]
        n_frames: usize,
        /// `dataset.frame_skip`.
        #[arg(long, default_value_t = 2)]
        frame_skip: usize,
        /// `dataset.resolution`.
        #[arg(long, default_value_t = 64)]
        resolution: usize,
        /// The cache's budget (`dataset.episode_cache_mb`).
        #[arg(long, default_value_t = 256)]
        cache_mb: usize,
    },
    /// Steps/s of the default planning training step (loss, backward, AdamW).
    TrainPlanning {
        #[arg(long, default_value_t = 64)]
        batch: usize,
        #[arg(long, default_value_t = 5)]
        steps: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Generate maze2d data with D4RL's waypoint controller, in D4RL's HDF5 layout.
    Maze2d {
        /// Environment id, e.g. maze2d-umaze-v1, maze2d-medium-v1, maze2d-large-v1.
        #[arg(long)]
        env: String,
        /// Steps to record (D4RL: 1,000,000 umaze, 2,000,000 medium, 4,000,000 large; at most
        /// 10,000,000, as the file is encoded in memory: about 230 bytes a step).
        #[arg(long, default_value_t = 1_000_000)]
        steps: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// The .hdf5 file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Render a first-person video world natively, written in the TECO-DMLab layout.
    Video {
        /// The world to render (maze3d: a procedurally generated 3D maze, DMLab's 3 actions).
        #[arg(long, default_value = "maze3d")]
        world: String,
        #[arg(long, default_value_t = 1000)]
        episodes: usize,
        /// Frames per episode (TECO's DMLab: 300).
        #[arg(long, default_value_t = 300)]
        frames: usize,
        /// Square frame size in pixels.
        #[arg(long, default_value_t = 64)]
        resolution: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Share of episodes written to validation/.
        #[arg(long, default_value_t = 0.1)]
        validation_fraction: f64,
        /// Dataset root (gets training/, validation/, metadata.json).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// Replay an (N×2) action array from a state; writes the (N+1)×4 states (float64 .npy).
    Rollout {
        #[arg(long)]
        env: String,
        /// Start position `X,Y`.
        #[arg(long, value_parser = parse_pair)]
        qpos: [f64; 2],
        /// Start velocity `VX,VY`.
        #[arg(long, value_parser = parse_pair, allow_hyphen_values = true)]
        qvel: [f64; 2],
        /// Actions, an (N, 2) .npy of floats, integers or bools (bools as numpy casts them: 0.0/1.0).
        #[arg(long)]
        actions: PathBuf,
        /// Output .npy: row 0 is the start state, row k+1 follows action k.
        #[arg(long)]
        out: PathBuf,
    },
}

fn parse_pair(s: &str) -> Result<[f64; 2], String> {
    let parts: Vec<&str> = s.split(',').collect();
    match parts.as_slice() {
        [a, b] => Ok([
            a.trim()
                .parse()
                .map_err(|_| format!("'{a}' is not a number"))?,
            b.trim()
                .parse()
                .map_err(|_| format!("'{b}' is not a number"))?,
        ]),
        _ => Err(format!(
            "expected two comma-separated numbers like 1.0,2.5, got '{s}'"
        )),
    }
}

#[derive(Debug, Subcommand)]
pub enum CkptCommand {
    /// Say what a checkpoint is: format, algorithm, step, tensors, parameters, implied config.
    Inspect {
        /// A .ckpt (PyTorch Lightning) or .safetensors file.
        file: PathBuf,
    },
    /// Convert an official Lightning .ckpt (or a dforce checkpoint) into a safetensors file with
    /// the same tensor names.
    Convert {
        /// The .ckpt or .safetensors to read.
        input: PathBuf,
        /// The .safetensors file to write (atomically).
        output: PathBuf,
        /// Drop the optimizer moments (`optimizer.*`): a third of the size, enough to sample or
        /// to start a new run with `load=`, not to `resume=`.
        #[arg(long)]
        weights_only: bool,
    },
}

/// Hydra's two-letter short flags (`-cp DIR`, `-cn NAME`, `-cd DIR`) and `-m`, which clap would
/// read as `-c p`, … : rewritten to their long forms before parsing. Only whole arguments
/// before a `--` are rewritten.
pub fn hydra_short_flags(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Vec<std::ffi::OsString> {
    let mut rest = false;
    args.into_iter()
        .map(|a| {
            if rest {
                return a;
            }
            let long = match a.to_str() {
                Some("--") => {
                    rest = true;
                    None
                }
                Some("-cp") => Some("--config-path"),
                Some("-cn") => Some("--config-name"),
                Some("-cd") => Some("--config-dir"),
                Some("-m") => Some("--multirun"),
                _ => None,
            };
            long.map_or(a, std::ffi::OsString::from)
        })
        .collect()
}
