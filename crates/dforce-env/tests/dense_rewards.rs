//! Dense maze2d ids (`maze2d-*-dense-v1`) are relabelled as D4RL's
//! `scripts/relabel_maze2d_rewards.py --relabel_type dense` does:
//! `np.exp(-np.linalg.norm(observations[:, :2] - target_goal, axis=1))`, each row's own
//! (pre-step) observation against the maze's fixed goal; the sparse ids keep `‖·‖ ≤ 0.5`.

use dforce_env::data::{Dataset, generate};
use dforce_env::maze2d::RewardType;

/// The relabel script's formula, in float64 as numpy computes it, stored as float32.
fn d4rl_dense(o: &[f32; 4], goal: [f64; 2]) -> f32 {
    let (dx, dy) = (f64::from(o[0]) - goal[0], f64::from(o[1]) - goal[1]);
    (-(dx * dx + dy * dy).sqrt()).exp() as f32
}

#[test]
fn dense_relabelling_matches_numpy() {
    // Oracle (numpy 1.26):
    //   o = np.array([[1.5, 2.25], [1.0, 1.0], [3.1, 0.7]], dtype=np.float32)
    //   np.exp(-np.linalg.norm(o - np.array([1.0, 1.0]), axis=1)).astype(np.float32)
    let mut data = Dataset {
        observations: vec![
            [1.5, 2.25, 0.0, 0.0],
            [1.0, 1.0, 0.3, -0.2],
            [3.1, 0.7, 0.0, 0.0],
        ],
        ..Dataset::default()
    };
    data.relabel_rewards([1.0, 1.0], RewardType::Dense);
    assert_eq!(data.rewards, vec![0.260_203_5_f32, 1.0, 0.119_873_26]);
    data.relabel_rewards([1.0, 1.0], RewardType::Sparse);
    assert_eq!(data.rewards, vec![0.0, 1.0, 0.0]);
}

#[test]
fn dense_ids_write_dense_rewards() {
    let sparse = generate("maze2d-umaze-v1", 3000, 7).unwrap();
    let dense = generate("maze2d-umaze-dense-v1", 3000, 7).unwrap();
    // Same layout, episode length and seed: the same stream, only the rewards differ.
    assert_eq!(sparse.observations, dense.observations);
    assert_ne!(sparse.rewards, dense.rewards);
    // U_MAZE's goal cell (maze_model.py: the `G` at row 1, column 1).
    let goal = [1.0, 1.0];
    for (k, (o, r)) in dense.observations.iter().zip(&dense.rewards).enumerate() {
        assert_eq!(*r, d4rl_dense(o, goal), "row {k}");
        assert!(*r > 0.0 && *r <= 1.0);
    }
    assert!(sparse.rewards.iter().all(|&r| r == 0.0 || r == 1.0));
}

/// D4RL's file names (the last part of each `dataset_url` in `d4rl/pointmaze/__init__.py`):
/// dense ids keep their id (`maze2d-umaze-dense-v1.hdf5`), there is no `-dense-sparse` file.
#[test]
fn d4rl_file_names_follow_d4rl_dataset_urls() {
    use dforce_env::maze2d::{SPECS, d4rl_file_name};
    let d4rl = [
        ("maze2d-open-v0", "maze2d-open-sparse.hdf5"),
        ("maze2d-umaze-v0", "maze2d-umaze-sparse.hdf5"),
        ("maze2d-umaze-v1", "maze2d-umaze-sparse-v1.hdf5"),
        ("maze2d-medium-v1", "maze2d-medium-sparse-v1.hdf5"),
        ("maze2d-large-v1", "maze2d-large-sparse-v1.hdf5"),
        ("maze2d-eval-umaze-v1", "maze2d-eval-umaze-sparse-v1.hdf5"),
        ("maze2d-open-dense-v0", "maze2d-open-dense.hdf5"),
        ("maze2d-umaze-dense-v0", "maze2d-umaze-dense.hdf5"),
        ("maze2d-umaze-dense-v1", "maze2d-umaze-dense-v1.hdf5"),
        ("maze2d-large-dense-v1", "maze2d-large-dense-v1.hdf5"),
        (
            "maze2d-eval-large-dense-v1",
            "maze2d-eval-large-dense-v1.hdf5",
        ),
    ];
    for (id, file) in d4rl {
        assert_eq!(d4rl_file_name(id).unwrap(), file, "{id}");
    }
    for s in SPECS {
        assert!(!s.d4rl_file_name().contains("dense-sparse"), "{}", s.id);
    }
    assert!(d4rl_file_name("maze2d-foo-v1").is_err());
}
