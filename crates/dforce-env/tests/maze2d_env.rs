//! Behaviour of the maze2d environment beyond the MuJoCo replay: the free-space closed form,
//! wall resting position, clipping, resets, rewards, time limits, layouts and the batched env.

use dforce_env::EnvError;
use dforce_env::maze2d::{Environment, Maze2dEnv, Maze2dVecEnv, MazeLayout, SPECS, model};

#[test]
fn free_space_step_is_the_closed_form() {
    let mut env = Maze2dEnv::new("maze2d-large-v1").unwrap();
    // Centre of open cell (3, 3), far from walls.
    env.set_state([2.8, 2.8], [0.3, -0.7]);
    env.step_physics([0.4, -0.9]);
    let (h, b, m, g) = (
        model::TIMESTEP,
        model::DAMPING,
        model::ball_mass(),
        model::GEAR,
    );
    let v = [
        0.3 + h * (g * 0.4 - b * 0.3) / (m + h * b),
        -0.7 + h * (g * -0.9 + b * 0.7) / (m + h * b),
    ];
    let o = env.obs();
    assert!((o[2] - v[0]).abs() < 1e-15 && (o[3] - v[1]).abs() < 1e-15);
    assert!((o[0] - (2.8 + h * v[0])).abs() < 1e-15 && (o[1] - (2.8 + h * v[1])).abs() < 1e-15);
    assert!((m - 4.188_790_204_786_391).abs() < 1e-12);
}

#[test]
fn ball_pushed_into_a_wall_rests_at_mujocos_soft_contact_depth() {
    // Spec §1.3: in umaze cell (3, 1) the free x range is [2.4034, 3.1966].
    let mut env = Maze2dEnv::new("maze2d-umaze-v1").unwrap();
    env.set_state([3.0, 1.0], [0.0, 0.0]);
    for _ in 0..400 {
        env.step_physics([1.0, 0.0]);
    }
    assert!((env.obs()[0] - 3.1966).abs() < 5e-5, "{}", env.obs()[0]);
    for _ in 0..400 {
        env.step_physics([-1.0, 0.0]);
    }
    assert!((env.obs()[0] - 2.4034).abs() < 5e-5, "{}", env.obs()[0]);
}

#[test]
fn actions_and_velocities_are_clipped_like_d4rl() {
    let mut a = Maze2dEnv::new("maze2d-large-v1").unwrap();
    let mut b = a.clone();
    a.set_state([2.8, 2.8], [9.0, -9.0]);
    b.set_state([2.8, 2.8], [5.0, -5.0]);
    a.step_physics([7.0, -3.0]);
    b.step_physics([1.0, -1.0]);
    assert_eq!(a.obs(), b.obs());
}

#[test]
fn reset_is_seeded_and_lands_near_a_free_cell() {
    let mut env = Maze2dEnv::new("maze2d-medium-v1").unwrap();
    let o1 = env.reset_seeded(11);
    assert_eq!(env.last_seed(), Some(11));
    let o2 = env.reset_seeded(11);
    assert_eq!(o1, o2);
    for seed in 0..200 {
        let o = env.reset_seeded(seed);
        let (i, j) = (o[0].round() as i64, o[1].round() as i64);
        assert!(env.layout().is_free(i, j), "{o:?}");
        assert!((o[0] - i as f64).abs() <= 0.1 && (o[1] - j as f64).abs() <= 0.1);
        assert!(o[2].abs() < 0.6 && o[3].abs() < 0.6);
    }
}

#[test]
fn sparse_reward_and_time_limit() {
    let mut env = Maze2dEnv::new("maze2d-umaze-v1").unwrap();
    assert_eq!(env.target(), [1.0, 1.0]);
    env.reset_seeded(0);
    env.set_state([1.0, 1.3], [0.0, 0.0]);
    let r = env.step([0.0, 0.0]);
    assert_eq!(r.reward, 1.0);
    assert!(!r.terminated && !r.truncated);
    env.set_state([3.0, 3.0], [0.0, 0.0]);
    let mut last = env.step([0.0, 0.0]);
    assert_eq!(last.reward, 0.0);
    for _ in 3..300 {
        last = env.step([0.0, 0.0]);
        assert!(!last.truncated);
    }
    last = env.step([0.0, 0.0]);
    assert!(last.truncated && last.done());
    let dense = Maze2dEnv::new("maze2d-umaze-dense-v1").unwrap();
    assert!((dense.reward_at([1.0, 2.0]) - (-1.0f64).exp()).abs() < 1e-15);
}

#[test]
fn registrations_and_layouts() {
    for (id, steps, goal) in [
        ("maze2d-umaze-v1", 300, (1, 1)),
        ("maze2d-medium-v1", 600, (6, 6)),
        ("maze2d-large-v1", 800, (7, 9)),
        ("maze2d-eval-umaze-v1", 300, (1, 3)),
        ("maze2d-eval-medium-v1", 600, (1, 6)),
        ("maze2d-eval-large-v1", 800, (1, 9)),
    ] {
        let env = Maze2dEnv::new(id).unwrap();
        assert_eq!(env.spec().max_episode_steps, steps);
        assert_eq!(env.layout().goal_location(), Some(goal), "{id}");
    }
    for s in SPECS {
        MazeLayout::parse(s.maze).unwrap();
    }
    let err = Maze2dEnv::new("maze2d-huge-v1").unwrap_err();
    assert!(matches!(err, EnvError::UnknownEnv(_)));
    // The message lists every registered id, so a typo is fixable from it.
    let msg = err.to_string();
    assert!(
        msg.starts_with("unknown maze2d env id \"maze2d-huge-v1\"; the registered ids"),
        "{msg}"
    );
    for s in SPECS {
        assert!(msg.contains(s.id), "{msg}");
    }
    for bad in ["##\\#", "#X#", "#GG#", "###"] {
        assert!(
            matches!(MazeLayout::parse(bad), Err(EnvError::Layout { .. })),
            "{bad}"
        );
    }
    let l = MazeLayout::parse("#####\\#GOO#\\###O#\\#OOO#\\#####").unwrap();
    assert_eq!(l.empty_locations()[0], (1, 2));
    assert_eq!(l.empty_and_goal_locations().last(), Some((1, 1)));
}

#[test]
fn vec_env_steps_each_env_independently() {
    let mut v = Maze2dVecEnv::new("maze2d-medium-v1", 4, 0).unwrap();
    let obs = v.reset();
    assert_eq!(obs.len(), 4);
    assert_ne!(obs[0], obs[1]);
    let mut single = Maze2dEnv::new("maze2d-medium-v1").unwrap();
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(2);
    assert_eq!(single.reset(&mut rng), obs[2]);
    let res = v.step(&[[1.0, 0.0]; 4]);
    assert_eq!(res[2], single.step([1.0, 0.0]));
}
