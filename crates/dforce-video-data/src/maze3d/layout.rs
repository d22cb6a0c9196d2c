//! The maze: a perfect maze carved by a randomised depth-first search on a grid of cells, opened
//! up with extra loops and a room or two (so the agent's paths cross and revisit places, as in
//! DMLab's mazes), then divided into appearance zones so different places look different.

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;

/// A block map: `(2·cells + 1)²` unit tiles, each a wall block or open floor. Open cells sit at
/// odd tile coordinates; the tiles between them are walls or carved passages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MazeLayout {
    /// Tiles per side.
    pub size: usize,
    /// `walls[y·size + x]`: the tile is a solid block.
    pub walls: Vec<bool>,
    /// Appearance (zone or landmark id) of each wall tile; meaningless for open tiles.
    pub appearance: Vec<u8>,
}

impl MazeLayout {
    /// Carves a maze of `cells × cells` (≥ 2) and assigns `zones` appearance ids (plus
    /// `landmarks` single-tile landmark ids after them).
    pub fn generate(cells: usize, zones: usize, landmarks: usize, rng: &mut ChaCha8Rng) -> Self {
        let cells = cells.max(2);
        let size = 2 * cells + 1;
        let mut walls = vec![true; size * size];
        let idx = |cx: usize, cy: usize| (2 * cy + 1) * size + 2 * cx + 1;

        // Randomised depth-first search (iterative backtracker).
        let mut visited = vec![false; cells * cells];
        let start = (rng.random_range(0..cells), rng.random_range(0..cells));
        let mut stack = vec![start];
        visited[start.1 * cells + start.0] = true;
        walls[idx(start.0, start.1)] = false;
        while let Some(&(cx, cy)) = stack.last() {
            let mut next = neighbours(cx, cy, cells);
            next.retain(|&(nx, ny)| !visited[ny * cells + nx]);
            let Some(&(nx, ny)) = next.choose(rng) else {
                stack.pop();
                continue;
            };
            visited[ny * cells + nx] = true;
            walls[idx(nx, ny)] = false;
            walls[(cy + ny + 1) * size + (cx + nx + 1)] = false;
            stack.push((nx, ny));
        }

        // Loops: knock out about a sixth of the remaining interior walls between cells.
        let mut between: Vec<usize> = (1..size - 1)
            .flat_map(|y| (1..size - 1).map(move |x| (x, y)))
            .filter(|&(x, y)| (x + y) % 2 == 1 && walls[y * size + x])
            .map(|(x, y)| y * size + x)
            .collect();
        between.shuffle(rng);
        for &t in between.iter().take(between.len() / 6) {
            walls[t] = false;
        }

        // A room: a 2×2-cell block (3×3 tiles) opened completely.
        let room_x = rng.random_range(0..cells - 1);
        let room_y = rng.random_range(0..cells - 1);
        for y in 2 * room_y + 1..=2 * room_y + 3 {
            for x in 2 * room_x + 1..=2 * room_x + 3 {
                walls[y * size + x] = false;
            }
        }

        let appearance = assign_appearance(&walls, size, zones.max(1), landmarks, rng);
        Self {
            size,
            walls,
            appearance,
        }
    }

    /// Whether tile `(x, y)` is solid (outside the map counts as solid).
    pub fn is_wall(&self, x: i64, y: i64) -> bool {
        if x < 0 || y < 0 || x as usize >= self.size || y as usize >= self.size {
            return true;
        }
        self.walls[y as usize * self.size + x as usize]
    }

    /// Centres of all open tiles that are cell centres (odd coordinates).
    pub fn open_cells(&self) -> Vec<(usize, usize)> {
        (1..self.size)
            .step_by(2)
            .flat_map(|y| (1..self.size).step_by(2).map(move |x| (x, y)))
            .filter(|&(x, y)| !self.walls[y * self.size + x])
            .collect()
    }
}

fn neighbours(cx: usize, cy: usize, cells: usize) -> Vec<(usize, usize)> {
    let mut n = Vec::with_capacity(4);
    if cx > 0 {
        n.push((cx - 1, cy));
    }
    if cy > 0 {
        n.push((cx, cy - 1));
    }
    if cx + 1 < cells {
        n.push((cx + 1, cy));
    }
    if cy + 1 < cells {
        n.push((cx, cy + 1));
    }
    n
}

/// Zones: each wall tile takes the id of its nearest zone anchor (anchors spread at random), so
/// the maze splits into a few contiguous regions of distinct look. Then `landmarks` random wall
/// tiles facing open floor get unique ids `zones..zones + landmarks`.
fn assign_appearance(
    walls: &[bool],
    size: usize,
    zones: usize,
    landmarks: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<u8> {
    let anchors: Vec<(f32, f32)> = (0..zones)
        .map(|_| {
            (
                rng.random_range(0.0..size as f32),
                rng.random_range(0.0..size as f32),
            )
        })
        .collect();
    let mut appearance: Vec<u8> = (0..size * size)
        .map(|t| {
            let (x, y) = ((t % size) as f32 + 0.5, (t / size) as f32 + 0.5);
            anchors
                .iter()
                .enumerate()
                .map(|(i, &(ax, ay))| (i, (x - ax).powi(2) + (y - ay).powi(2)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(0, |(i, _)| i as u8)
        })
        .collect();
    let mut facing: Vec<usize> = (0..size * size)
        .filter(|&t| {
            let (x, y) = (t % size, t / size);
            walls[t]
                && [(0, 1), (2, 1), (1, 0), (1, 2)].iter().any(|&(dx, dy)| {
                    let (nx, ny) = ((x + dx).wrapping_sub(1), (y + dy).wrapping_sub(1));
                    nx < size && ny < size && !walls[ny * size + nx]
                })
        })
        .collect();
    facing.shuffle(rng);
    for (k, &t) in facing.iter().take(landmarks).enumerate() {
        appearance[t] = (zones + k) as u8;
    }
    appearance
}
