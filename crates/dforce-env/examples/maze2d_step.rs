//! The native maze2d environment (D4RL's `maze2d-umaze-v1`, MuJoCo point-mass physics ported to
//! Rust): reset with a seed, then steer the ball with D4RL's waypoint PD controller (the one that
//! collected the offline data) and print the observations `[x, y, vx, vy]` and sparse rewards.
//!
//! ```text
//! cargo run --release --example maze2d_step
//! cargo run --release --example maze2d_step -- 7 200   # SEED STEPS (default 0 150)
//! ```

use anyhow::Context;
use dforce_env::data::WaypointController;
use dforce_env::maze2d::{Environment, Maze2dEnv};
use rand::SeedableRng;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seed: u64 = args
        .next()
        .map_or(Ok(0), |s| s.parse())
        .context("SEED is a whole number")?;
    let steps: usize = args
        .next()
        .map_or(Ok(150), |s| s.parse())
        .context("STEPS is a whole number")?;

    let mut env = Maze2dEnv::new("maze2d-umaze-v1")?;
    println!(
        "{} (seed {seed}), at most {} steps an episode:",
        env.spec().id,
        env.spec().max_episode_steps
    );
    for row in env.layout().spec().split('\\') {
        println!("  {row}"); // '#' wall, 'O' floor, 'G' goal; row index = x, column = y
    }
    let target = env.target();
    let mut obs = env.reset_seeded(seed);
    println!("target {target:.2?}; start obs {obs:.3?}");

    // The controller plans a cell path to the target and PD-steers through its waypoints; its
    // waypoint jitter draws from its own seeded generator.
    let mut controller = WaypointController::new(env.layout());
    let mut jitter = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (mut episode_return, mut first_reward) = (0.0, None);
    println!("\n step  action           obs [x, y, vx, vy]                 reward");
    for t in 1..=steps {
        let (action, _) =
            controller.action([obs[0], obs[1]], [obs[2], obs[3]], target, &mut jitter);
        let r = env.step(action);
        episode_return += r.reward;
        if r.reward > 0.0 && first_reward.is_none() {
            first_reward = Some(t);
        }
        obs = r.obs;
        if t % 10 == 0 || t == 1 || first_reward == Some(t) || r.done() {
            println!("{t:>5}  {action:>+6.2?}  {obs:>+7.3?}  {:.0}", r.reward);
        }
        if r.done() {
            println!("episode over (time limit)");
            break;
        }
    }
    let dist = ((obs[0] - target[0]).powi(2) + (obs[1] - target[1]).powi(2)).sqrt();
    let reached = first_reward.map_or("never".into(), |t| format!("at step {t}"));
    println!(
        "\nreturn {episode_return} over {} steps; reward first {reached}; {dist:.3} from the target",
        env.elapsed_steps()
    );
    Ok(())
}
