//! The agent: DMLab's three discrete actions acting on a pose (move forward, turn left, turn
//! right), and a random but persistent exploration policy that walks corridors to their end,
//! takes side openings at random, peeks around now and then, and never walks into walls.

use std::collections::VecDeque;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::layout::MazeLayout;
use super::render::{Pose, cast};

/// The three DMLab-style actions, with the ids written to `actions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Action {
    /// Move forward by the agent's speed (0).
    Forward = 0,
    /// Rotate left by one turn step (1).
    TurnLeft = 1,
    /// Rotate right by one turn step (2).
    TurnRight = 2,
}

impl Action {
    fn opposite(self) -> Self {
        match self {
            Self::TurnLeft => Self::TurnRight,
            Self::TurnRight => Self::TurnLeft,
            Self::Forward => Self::Forward,
        }
    }
}

/// Pose kinematics. The heading is kept as an integer number of turn steps so that a quarter
/// turn is exact and the agent walks corridors dead straight.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// x position (tiles).
    pub x: f32,
    /// y position (tiles).
    pub y: f32,
    /// Heading in turn steps (`steps_per_quarter` per 90°).
    pub heading_steps: i32,
    /// Turn steps per quarter turn.
    pub steps_per_quarter: i32,
    /// Forward distance per step (tiles).
    pub speed: f32,
    /// Collision half-width (tiles).
    pub radius: f32,
}

impl Agent {
    /// Heading in radians.
    pub fn heading(&self) -> f32 {
        self.heading_steps as f32 * std::f32::consts::FRAC_PI_2 / self.steps_per_quarter as f32
    }

    /// The camera pose.
    pub fn pose(&self) -> Pose {
        Pose {
            x: self.x,
            y: self.y,
            heading: self.heading(),
        }
    }

    fn blocked(&self, layout: &MazeLayout, x: f32, y: f32) -> bool {
        let r = self.radius;
        [(-r, -r), (r, -r), (-r, r), (r, r)]
            .iter()
            .any(|&(dx, dy)| layout.is_wall((x + dx).floor() as i64, (y + dy).floor() as i64))
    }

    /// Applies `action`. Forward motion slides along walls (each axis is blocked separately), so
    /// the agent never enters a wall.
    pub fn step(&mut self, action: Action, layout: &MazeLayout) {
        match action {
            // The map's y axis points down, so a left turn decreases the heading.
            Action::TurnLeft => self.heading_steps -= 1,
            Action::TurnRight => self.heading_steps += 1,
            Action::Forward => {
                let (sin, cos) = self.heading().sin_cos();
                let (nx, ny) = (self.x + cos * self.speed, self.y + sin * self.speed);
                if !self.blocked(layout, nx, self.y) {
                    self.x = nx;
                }
                if !self.blocked(layout, self.x, ny) {
                    self.y = ny;
                }
            }
        }
        self.heading_steps = self.heading_steps.rem_euclid(4 * self.steps_per_quarter);
    }

    /// Free distance from the agent's centre to the first wall along heading `steps`.
    fn clearance(&self, layout: &MazeLayout, steps: i32) -> f32 {
        let a = steps as f32 * std::f32::consts::FRAC_PI_2 / self.steps_per_quarter as f32;
        let (sin, cos) = a.sin_cos();
        cast(layout, self.x, self.y, cos, sin).dist
    }
}

/// Random exploration with persistence: actions come in committed runs (a quarter or half turn,
/// a peek left-and-back) and otherwise the agent keeps walking forward.
#[derive(Debug, Clone, Default)]
pub struct ExplorationPolicy {
    plan: VecDeque<Action>,
}

/// Chance, at a junction, of turning into an open side corridor.
const P_SIDE: f64 = 0.4;
/// Chance per forward step of a short look around (turn a few steps and back).
const P_PEEK: f64 = 0.025;

impl ExplorationPolicy {
    /// The next action for `agent`.
    pub fn next(&mut self, agent: &Agent, layout: &MazeLayout, rng: &mut ChaCha8Rng) -> Action {
        if let Some(a) = self.plan.pop_front() {
            return a;
        }
        let q = agent.steps_per_quarter;
        let h = agent.heading_steps;
        let side_open = |turn: Action| {
            let s = if turn == Action::TurnLeft {
                h - q
            } else {
                h + q
            };
            agent.clearance(layout, s) > 1.0
        };
        let random_turn = |rng: &mut ChaCha8Rng| {
            if rng.random_bool(0.5) {
                Action::TurnLeft
            } else {
                Action::TurnRight
            }
        };
        // A wall ahead (stop at the cell centre): turn a quarter towards an open side, or half
        // round at a dead end.
        if agent.clearance(layout, h) < 0.5 + agent.speed / 2.0 {
            let (left, right) = (side_open(Action::TurnLeft), side_open(Action::TurnRight));
            let (turn, quarters) = match (left, right) {
                (true, true) => (random_turn(rng), 1),
                (true, false) => (Action::TurnLeft, 1),
                (false, true) => (Action::TurnRight, 1),
                (false, false) => (random_turn(rng), 2),
            };
            self.plan
                .extend(std::iter::repeat_n(turn, (quarters * q) as usize));
            return self.plan.pop_front().unwrap_or(Action::Forward);
        }
        // Passing a cell centre with an open side: sometimes take it.
        let along = if (h / q) % 2 == 0 { agent.x } else { agent.y };
        let at_centre = (along.fract() - 0.5).abs() <= agent.speed / 2.0;
        if h % q == 0 && at_centre && rng.random_bool(P_SIDE) {
            let first = random_turn(rng);
            for turn in [first, first.opposite()] {
                if side_open(turn) {
                    self.plan.extend(std::iter::repeat_n(turn, q as usize));
                    return self.plan.pop_front().unwrap_or(Action::Forward);
                }
            }
        }
        // Look around now and then.
        if rng.random_bool(P_PEEK) {
            let k = rng.random_range(2..=q.max(3) as usize * 2 / 3);
            let turn = random_turn(rng);
            self.plan.extend(std::iter::repeat_n(turn, k));
            self.plan.extend(std::iter::repeat_n(turn.opposite(), k));
            return self.plan.pop_front().unwrap_or(Action::Forward);
        }
        Action::Forward
    }
}
