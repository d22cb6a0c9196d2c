//! The native maze world: determinism (per episode and for whole datasets, whatever the thread
//! count), the agent's physics and policy, camera conventions, the written layout read back by
//! the DMLab loader, and a PNG contact sheet for a person to look at.

use dforce_video_data::maze3d::agent::{Action, Agent, ExplorationPolicy};
use dforce_video_data::maze3d::layout::MazeLayout;
use dforce_video_data::maze3d::render::{Pose, Renderer, Scene};
use dforce_video_data::maze3d::texture::make_textures;
use dforce_video_data::maze3d::{Maze3dConfig, generate_maze3d_with, render_episode};
use dforce_video_data::{ClipOrder, Split, VideoDataset, VideoDatasetConfig, VideoKind};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn small() -> Maze3dConfig {
    Maze3dConfig {
        frames: 40,
        resolution: 32,
        ..Maze3dConfig::default()
    }
}

#[test]
fn episodes_are_deterministic_and_seed_dependent() {
    let a = render_episode(&small(), 11);
    assert_eq!(a, render_episode(&small(), 11));
    assert_ne!(a.video, render_episode(&small(), 12).video);
    assert_eq!(a.video.len(), 40 * 32 * 32 * 3);
    assert_eq!(a.actions.len(), 40);
    // Frames change as the agent moves, and are not flat.
    let frame = |t: usize| &a.video[t * 3072..(t + 1) * 3072];
    assert_ne!(frame(0), frame(39));
    let (lo, hi) = (
        frame(0).iter().min().unwrap(),
        frame(0).iter().max().unwrap(),
    );
    assert!(hi - lo > 60, "low-contrast frame: {lo}..{hi}");
}

#[test]
fn agent_explores_without_entering_walls() {
    for seed in 0..4u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let layout = MazeLayout::generate(7, 5, 4, &mut rng);
        let (cx, cy) = layout.open_cells()[0];
        let mut agent = Agent {
            x: cx as f32 + 0.5,
            y: cy as f32 + 0.5,
            heading_steps: 0,
            steps_per_quarter: 10,
            speed: 0.1,
            radius: 0.25,
        };
        let mut policy = ExplorationPolicy::default();
        let mut counts = [0usize; 3];
        let mut visited = std::collections::HashSet::new();
        for _ in 0..3000 {
            let a = policy.next(&agent, &layout, &mut rng);
            counts[a as usize] += 1;
            agent.step(a, &layout);
            for (dx, dy) in [(-0.25, -0.25), (0.25, -0.25), (-0.25, 0.25), (0.25, 0.25)] {
                let (tx, ty) = ((agent.x + dx).floor() as i64, (agent.y + dy).floor() as i64);
                assert!(!layout.is_wall(tx, ty), "seed {seed}: agent inside a wall");
            }
            visited.insert((agent.x.floor() as i64, agent.y.floor() as i64));
        }
        assert!(counts.iter().all(|&c| c > 100), "seed {seed}: {counts:?}");
        assert!(counts[Action::Forward as usize] > 1500, "{counts:?}");
        assert!(
            visited.len() > 25,
            "seed {seed}: only {} tiles",
            visited.len()
        );
    }
}

/// Horizontal shift (in pixels) that best maps image `a` onto image `b`.
fn best_shift(a: &[u8], b: &[u8], w: usize, h: usize) -> i64 {
    (-8i64..=8)
        .min_by_key(|&s| {
            let mut err = 0i64;
            for y in 0..h {
                for x in 10..w - 10 {
                    let xs = (x as i64 - s) as usize;
                    for c in 0..3 {
                        let d =
                            i64::from(b[(y * w + x) * 3 + c]) - i64::from(a[(y * w + xs) * 3 + c]);
                        err += d * d;
                    }
                }
            }
            err
        })
        .unwrap()
}

#[test]
fn turning_left_pans_the_view_right() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let layout = MazeLayout::generate(5, 5, 4, &mut rng);
    let (cx, cy) = layout.open_cells()[2];
    let scene = Scene {
        layout,
        textures: make_textures(5, 4, &mut rng),
        floor: [[0.4; 3], [0.3; 3]],
        ceiling: [0.8; 3],
        fog: [0.5; 3],
        fog_distance: 6.0,
    };
    let mut agent = Agent {
        x: cx as f32 + 0.5,
        y: cy as f32 + 0.5,
        heading_steps: 0,
        steps_per_quarter: 10,
        speed: 0.1,
        radius: 0.25,
    };
    let mut r = Renderer::new(64, 64, 1, 75.0);
    let (mut before, mut after) = (vec![0u8; 64 * 64 * 3], vec![0u8; 64 * 64 * 3]);
    r.render(&scene, agent.pose(), &mut before);
    agent.step(Action::TurnLeft, &scene.layout);
    r.render(&scene, agent.pose(), &mut after);
    assert!(best_shift(&before, &after, 64, 64) > 0);
    agent.step(Action::TurnRight, &scene.layout);
    agent.step(Action::TurnRight, &scene.layout);
    r.render(&scene, agent.pose(), &mut after);
    assert!(best_shift(&before, &after, 64, 64) < 0);
    // Poses are used as given.
    let p = Pose {
        x: 1.5,
        y: 1.5,
        heading: 0.0,
    };
    r.render(&scene, p, &mut before);
}

#[test]
fn datasets_are_reproducible_across_thread_counts_and_load_as_dmlab() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    let cfg = |threads| Maze3dConfig {
        frames: 24,
        resolution: 16,
        supersample: 1,
        threads,
        ..Maze3dConfig::default()
    };
    let report = generate_maze3d_with(&one, 5, 42, 0.4, &cfg(1)).unwrap();
    assert_eq!(
        (report.training, report.validation, report.frames),
        (3, 2, 120)
    );
    generate_maze3d_with(&two, 5, 42, 0.4, &cfg(2)).unwrap();
    for rel in [
        "training/ep_000000.npz",
        "training/ep_000002.npz",
        "validation/ep_000004.npz",
        "metadata.json",
    ] {
        assert_eq!(
            std::fs::read(one.join(rel)).unwrap(),
            std::fs::read(two.join(rel)).unwrap(),
            "{rel}"
        );
    }
    assert!(
        generate_maze3d_with(&one, 5, 42, 0.4, &cfg(1)).is_err(),
        "refuses to overwrite"
    );

    let ds_cfg = VideoDatasetConfig {
        n_frames: 8,
        frame_skip: 2,
        resolution: 16,
        clip_order: ClipOrder::Sequential,
        ..VideoDatasetConfig::dmlab()
    };
    let train =
        VideoDataset::open(VideoKind::Dmlab, &one, Split::Training, ds_cfg.clone()).unwrap();
    assert_eq!(train.lengths(), [24, 24, 24]);
    assert_eq!(train.len(), 3 * (24 - 16 + 1));
    let val = VideoDataset::open(VideoKind::Dmlab, &one, Split::Validation, ds_cfg).unwrap();
    let clip = val.item(0).unwrap();
    assert_eq!(clip.shape(), [8, 3, 16, 16]);
    // Matches the episode rendered directly (validation episode 3 is the first in its split).
    let ep = render_episode(
        &cfg(1),
        dforce_video_data::maze3d::generate::episode_seed(42, 3),
    );
    let px = |t: usize, y: usize, x: usize, c: usize| ep.video[((t * 16 + y) * 16 + x) * 3 + c];
    assert_eq!(
        clip.frame(1)[(2 * 16 + 5) * 16 + 7],
        f32::from(px(2, 5, 7, 2)) / 255.0
    );
    assert_eq!(clip.actions[3 + usize::from(ep.actions[2])], 1.0);
    // Kept frame k (raw 2k) is reached by raw actions 2k − 2 and 2k − 1, half each; frame 0 by
    // nothing known.
    assert_eq!(&clip.actions_in[..3], &[0.0; 3]);
    for k in 1..8 {
        let mut expected = [0f32; 3];
        for t in 2 * k - 2..2 * k {
            expected[usize::from(ep.actions[t])] += 0.5;
        }
        assert_eq!(&clip.actions_in[k * 3..k * 3 + 3], &expected, "frame {k}");
    }
}

#[test]
fn contact_sheet_png() {
    let ep = render_episode(
        &Maze3dConfig {
            frames: 48,
            ..Maze3dConfig::default()
        },
        7,
    );
    let r = ep.resolution;
    let (cols, rows) = (12, 4);
    let (w, h) = (cols * r, rows * r);
    let mut sheet = vec![0u8; w * h * 3];
    for t in 0..cols * rows {
        let (ox, oy) = ((t % cols) * r, (t / cols) * r);
        for y in 0..r {
            let src = &ep.video[((t * r + y) * r) * 3..((t * r + y + 1) * r) * 3];
            let dst = ((oy + y) * w + ox) * 3;
            sheet[dst..dst + r * 3].copy_from_slice(src);
        }
    }
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("maze3d_strip.png");
    let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut enc = png::Encoder::new(file, w as u32, h as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()
        .unwrap()
        .write_image_data(&sheet)
        .unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() > 1000);
    eprintln!("contact sheet: {}", path.display());
}

/// Every size is bounded inside the library, before a buffer is allocated: a caller that
/// skips the engine's keyed checks still gets an error, not an allocation failure.
#[test]
fn generation_sizes_are_bounded_before_rendering() {
    let dir = tempfile::tempdir().unwrap();
    let base = Maze3dConfig {
        frames: 2,
        resolution: 8,
        supersample: 1,
        ..Maze3dConfig::default()
    };
    let cases = [
        (
            "frames",
            1,
            Maze3dConfig {
                frames: usize::MAX,
                ..base.clone()
            },
        ),
        (
            "resolution",
            1,
            Maze3dConfig {
                resolution: 1 << 20,
                ..base.clone()
            },
        ),
        (
            "supersample",
            1,
            Maze3dConfig {
                supersample: 1 << 16,
                ..base.clone()
            },
        ),
        (
            "maze_cells",
            1,
            Maze3dConfig {
                maze_cells: usize::MAX / 2,
                ..base.clone()
            },
        ),
        (
            "move_speed",
            1,
            Maze3dConfig {
                move_speed: f32::NAN,
                ..base.clone()
            },
        ),
        ("episodes", usize::MAX, base.clone()),
    ];
    for (what, episodes, cfg) in cases {
        let err = generate_maze3d_with(dir.path(), episodes, 0, 0.1, &cfg)
            .expect_err(what)
            .to_string();
        assert!(err.contains(what), "{what}: {err}");
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing is written for a refused run"
    );
}

fn tiny() -> Maze3dConfig {
    Maze3dConfig {
        frames: 4,
        resolution: 8,
        supersample: 1,
        threads: 1,
        ..Maze3dConfig::default()
    }
}

/// Names in `dir`, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn one_episode_cannot_fill_two_splits_but_fills_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("one");
    for fraction in [0.1, 0.5, 0.9] {
        let err = generate_maze3d_with(&out, 1, 0, fraction, &tiny())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("need at least 2 episodes") && err.contains("one for training"),
            "{err}"
        );
    }
    assert!(listing(dir.path()).is_empty(), "nothing written");
    for (fraction, split) in [(0.0, (1, 0)), (1.0, (0, 1))] {
        let out = dir.path().join(format!("f{fraction}"));
        let r = generate_maze3d_with(&out, 1, 0, fraction, &tiny()).unwrap();
        assert_eq!((r.training, r.validation), split, "{fraction}");
    }
    // Two episodes with a small fraction: one each.
    let r = generate_maze3d_with(dir.path().join("two"), 2, 0, 0.1, &tiny()).unwrap();
    assert_eq!((r.training, r.validation), (1, 1));
}

#[test]
fn generation_renames_a_complete_dataset_into_place() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("maze");
    generate_maze3d_with(&out, 3, 0, 0.4, &tiny()).unwrap();
    // No temporary sibling is left, and the dataset is whole.
    assert_eq!(listing(dir.path()), ["maze"]);
    assert_eq!(listing(&out), ["metadata.json", "training", "validation"]);
    // A directory holding anything is refused, and left as it was.
    let err = generate_maze3d_with(&out, 3, 0, 0.4, &tiny())
        .unwrap_err()
        .to_string();
    assert!(err.contains("already holds .npz files"), "{err}");
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    let err = generate_maze3d_with(&other, 3, 0, 0.4, &tiny())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("is not empty") && err.contains("notes.txt"),
        "{err}"
    );
    assert_eq!(listing(&other), ["notes.txt"]);
    // An empty directory, or one with empty split folders (what older versions left), is used.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(empty.join("training")).unwrap();
    generate_maze3d_with(&empty, 3, 0, 0.4, &tiny()).unwrap();
    assert_eq!(listing(&empty), ["metadata.json", "training", "validation"]);
    assert_eq!(
        listing(dir.path()),
        ["empty", "maze", "other"],
        "no temporary sibling left"
    );
    // Into a parent that does not exist yet.
    generate_maze3d_with(dir.path().join("a/b/c"), 2, 0, 0.5, &tiny()).unwrap();
    assert_eq!(listing(&dir.path().join("a/b")), ["c"]);
}

/// What an interrupted generation of an older version left (episodes in `training/`, no
/// `metadata.json`, no validation) is called incomplete, with what to do, when its empty split
/// is opened, not blamed on a missing TECO download; so is a dataset generated without a
/// validation split.
#[test]
fn an_empty_split_beside_a_full_one_is_called_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("maze");
    generate_maze3d_with(&out, 2, 0, 0.0, &tiny()).unwrap();
    let ds_cfg = VideoDatasetConfig {
        n_frames: 2,
        frame_skip: 1,
        resolution: 8,
        ..VideoDatasetConfig::dmlab()
    };
    for interrupted in [false, true] {
        if interrupted {
            std::fs::remove_file(out.join("metadata.json")).unwrap();
        }
        // Training opens, as the reference opens it; validation says what is wrong.
        VideoDataset::open(VideoKind::Dmlab, &out, Split::Training, ds_cfg.clone()).unwrap();
        let err = VideoDataset::open(VideoKind::Dmlab, &out, Split::Validation, ds_cfg.clone())
            .unwrap_err();
        assert!(
            matches!(err, dforce_video_data::VideoDataError::Incomplete { .. }),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("looks incomplete")
                && msg.contains("validation/ holds no .npz files while training/ holds 2")
                && msg.contains("interrupted generation")
                && msg.contains("validation fraction 0")
                && msg.contains(&format!("Delete {}", out.display()))
                && !msg.contains("TECO"),
            "{msg}"
        );
    }
}
