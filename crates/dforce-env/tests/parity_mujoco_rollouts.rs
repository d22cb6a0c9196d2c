//! Parity of the point-mass port with MuJoCo 4.0: replays the recorded D4RL-frame rollouts
//! (`tests/fixtures/maze2d/maze2d_d4rl_frame_rollouts.npz`, made by the spec's
//! `d4rl_frame_rollout.py`) from `obs[0]` with the recorded actions through `Maze2dEnv`'s step
//! (action clip, qvel clip, one `mj_step`) and compares every state. The rollouts push the ball
//! into walls at speed and slide it along them, so the contact model is exercised.

use std::path::PathBuf;

use dforce_env::maze2d::{Maze2dEnv, Maze2dSpec, RewardType};
use dforce_env::rollouts::load_rollouts;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/maze2d/maze2d_d4rl_frame_rollouts.npz")
}

/// Max |error| of qpos and qvel over a whole open-loop replay.
fn replay(maze: &str, obs: &[[f64; 4]], actions: &[[f64; 2]]) -> (f64, f64, usize) {
    let spec = Maze2dSpec {
        id: "fixture",
        maze: Box::leak(maze.to_owned().into_boxed_str()),
        max_episode_steps: usize::MAX,
        reward: RewardType::Sparse,
    };
    let mut env = Maze2dEnv::from_spec(spec).expect("fixture maze parses");
    env.set_state([obs[0][0], obs[0][1]], [obs[0][2], obs[0][3]]);
    let (mut eq, mut ev, mut contact_steps) = (0.0f64, 0.0f64, 0);
    let mut rows = [dforce_env::maze2d::soft_constraint::SoftRow {
        jac: [0.0; 2],
        aref: 0.0,
        d: 0.0,
    }; dforce_env::maze2d::solver::MAX_ROWS];
    for (k, a) in actions.iter().enumerate() {
        if env.physics().contact_rows(&env.state(), &mut rows) > 0 {
            contact_steps += 1;
        }
        env.step_physics(*a);
        let o = env.obs();
        let want = obs[k + 1];
        eq = eq.max((o[0] - want[0]).abs()).max((o[1] - want[1]).abs());
        ev = ev.max((o[2] - want[2]).abs()).max((o[3] - want[3]).abs());
    }
    (eq, ev, contact_steps)
}

#[test]
fn parity_replay_matches_mujoco_in_every_maze() {
    let rollouts = load_rollouts(fixture()).expect("fixture loads");
    let names: Vec<&str> = rollouts.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["umaze", "medium", "large"]);
    for r in &rollouts {
        assert_eq!(r.actions.len(), 1000);
        let (eq, ev, contacts) = replay(&r.maze, &r.obs, &r.actions);
        println!(
            "{:>6}: max |qpos err| = {eq:.3e}, max |qvel err| = {ev:.3e}, steps in contact = {contacts}",
            r.name
        );
        assert!(contacts > 0, "{}: rollout never touches a wall", r.name);
        assert!(eq <= 0.01, "{}: qpos error {eq} > 0.01", r.name);
    }
}
