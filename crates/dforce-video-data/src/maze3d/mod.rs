//! A native world to learn video from: procedurally generated first-person 3D mazes, rendered in
//! pure Rust by a raycaster and explored by an agent with DMLab's three discrete actions, written
//! as a TECO-DMLab-layout dataset (`training/` and `validation/` `.npz` files with `video`
//! `(T, H, W, 3)` uint8 and `actions` `(T,)`, plus `metadata.json`) that
//! [`crate::VideoDataset`] reads with [`crate::VideoKind::Dmlab`].
//!
//! Every episode has its own maze, wall looks (zones of distinct pattern and colour, plus
//! landmark posters) and floor/ceiling/fog colours, all drawn from a seed derived from the
//! dataset seed and the episode number, so output is reproducible and independent of the number
//! of threads. Floating-point rendering is deterministic on a given platform; `sin`/`exp` from
//! different libms may differ by an ulp across platforms.

pub mod agent;
pub mod episode;
pub mod generate;
pub mod layout;
pub mod render;
pub mod texture;

use dforce_io::npz::NpzCompression;

pub use episode::{Episode, render_episode};
pub use generate::{
    GenerationReport, GenerationSize, MAX_GENERATED_EPISODES, SizeError, check_sizes,
    generate_maze3d, generate_maze3d_with, max_generated_frames,
};

/// Options of the maze world and of the written dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Maze3dConfig {
    /// Frames per episode (TECO DMLab: 300).
    pub frames: usize,
    /// Frame side in pixels (TECO DMLab: 64).
    pub resolution: usize,
    /// Maze side in cells (the block map is `2·cells + 1` tiles).
    pub maze_cells: usize,
    /// Horizontal field of view.
    pub fov_degrees: f32,
    /// Rays and pixels per output pixel side (antialiasing).
    pub supersample: usize,
    /// Forward distance per step, in corridor widths.
    pub move_speed: f32,
    /// Turn steps per quarter turn (10 = 9° per turn action).
    pub turn_steps_per_quarter: u32,
    /// How `.npz` members are stored.
    pub compression: NpzCompression,
    /// Worker threads (0 = all available cores).
    pub threads: usize,
}

impl Default for Maze3dConfig {
    fn default() -> Self {
        Self {
            frames: 300,
            resolution: 64,
            maze_cells: 7,
            fov_degrees: 75.0,
            supersample: 2,
            move_speed: 0.1,
            turn_steps_per_quarter: 10,
            compression: NpzCompression::Deflate { level: 1 },
            threads: 0,
        }
    }
}
