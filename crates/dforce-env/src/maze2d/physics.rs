//! One `mj_step` of the point-maze model: MuJoCo's Euler integrator with implicit joint damping
//! plus soft frictionless contacts between the ball and the wall boxes.
//!
//! Per step, from `(q, v)` and control `u`:
//! 1. `qfrc_smooth = gear·u − b·v`, `a0 = qfrc_smooth / m`;
//! 2. contacts are detected at `q` and turned into soft rows ([`super::soft_constraint`]);
//! 3. the constraint force `qfrc_constraint` comes from [`super::solver::solve`];
//! 4. Euler with damping integrated implicitly (MuJoCo's `mj_Euler` when a dof has damping):
//!    `v' = v + h·(qfrc_smooth + qfrc_constraint) / (m + h·b)`, `q' = q + h·v'`.
//!
//! In free space this reduces to the closed form of the spec, which matches `mj_step` to 1e-16.

use super::contact::sphere_box;
use super::layout::MazeLayout;
use super::model::{
    BALL_RADIUS, BODY_OFFSET, DAMPING, GEAR, TIMESTEP, WALL_HALF, ball_mass, contact_margin,
};
use super::soft_constraint::{SoftRow, contact_row};
use super::solver::{MAX_ROWS, solve};

/// Position and velocity of the two slide joints.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PointState {
    /// `qpos = (x, y)`: row and column coordinates in D4RL's frame.
    pub qpos: [f64; 2],
    /// `qvel`.
    pub qvel: [f64; 2],
}

/// The point mass in one maze. Immutable after construction; stepping is allocation-free.
#[derive(Debug, Clone)]
pub struct PointMassPhysics {
    layout: MazeLayout,
    mass: f64,
    margin: f64,
}

impl PointMassPhysics {
    /// Physics for the walls of `layout`.
    pub fn new(layout: MazeLayout) -> Self {
        Self {
            layout,
            mass: ball_mass(),
            margin: contact_margin(),
        }
    }

    /// The maze whose walls are simulated.
    pub fn layout(&self) -> &MazeLayout {
        &self.layout
    }

    /// Ball mass (kg).
    pub fn mass(&self) -> f64 {
        self.mass
    }

    /// Collects the soft contact rows at `state` into `rows`, returning how many were written.
    /// Only the wall boxes around the ball can be within reach (radius + margin < 0.5).
    pub fn contact_rows(&self, state: &PointState, rows: &mut [SoftRow; MAX_ROWS]) -> usize {
        let world = [
            state.qpos[0] + BODY_OFFSET,
            state.qpos[1] + BODY_OFFSET,
            0.0,
        ];
        let reach = BALL_RADIUS + self.margin;
        // Box (w, h) spans [w + 0.5, w + 1.5] in world x (likewise y).
        let w_lo = (world[0] - 1.5 - reach).floor() as i64;
        let w_hi = (world[0] - 0.5 + reach).floor() as i64;
        let h_lo = (world[1] - 1.5 - reach).floor() as i64;
        let h_hi = (world[1] - 0.5 + reach).floor() as i64;
        let diag_approx = 1.0 / self.mass; // body_invweight0 of the ball; walls are static (0).
        let mut n = 0;
        for w in w_lo..=w_hi {
            for h in h_lo..=h_hi {
                if !self.layout.is_wall(w, h) || n == MAX_ROWS {
                    continue;
                }
                let center = [w as f64 + 1.0, h as f64 + 1.0, 0.0];
                if let Some(c) = sphere_box(world, BALL_RADIUS, center, WALL_HALF, self.margin) {
                    // Relative velocity of box w.r.t. sphere along the normal: J = −n (x, y).
                    let jac = [-c.normal[0], -c.normal[1]];
                    if jac == [0.0, 0.0] {
                        continue; // a ±z face normal: no effect on the slide joints.
                    }
                    let vel = jac[0] * state.qvel[0] + jac[1] * state.qvel[1];
                    rows[n] = contact_row(jac, c.dist, self.margin, vel, diag_approx);
                    n += 1;
                }
            }
        }
        n
    }

    /// Advances `state` by one MuJoCo step under control `ctrl` (already within ctrlrange).
    pub fn step(&self, state: &mut PointState, ctrl: [f64; 2]) {
        let m = self.mass;
        let smooth = [
            GEAR * ctrl[0] - DAMPING * state.qvel[0],
            GEAR * ctrl[1] - DAMPING * state.qvel[1],
        ];
        let mut rows = [SoftRow {
            jac: [0.0; 2],
            aref: 0.0,
            d: 0.0,
        }; MAX_ROWS];
        let n = self.contact_rows(state, &mut rows);
        let constraint = if n == 0 {
            [0.0, 0.0]
        } else {
            solve([m, m], [smooth[0] / m, smooth[1] / m], &rows[..n])
        };
        let denom = m + TIMESTEP * DAMPING;
        for k in 0..2 {
            let qacc = (smooth[k] + constraint[k]) / denom;
            state.qvel[k] += TIMESTEP * qacc;
            state.qpos[k] += TIMESTEP * state.qvel[k];
        }
    }
}
