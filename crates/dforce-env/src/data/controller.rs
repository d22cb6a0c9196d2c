//! D4RL's `WaypointController` (`d4rl/pointmaze/waypoint_controller.py`): a PD controller that
//! follows jittered cell waypoints toward the target and reports when the target is reached.

use rand::{Rng, RngCore};

use super::path::CellPlanner;
use crate::maze2d::MazeLayout;

/// Gains and thresholds of the controller (D4RL's defaults in [`Default`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ControllerGains {
    /// Distance under which a waypoint (or the target) counts as reached.
    pub solve_thresh: f64,
    /// Position gain.
    pub p_gain: f64,
    /// Velocity gain (negative: damping).
    pub d_gain: f64,
    /// Bound on the per-call position change for "reached".
    pub vel_thresh: f64,
    /// Each waypoint except the last is moved by `−U(0, 1)·jitter` per axis.
    pub jitter: f64,
}

impl Default for ControllerGains {
    fn default() -> Self {
        Self {
            solve_thresh: 0.1,
            p_gain: 10.0,
            d_gain: -1.0,
            vel_thresh: 0.1,
            jitter: 0.2,
        }
    }
}

/// Python's `int(round(x))` (round half to even) on both coordinates.
pub fn gridify(p: [f64; 2]) -> (i64, i64) {
    (p[0].round_ties_even() as i64, p[1].round_ties_even() as i64)
}

/// The waypoint controller. Holds its path buffers so `action` does not allocate after warm-up.
#[derive(Debug, Clone)]
pub struct WaypointController {
    gains: ControllerGains,
    planner: CellPlanner,
    cells: Vec<(i64, i64)>,
    waypoints: Vec<[f64; 2]>,
    waypoint_idx: usize,
    prev_loc: [f64; 2],
    /// Gridified target the waypoints lead to; `−1000` until the first call, as in D4RL.
    target: [f64; 2],
}

impl WaypointController {
    /// A controller for `layout` with D4RL's gains.
    pub fn new(layout: &MazeLayout) -> Self {
        Self::with_gains(layout, ControllerGains::default())
    }

    /// A controller with explicit gains.
    pub fn with_gains(layout: &MazeLayout, gains: ControllerGains) -> Self {
        Self {
            gains,
            planner: CellPlanner::new(layout),
            cells: Vec::with_capacity(super::path::MAX_PATH_CELLS),
            waypoints: Vec::with_capacity(super::path::MAX_PATH_CELLS),
            waypoint_idx: 0,
            prev_loc: [0.0; 2],
            target: [-1000.0; 2],
        }
    }

    /// The current waypoint list.
    pub fn waypoints(&self) -> &[[f64; 2]] {
        &self.waypoints
    }

    /// `get_action(location, velocity, target)`: returns the clipped action and whether the
    /// target is reached (within 0.1 and moving less than 0.1 per call). `rng` supplies the
    /// waypoint jitter when a new target arrives (D4RL draws it from numpy's global stream).
    pub fn action(
        &mut self,
        location: [f64; 2],
        velocity: [f64; 2],
        target: [f64; 2],
        rng: &mut dyn RngCore,
    ) -> ([f64; 2], bool) {
        let grid_target = gridify(target);
        let gt = [grid_target.0 as f64, grid_target.1 as f64];
        if norm([self.target[0] - gt[0], self.target[1] - gt[1]]) > 1e-3 {
            self.new_target(location, grid_target, rng);
        }
        let g = &self.gains;
        let dist = norm([location[0] - self.target[0], location[1] - self.target[1]]);
        let moved = norm([
            self.prev_loc[0] - location[0],
            self.prev_loc[1] - location[1],
        ]);
        let not_solved = dist >= g.solve_thresh || moved >= g.vel_thresh;
        let next = if not_solved {
            self.waypoints[self.waypoint_idx]
        } else {
            self.target
        };
        let action = [
            g.p_gain * (next[0] - location[0]) + g.d_gain * velocity[0],
            g.p_gain * (next[1] - location[1]) + g.d_gain * velocity[1],
        ];
        let dist_next = norm([location[0] - next[0], location[1] - next[1]]);
        if not_solved && dist_next < g.solve_thresh && moved < g.vel_thresh {
            // D4RL increments unguarded; the last waypoint is the target itself, so reaching it
            // means "solved" and the index never runs past the end. The clamp only makes that
            // invariant explicit.
            self.waypoint_idx = (self.waypoint_idx + 1).min(self.waypoints.len() - 1);
        }
        self.prev_loc = location;
        (
            [action[0].clamp(-1.0, 1.0), action[1].clamp(-1.0, 1.0)],
            !not_solved,
        )
    }

    fn new_target(&mut self, start: [f64; 2], target: (i64, i64), rng: &mut dyn RngCore) {
        let grid_start = gridify(start);
        self.planner.path(grid_start, target, &mut self.cells);
        self.waypoints.clear();
        for &(i, j) in &self.cells {
            let mut w = [i as f64, j as f64];
            if (i, j) != target {
                // D4RL: `waypoint - np.random.uniform(size=(2,)) * 0.2`.
                let u0: f64 = rng.random();
                let u1: f64 = rng.random();
                w[0] -= u0 * self.gains.jitter;
                w[1] -= u1 * self.gains.jitter;
            }
            self.waypoints.push(w);
        }
        if self.waypoints.is_empty() {
            self.waypoints.push([target.0 as f64, target.1 as f64]);
        }
        self.waypoint_idx = 0;
        // D4RL stores the *gridified* start here, so the first "moved" check after a new target
        // compares the ball with its rounded cell.
        self.prev_loc = [grid_start.0 as f64, grid_start.1 as f64];
        self.target = [target.0 as f64, target.1 as f64];
    }
}

fn norm(v: [f64; 2]) -> f64 {
    (v[0] * v[0] + v[1] * v[1]).sqrt()
}
