//! D4RL maze2d: layouts, registrations, the point-mass physics (a port of the MuJoCo model
//! D4RL uses, walls included) and the gym-style environment on top.

pub mod contact;
pub mod env;
pub mod environment;
pub mod layout;
pub mod model;
pub mod physics;
pub mod registry;
pub mod soft_constraint;
pub mod solver;
pub mod vec_env;

pub use env::{Maze2dEnv, Obs, sample_location};
pub use environment::{Environment, StepResult};
pub use layout::{Cell, MazeLayout};
pub use physics::{PointMassPhysics, PointState};
pub use registry::{Maze2dSpec, RewardType, SPECS, d4rl_file_name, lookup};
pub use vec_env::Maze2dVecEnv;
