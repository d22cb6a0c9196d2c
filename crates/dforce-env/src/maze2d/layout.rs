//! Maze layouts in D4RL's string format (`#` wall, `O`/` `/`0` empty, `G` goal, rows separated
//! by a backslash) and the cell queries that the physics, resets and the controller need.
//!
//! Coordinates follow D4RL: row index `i` is qpos x, column index `j` is qpos y. The wall of
//! cell `(i, j)` is a box centred at world `(i + 1, j + 1)` while the ball body sits at world
//! `(1.2, 1.2) + qpos`, so the true centre of cell `(i, j)` is qpos `(i − 0.2, j − 0.2)`. D4RL
//! nevertheless samples resets and targets around the integer point `(i, j)`; we keep that quirk.

use crate::error::EnvError;

/// `maze2d-umaze-v1` (5×5, goal at (1, 1)).
pub const U_MAZE: &str = "#####\\#GOO#\\###O#\\#OOO#\\#####";
/// `maze2d-eval-umaze-v1`.
pub const U_MAZE_EVAL: &str = "#####\\#OOG#\\#O###\\#OOO#\\#####";
/// `maze2d-medium-v1` (8×8, goal at (6, 6)).
pub const MEDIUM_MAZE: &str =
    "########\\#OO##OO#\\#OO#OOO#\\##OOO###\\#OO#OOO#\\#O#OO#O#\\#OOO#OG#\\########";
/// `maze2d-eval-medium-v1`.
pub const MEDIUM_MAZE_EVAL: &str =
    "########\\#OOOOOG#\\#O#O##O#\\#OOOO#O#\\###OO###\\#OOOOOO#\\#OO##OO#\\########";
/// `maze2d-large-v1` (9×12, goal at (7, 9)).
pub const LARGE_MAZE: &str = "############\\#OOOO#OOOOO#\\#O##O#O#O#O#\\#OOOOOO#OOO#\\#O####O###O#\\\
#OO#O#OOOOO#\\##O#O#O#O###\\#OO#OOO#OGO#\\############";
/// `maze2d-eval-large-v1`.
pub const LARGE_MAZE_EVAL: &str = "############\\#OO#OOO#OGO#\\##O###O#O#O#\\#OO#O#OOOOO#\\#O##O#OO##O#\\\
#OOOOOO#OOO#\\#O##O#O#O###\\#OOOO#OOOOO#\\############";
/// `maze2d-open-v0` (no goal used for training in DF, kept for completeness).
pub const OPEN_MAZE: &str = "#######\\#OOOOO#\\#OOGOO#\\#OOOOO#\\#######";

/// What occupies one maze cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// A 1×1×0.4 box the ball collides with.
    Wall,
    /// Free floor; a reset or target location.
    Empty,
    /// Free floor that is the env's fixed reward target.
    Goal,
}

/// A parsed maze: a row-major grid of cells plus D4RL's derived location lists.
#[derive(Debug, Clone, PartialEq)]
pub struct MazeLayout {
    spec: String,
    rows: usize,
    cols: usize,
    cells: Vec<Cell>,
    /// `reset_locations` in D4RL: empty cells, sorted (row-major order is sorted order).
    empty: Vec<(usize, usize)>,
    goal: Option<(usize, usize)>,
}

impl MazeLayout {
    /// Parses a D4RL maze string. Rejects ragged rows, unknown tiles and more than one goal,
    /// exactly the inputs D4RL's `parse_maze`/`MazeEnv` reject.
    pub fn parse(spec: &str) -> Result<Self, EnvError> {
        let lines: Vec<&str> = spec.trim().split('\\').collect();
        let rows = lines.len();
        let cols = lines.first().map_or(0, |l| l.chars().count());
        if rows == 0 || cols == 0 {
            return Err(EnvError::Layout {
                spec: spec.to_owned(),
                reason: "empty maze".into(),
            });
        }
        let mut cells = Vec::with_capacity(rows * cols);
        for (i, line) in lines.iter().enumerate() {
            if line.chars().count() != cols {
                return Err(EnvError::Layout {
                    spec: spec.to_owned(),
                    reason: format!(
                        "row {i} has {} tiles, expected {cols}",
                        line.chars().count()
                    ),
                });
            }
            for ch in line.chars() {
                cells.push(match ch {
                    '#' => Cell::Wall,
                    'O' | ' ' | '0' => Cell::Empty,
                    'G' => Cell::Goal,
                    other => {
                        return Err(EnvError::Layout {
                            spec: spec.to_owned(),
                            reason: format!("unknown tile {other:?} in row {i}"),
                        });
                    }
                });
            }
        }
        let mut empty = Vec::new();
        let mut goals = Vec::new();
        for i in 0..rows {
            for j in 0..cols {
                match cells[i * cols + j] {
                    Cell::Empty => empty.push((i, j)),
                    Cell::Goal => goals.push((i, j)),
                    Cell::Wall => {}
                }
            }
        }
        if goals.len() > 1 {
            return Err(EnvError::Layout {
                spec: spec.to_owned(),
                reason: "more than one goal".into(),
            });
        }
        if empty.is_empty() && goals.is_empty() {
            return Err(EnvError::Layout {
                spec: spec.to_owned(),
                reason: "no free cell".into(),
            });
        }
        Ok(Self {
            spec: spec.to_owned(),
            rows,
            cols,
            cells,
            empty,
            goal: goals.first().copied(),
        })
    }

    /// The string this layout was parsed from.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// Number of rows (qpos x extent).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (qpos y extent).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The cell at `(i, j)`, or `None` outside the grid.
    pub fn cell(&self, i: i64, j: i64) -> Option<Cell> {
        if i < 0 || j < 0 || i as usize >= self.rows || j as usize >= self.cols {
            return None;
        }
        Some(self.cells[i as usize * self.cols + j as usize])
    }

    /// Whether a wall box exists for cell `(i, j)`. Outside the grid there is no geom.
    pub fn is_wall(&self, i: i64, j: i64) -> bool {
        self.cell(i, j) == Some(Cell::Wall)
    }

    /// Whether `(i, j)` is inside the grid and not a wall (a cell the controller may path through).
    pub fn is_free(&self, i: i64, j: i64) -> bool {
        matches!(self.cell(i, j), Some(Cell::Empty | Cell::Goal))
    }

    /// D4RL's `reset_locations`: the empty cells in sorted order.
    pub fn empty_locations(&self) -> &[(usize, usize)] {
        &self.empty
    }

    /// The `G` cell, if the maze has one.
    pub fn goal_location(&self) -> Option<(usize, usize)> {
        self.goal
    }

    /// D4RL's `empty_and_goal_locations`: sorted empties followed by the goal. Resets and
    /// random targets draw from this list, so its order matters for seeded reproducibility.
    pub fn empty_and_goal_locations(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.empty.iter().copied().chain(self.goal)
    }

    /// Number of entries in [`Self::empty_and_goal_locations`].
    pub fn num_empty_and_goal(&self) -> usize {
        self.empty.len() + usize::from(self.goal.is_some())
    }

    /// The `idx`-th entry of [`Self::empty_and_goal_locations`], `None` past its end.
    pub fn empty_or_goal(&self, idx: usize) -> Option<(usize, usize)> {
        if idx < self.empty.len() {
            Some(self.empty[idx])
        } else if idx == self.empty.len() {
            self.goal
        } else {
            None
        }
    }

    /// The target a fresh `MazeEnv` uses: the goal cell, or the first empty cell when there is
    /// no goal, as integer coordinates (0.2 off the true cell centre, as in D4RL).
    pub fn default_target(&self) -> [f64; 2] {
        // A layout with neither a goal nor a free cell targets the origin.
        let (i, j) = self.goal.or(self.empty.first().copied()).unwrap_or((0, 0));
        [i as f64, j as f64]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A maze whose only open cell is the goal targets the goal (the fallback to the first free
    /// cell used to be evaluated even then, and panicked on a maze without one).
    #[test]
    fn a_goal_without_free_cells_is_the_target() {
        let maze = MazeLayout::parse("###\\#G#\\###").unwrap();
        assert_eq!(maze.default_target(), [1.0, 1.0]);
    }
}
