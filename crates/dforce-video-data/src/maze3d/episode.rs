//! One episode: a fresh maze and look, the agent dropped at a random cell facing along a
//! corridor axis, then `frames` rendered frames with the action taken after each.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::Maze3dConfig;
use super::agent::{Agent, ExplorationPolicy};
use super::layout::MazeLayout;
use super::render::{Renderer, Scene};
use super::texture::make_textures;

/// Distinct looks (pattern and colour) per maze.
const ZONES: usize = 5;
/// Landmark tiles per maze.
const LANDMARKS: usize = 4;

/// A rendered episode in the DMLab layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Episode {
    /// Frames, `(frames, resolution, resolution, 3)` RGB bytes.
    pub video: Vec<u8>,
    /// `actions[t]` is the action taken after frame `t` (it leads to frame `t + 1`):
    /// 0 forward, 1 turn left, 2 turn right.
    pub actions: Vec<u8>,
    /// Number of frames.
    pub frames: usize,
    /// Frame side in pixels.
    pub resolution: usize,
}

/// A random scene: maze, textures, and floor/ceiling/fog colours.
fn make_scene(config: &Maze3dConfig, rng: &mut ChaCha8Rng) -> Scene {
    let layout = MazeLayout::generate(config.maze_cells, ZONES, LANDMARKS, rng);
    let textures = make_textures(ZONES, LANDMARKS, rng);
    let tint = |rng: &mut ChaCha8Rng, lo: f32, hi: f32| -> [f32; 3] {
        let base = rng.random_range(lo..hi);
        std::array::from_fn(|_| (base + rng.random_range(-0.06..0.06)).clamp(0.0, 1.0))
    };
    let floor = tint(rng, 0.3, 0.45);
    let ceiling = tint(rng, 0.72, 0.9);
    let fog = tint(rng, 0.5, 0.62);
    Scene {
        layout,
        textures,
        floor: [floor, [floor[0] * 0.78, floor[1] * 0.78, floor[2] * 0.78]],
        ceiling,
        fog,
        fog_distance: rng.random_range(4.5..7.0),
    }
}

/// Renders the episode determined by `seed` (independent of any other episode, so generation
/// can run in parallel and still be reproducible).
pub fn render_episode(config: &Maze3dConfig, seed: u64) -> Episode {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let scene = make_scene(config, &mut rng);
    let cells = scene.layout.open_cells();
    let (cx, cy) = cells[rng.random_range(0..cells.len())];
    let q = config.turn_steps_per_quarter.max(1) as i32;
    let mut agent = Agent {
        x: cx as f32 + 0.5,
        y: cy as f32 + 0.5,
        heading_steps: rng.random_range(0..4) * q,
        steps_per_quarter: q,
        speed: config.move_speed,
        radius: 0.25,
    };
    let mut policy = ExplorationPolicy::default();
    let res = config.resolution;
    let frame_bytes = res * res * 3;
    let mut renderer = Renderer::new(res, res, config.supersample, config.fov_degrees);
    let mut video = vec![0u8; config.frames * frame_bytes];
    let mut actions = Vec::with_capacity(config.frames);
    for frame in video.chunks_exact_mut(frame_bytes) {
        renderer.render(&scene, agent.pose(), frame);
        let action = policy.next(&agent, &scene.layout, &mut rng);
        agent.step(action, &scene.layout);
        actions.push(action as u8);
    }
    Episode {
        video,
        actions,
        frames: config.frames,
        resolution: res,
    }
}
