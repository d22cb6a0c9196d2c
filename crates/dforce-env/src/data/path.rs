//! Shortest cell paths for D4RL's waypoint controller.
//!
//! D4RL runs 50 sweeps of tabular Q-iteration (discount 0.99, reward in the target cell) on the
//! gridcraft version of the maze and rolls out the greedy policy, ties going to the first action
//! in gridcraft's order NOOP, UP (0, −1), DOWN (0, +1), LEFT (−1, 0), RIGHT (+1, 0). Q-values are
//! `0.99^distance`, so the greedy move is the neighbour with the smallest BFS distance to the
//! target, with the same tie order; that is what this computes, without the Q table.

use std::collections::VecDeque;

use crate::maze2d::MazeLayout;

/// Gridcraft moves in action order (NOOP first).
pub const MOVES: [(i64, i64); 5] = [(0, 0), (0, -1), (0, 1), (-1, 0), (1, 0)];

/// At most this many cells per path (`max_ts` in D4RL).
pub const MAX_PATH_CELLS: usize = 100;

/// BFS distances to one target cell, reusable across calls without reallocating.
#[derive(Debug, Clone)]
pub struct CellPlanner {
    rows: usize,
    cols: usize,
    free: Vec<bool>,
    dist: Vec<u32>,
    queue: VecDeque<(i64, i64)>,
}

impl CellPlanner {
    /// A planner over the free cells of `layout`.
    pub fn new(layout: &MazeLayout) -> Self {
        let (rows, cols) = (layout.rows(), layout.cols());
        let free = (0..rows * cols)
            .map(|k| layout.is_free((k / cols) as i64, (k % cols) as i64))
            .collect();
        Self {
            rows,
            cols,
            free,
            dist: vec![u32::MAX; rows * cols],
            queue: VecDeque::with_capacity(rows * cols),
        }
    }

    fn index(&self, (i, j): (i64, i64)) -> Option<usize> {
        (i >= 0 && j >= 0 && (i as usize) < self.rows && (j as usize) < self.cols)
            .then(|| i as usize * self.cols + j as usize)
    }

    /// Writes the greedy cell path from `start` to `target` into `out` (cleared first): every
    /// cell entered, ending with `target` unless 100 moves do not reach it.
    pub fn path(&mut self, start: (i64, i64), target: (i64, i64), out: &mut Vec<(i64, i64)>) {
        out.clear();
        self.dist.fill(u32::MAX);
        self.queue.clear();
        if let Some(t) = self.index(target) {
            self.dist[t] = 0;
            self.queue.push_back(target);
        }
        while let Some(c) = self.queue.pop_front() {
            let dc = self.dist[self.index(c).unwrap_or(0)];
            for &(di, dj) in &MOVES[1..] {
                let n = (c.0 + di, c.1 + dj);
                if let Some(k) = self.index(n)
                    && self.free[k]
                    && self.dist[k] == u32::MAX
                {
                    self.dist[k] = dc + 1;
                    self.queue.push_back(n);
                }
            }
        }
        let mut s = start;
        for _ in 0..MAX_PATH_CELLS {
            let mut best = (u32::MAX, 0usize);
            for (a, &(di, dj)) in MOVES.iter().enumerate() {
                let d = self
                    .index((s.0 + di, s.1 + dj))
                    .map_or(u32::MAX, |k| self.dist[k]);
                if d < best.0 {
                    best = (d, a);
                }
            }
            let (di, dj) = MOVES[best.1];
            s = (s.0 + di, s.1 + dj);
            out.push(s);
            if s == target {
                break;
            }
        }
    }
}
