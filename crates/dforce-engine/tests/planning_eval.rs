//! Closed-loop evaluation end to end: a tiny random planner in umaze, two short episodes.

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use dforce_config::compose;
use dforce_core::Diffusion;
use dforce_engine::DiffusionSettings;
use dforce_engine::planning::{
    Controller, EvalOptions, PlanningLayout, PlanningModel, ValidationJob, run_closed_loop,
    validate_planning,
};
use dforce_engine::plot::decode_png;

fn config(extra: &[&str]) -> dforce_config::Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
    let overrides: Vec<String> = [
        "experiment=exp_planning",
        "algorithm=df_planning",
        "dataset=maze2d_umaze",
        "algorithm.diffusion.architecture.network_size=16",
        "algorithm.diffusion.architecture.num_layers=1",
        "algorithm.diffusion.architecture.dim_feedforward=16",
        "algorithm.diffusion.sampling_timesteps=10",
        "algorithm.open_loop_horizon=4",
        "experiment.validation.batch_size=2",
        "+experiment.validation.max_steps=10",
        "+name=t",
    ]
    .iter()
    .chain(extra)
    .map(|s| s.to_string())
    .collect();
    compose(&dir, &overrides).unwrap().job.resolved().unwrap()
}

fn model(cfg: &dforce_config::Value, device: &Device) -> PlanningModel {
    device.seed(7);
    let layout = PlanningLayout::from_config(cfg).unwrap();
    let diffusion = Diffusion::new(DiffusionSettings::from_config(cfg).unwrap().diffusion).unwrap();
    let network = dforce_engine::networks::planning_transformer(cfg, &layout).unwrap();
    PlanningModel::new(layout, diffusion, &network, device).unwrap()
}

#[test]
fn validation_writes_finite_metrics_and_pictures() {
    let started = Instant::now();
    let cfg = config(&[]);
    let device = Device::flex();
    let model = model(&cfg, &device);
    let options = EvalOptions::from_config(&cfg, 3).unwrap();
    assert_eq!(options.episodes, 2);
    assert_eq!(options.max_steps, Some(10));
    assert_eq!(options.guidance_scale, 2.0);
    let dir = tempfile::tempdir().unwrap();
    let summary = validate_planning(
        ValidationJob {
            run_dir: dir.path(),
            step: 20,
            options,
            device: device.clone(),
            quiet: true,
        },
        &model,
    )
    .unwrap();
    let r = &summary.rollouts;
    assert_eq!(r.controller, Controller::DiffusedActions);
    assert_eq!((r.steps, r.replans), (10, 3)); // 4 + 4 + 2 steps
    assert_eq!(r.paths[0].len(), 11);
    assert_eq!(r.first_plans[0].len(), 10);
    for k in [
        "episode_reward",
        "episode_reward_if_stay",
        "success_rate",
        "steps_before_first_reach",
        "normalized_score",
    ] {
        let v = summary.metrics[&format!("validation/{k}")];
        assert!(v.is_finite(), "{k} = {v}");
    }
    // metrics.jsonl holds one line with the step of the weights and the namespaced keys.
    let line = std::fs::read_to_string(dir.path().join("metrics.jsonl")).unwrap();
    let json: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(json["step"], 20);
    assert!(json["validation/episode_reward"].is_number());
    // Pictures: a plan and an interaction PNG per episode, and the MPC animation.
    let media = dir.path().join("media");
    for name in [
        "validation_plan_sample_0.png",
        "validation_plan_sample_1.png",
        "validation_interaction_sample_0.png",
        "validation_interaction_sample_1.png",
    ] {
        let img = decode_png(&std::fs::read(media.join(name)).unwrap()).unwrap();
        assert!(img.width() > 50 && img.height() > 50, "{name}");
    }
    let gif = std::fs::read(media.join("validation_mpc_episode_0.gif")).unwrap();
    assert_eq!(&gif[..6], b"GIF89a");
    assert_eq!(summary.media.len(), 5);
    // TensorBoard got the scalars and images.
    let events: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("events.out"))
        .collect();
    assert_eq!(events.len(), 1);
    let bytes = std::fs::read(events[0].path()).unwrap();
    let contains = |s: &[u8]| bytes.windows(s.len()).any(|w| w == s);
    assert!(contains(b"validation/episode_reward"));
    assert!(contains(b"validation_interaction/sample_1"));
    assert!(summary.one_line().contains("episode_reward"));
    eprintln!("took {:.2} s", started.elapsed().as_secs_f64());
}

#[test]
fn without_actions_the_pd_controller_drives_and_runs_are_reproducible() {
    let cfg = config(&[
        "dataset.action_mean=[]",
        "dataset.action_std=[]",
        "algorithm.guidance_scale=0",
        "algorithm.reference_compat.pd_controller=true",
    ]);
    let device = Device::flex();
    let model = model(&cfg, &device);
    let mut options = EvalOptions::from_config(&cfg, 1).unwrap();
    options.pictures = 0;
    options.animate = false;
    assert_eq!(options.namespace(), "validation_no_guidance_random_walk");
    let a = run_closed_loop(&model, &options, &device, &mut |_, _| {}).unwrap();
    assert!(matches!(a.controller, Controller::Pd(_)));
    assert!(a.paths.is_empty() && a.first_plans.is_empty());
    let b = run_closed_loop(&model, &options, &device, &mut |_, _| {}).unwrap();
    assert_eq!(a.episodes, b.episodes);

    // Episodes longer than the model can plan are refused, not truncated silently.
    options.max_steps = Some(301);
    let err = run_closed_loop(&model, &options, &device, &mut |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("1..=300"), "{err}");
}

/// A stand-in network whose x0 prediction is its input (the model's objective is pred_x0):
/// then ∂x̂0/∂x is the identity and the guidance gradient is the objective's own gradient,
/// so its direction is known. (A random network's Jacobian would scramble it.)
struct Identity;

impl dforce_core::Denoiser<3> for Identity {
    fn denoise(
        &self,
        x: burn::tensor::Tensor<3>,
        _levels: burn::tensor::Tensor<2, burn::tensor::Int>,
        _cond: Option<burn::tensor::Tensor<3>>,
    ) -> Result<burn::tensor::Tensor<3>, dforce_core::DenoiseError> {
        Ok(x)
    }
}

/// Goal guidance flows through `plan()` with a model on the plain device: guided plans end up
/// clearly closer to the goal than unguided ones.
#[test]
fn goal_guidance_pulls_plans_towards_the_goal() {
    use dforce_core::SeededNoise;
    use dforce_engine::planning::PlanRequest;
    let cfg = config(&[]);
    let device = Device::flex();
    let model = model(&cfg, &device);
    let b = 4;
    let start: Vec<f32> = (0..b).flat_map(|_| [3.0f32, 3.0, 0.0, 0.0]).collect();
    let goal: Vec<f32> = (0..b).flat_map(|_| [1.0f32, 1.0, 0.0, 0.0]).collect();
    let distance = |scale: f64, causal: bool| {
        let mut layout = model.layout.clone();
        layout.causal = causal;
        let plan = layout
            .plan(
                &model.diffusion,
                &Identity,
                PlanRequest {
                    start: &start,
                    goal: &goal,
                    horizon: 20,
                    scheduling: dforce_core::SchedulingKind::Pyramid,
                    trapezoid: dforce_core::TrapezoidMode::Correct,
                    uncertainty_scale: 1.0,
                    guidance_scale: scale,
                    guidance_batch: Default::default(),
                },
                &mut SeededNoise::new(1),
                &device,
            )
            .unwrap();
        let v: Vec<f32> = layout.unnormalize(plan).into_data().try_into_vec().unwrap();
        let c = model.layout.frame_dim();
        let frames = v.len() / c;
        v.chunks_exact(c)
            .map(|f| ((f[0] - 1.0).powi(2) + (f[1] - 1.0).powi(2)).sqrt())
            .sum::<f32>()
            / frames as f32
    };
    // Per-episode guidance (the default) at scale 64 pushes each of these 4 episodes as the
    // reference's batch mean does at scale 2 (64 / 128 = 2 / 4).
    let (free, guided) = (distance(0.0, false), distance(64.0, false));
    eprintln!("mean distance to the goal: unguided {free}, guided {guided}");
    assert!(guided < 0.8 * free, "guided {guided} vs unguided {free}");
    // A causal model's plan is not padded to the window; its guidance covers the plan's own
    // window (this used to panic on mismatched shapes, `20 != 30`).
    let (free, guided) = (distance(0.0, true), distance(64.0, true));
    eprintln!("causal: unguided {free}, guided {guided}");
    assert!(
        guided < 0.8 * free,
        "causal: guided {guided} vs unguided {free}"
    );
}
