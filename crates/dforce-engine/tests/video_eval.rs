//! The video algorithm as a library, through the `Algorithm` seam (no binary): a tiny
//! action-conditioned Unet3D on the numpy-written DMLab fixture trains two steps with the
//! generic training task, which leaves a checkpoint and the training-curve picture; the
//! evaluation rolls out past the training length and writes metrics, the per-frame CSV, the
//! charts and the rollout GIF.

use std::path::Path;

use burn::tensor::Device;
use dforce_config::compose;
use dforce_engine::algorithm::{Algorithm, Stage, TaskContext, tasks};
use dforce_engine::distributed::job::Parallel;
use dforce_engine::video::Video;
use dforce_engine::{RunSettings, Task};

fn config(root: &Path) -> dforce_config::Value {
    let mut overrides = dforce_fixtures::tiny_video_overrides("video_dmlab", root, 16, 3);
    overrides.extend(
        [
            "dataset.validation_multiplier=2",
            "experiment.training.max_steps=2",
            "experiment.training.batch_size=2",
            "experiment.training.data.num_workers=0",
            "experiment.validation.val_every_n_step=null",
            "experiment.validation.batch_size=1",
            "experiment.test.batch_size=1",
        ]
        .map(String::from),
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
    compose(&dir, &overrides).unwrap().resolve_job().unwrap()
}

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let info = decoder.read_info().unwrap().info().clone();
    (info.width, info.height)
}

#[test]
fn video_trains_and_evaluates_as_a_library() {
    let (data, root) = dforce_fixtures::video_dataset_copy("dmlab").unwrap();
    let cfg = config(&root);
    let settings = RunSettings::from_config(&cfg).unwrap();
    let run_dir = data.path().join("run");
    let parallel = Parallel::single();
    let ctx = TaskContext {
        cfg: &cfg,
        settings: &settings,
        run_dir: &run_dir,
        device: Device::flex(),
        resume: None,
        load: None,
        parallel: &parallel,
        said: Default::default(),
    };

    tasks::run_task::<Video>(&ctx, Task::Training).unwrap();
    assert!(dforce_engine::checkpoint::latest(&run_dir).is_some());
    let curves = run_dir.join("media/training_curves.png");
    assert_eq!(png_size(&curves).0, 900);

    // Evaluate freshly built weights at a made-up step, as the `test` stage.
    let video = Video::settings(ctx.cfg, ctx.settings).unwrap();
    let model = Video::build_model(&ctx, &video, &ctx.device).unwrap();
    let line = Video::evaluate(&ctx, &video, &model, 7, Stage::Test)
        .unwrap()
        .summary;
    // 2 context frames + 6 generated = 8 frames: twice the 4-frame training window.
    assert!(line.contains("test: 1 clips, 6 frames generated"), "{line}");

    let metrics = std::fs::read_to_string(run_dir.join("metrics.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(metrics.lines().last().unwrap()).unwrap();
    assert_eq!(last["step"], 7);
    for key in ["test/psnr", "test/ssim", "test/frames_per_second"] {
        assert!(
            last[key].as_f64().is_some_and(f64::is_finite),
            "{key}: {last}"
        );
    }

    let media = run_dir.join("media");
    let csv = std::fs::read_to_string(media.join("test_per_frame.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "frame,psnr_db,ssim,clips");
    assert_eq!(rows.len(), 1 + 6, "{csv}");
    assert!(
        rows[1].starts_with("2,") && rows[6].starts_with("7,"),
        "{csv}"
    );
    for chart in [
        "test_stability",
        "test_psnr_per_frame",
        "test_ssim_per_frame",
    ] {
        assert_eq!(png_size(&media.join(format!("{chart}.png"))), (800, 450));
    }
    let gif = std::fs::read(media.join("test_video_0.gif")).unwrap();
    assert_eq!(&gif[..6], b"GIF89a");
}
