//! The numbers of D4RL's point-maze MJCF (`point_maze()` in `d4rl/pointmaze/maze_model.py`) and
//! the MuJoCo defaults it leaves unset, gathered in one place so that the physics reads like the
//! model it reproduces.
//!
//! Contacts are frictionless: the MJCF's `<default><geom condim="1">` applies to the ball and
//! the walls, so each wall contact is a single normal row (a condim-3 friction pyramid never
//! arises). The ground plane touches the ball too, but along z, which no joint can move, so it
//! cannot change the state and is not modelled.

use std::f64::consts::PI;

/// `<option timestep="0.01">`; the env uses `frame_skip=1`, so this is also the control period.
pub const TIMESTEP: f64 = 0.01;
/// `<default><joint damping="1">` on both slide joints.
pub const DAMPING: f64 = 1.0;
/// `<motor gear="100">` on both joints.
pub const GEAR: f64 = 100.0;
/// Sphere radius (`size=0.1`).
pub const BALL_RADIUS: f64 = 0.1;
/// Sphere density (`density="1000"`), giving mass 4/3·π·r³·ρ.
pub const DENSITY: f64 = 1000.0;
/// World position of the particle body (`pos=[1.2, 1.2, 0]`); qpos is relative to it.
pub const BODY_OFFSET: f64 = 1.2;
/// Half sizes of a wall box (`size=[0.5, 0.5, 0.2]`).
pub const WALL_HALF: [f64; 3] = [0.5, 0.5, 0.2];
/// Geom margin (`margin="0.002"`). MuJoCo adds both geoms' margins for a contact.
pub const GEOM_MARGIN: f64 = 0.002;
/// MuJoCo's default `solref` (time constant, damping ratio).
pub const SOLREF: [f64; 2] = [0.02, 1.0];
/// MuJoCo's default `solimp` (dmin, dmax, width, midpoint, power).
pub const SOLIMP: [f64; 5] = [0.9, 0.95, 0.001, 0.5, 2.0];
/// MuJoCo's `mjMINVAL`.
pub const MJ_MINVAL: f64 = 1e-15;
/// `MazeEnv.clip_velocity` bound, applied to qvel before every step.
pub const VELOCITY_CLIP: f64 = 5.0;
/// `ctrlrange="-1 1"`; `MazeEnv.step` clips actions to it too.
pub const CTRL_LIMIT: f64 = 1.0;

/// Ball mass, `4/3·π·0.1³·1000 ≈ 4.18879` (MuJoCo's `inertiafromgeom`).
pub fn ball_mass() -> f64 {
    4.0 / 3.0 * PI * BALL_RADIUS.powi(3) * DENSITY
}

/// The per-contact margin MuJoCo uses (`geom_margin[g1] + geom_margin[g2]`): contacts are
/// generated below this distance and the soft constraint is referenced to it.
pub fn contact_margin() -> f64 {
    2.0 * GEOM_MARGIN
}
