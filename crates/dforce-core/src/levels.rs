//! Noise levels of a `(tokens, batch)` window, and the map from sampling to real levels.

use crate::error::CoreError;
use crate::schedule::torch_linspace_f32;

/// A `tokens × batch` grid of integer levels, row-major (token-major, like the reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelGrid {
    pub tokens: usize,
    pub batch: usize,
    pub levels: Vec<i64>,
}

impl LevelGrid {
    pub fn new(tokens: usize, batch: usize, levels: Vec<i64>) -> Result<Self, CoreError> {
        if levels.len() != tokens * batch {
            return Err(CoreError::Invalid(format!(
                "a {tokens}×{batch} level grid needs {} entries, got {}",
                tokens * batch,
                levels.len()
            )));
        }
        Ok(Self {
            tokens,
            batch,
            levels,
        })
    }

    /// Every token of every batch column at the level of its row in `per_token`.
    pub fn from_token_levels(per_token: &[i64], batch: usize) -> Self {
        let levels = per_token
            .iter()
            .flat_map(|&l| std::iter::repeat_n(l, batch))
            .collect();
        Self {
            tokens: per_token.len(),
            batch,
            levels,
        }
    }

    /// Tokens `start..` of the grid.
    pub fn tail(&self, start: usize) -> Self {
        Self {
            tokens: self.tokens - start,
            batch: self.batch,
            levels: self.levels[start * self.batch..].to_vec(),
        }
    }
}

/// Maps sampling levels `0..=S` to real levels `-1..T-1` as the reference does:
/// `linspace(-1, T-1, S+1)` in f32, truncated toward zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealLevels {
    real: Vec<i64>,
}

impl RealLevels {
    pub fn new(timesteps: usize, sampling_timesteps: usize) -> Result<Self, CoreError> {
        if sampling_timesteps == 0 || sampling_timesteps > timesteps {
            return Err(CoreError::Invalid(format!(
                "diffusion.sampling_timesteps must be in 1..={timesteps} (diffusion.timesteps), got {sampling_timesteps}"
            )));
        }
        let real = torch_linspace_f32(-1.0, timesteps as f32 - 1.0, sampling_timesteps + 1)
            .into_iter()
            .map(|v| v as i64)
            .collect();
        Ok(Self { real })
    }

    /// The real level of sampling level `s`.
    pub fn real(&self, s: i64) -> Result<i64, CoreError> {
        usize::try_from(s)
            .ok()
            .and_then(|i| self.real.get(i).copied())
            .ok_or_else(|| {
                CoreError::Invalid(format!(
                    "sampling level {s} is outside 0..={}",
                    self.real.len() - 1
                ))
            })
    }

    /// Maps a whole grid of sampling levels.
    pub fn map(&self, grid: &LevelGrid) -> Result<LevelGrid, CoreError> {
        let levels = grid
            .levels
            .iter()
            .map(|&s| self.real(s))
            .collect::<Result<_, _>>()?;
        Ok(LevelGrid {
            tokens: grid.tokens,
            batch: grid.batch,
            levels,
        })
    }

    pub fn sampling_timesteps(&self) -> usize {
        self.real.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_configs_map_to_exact_integers() {
        let r = RealLevels::new(1000, 50).unwrap();
        assert_eq!(r.real(0).unwrap(), -1);
        assert_eq!(r.real(1).unwrap(), 19);
        assert_eq!(r.real(50).unwrap(), 999);
        let r = RealLevels::new(1000, 100).unwrap();
        assert_eq!(r.real(1).unwrap(), 9);
        let r = RealLevels::new(20, 20).unwrap();
        assert_eq!(
            (0..=20).map(|s| r.real(s).unwrap()).collect::<Vec<_>>(),
            (-1..20).collect::<Vec<_>>()
        );
        assert!(r.real(21).is_err());
        assert!(RealLevels::new(10, 11).is_err());
    }
}
