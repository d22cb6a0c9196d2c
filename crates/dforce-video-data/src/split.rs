//! Dataset splits. TECO's `train`/`test` folders are renamed `training`/`validation`, and the
//! reference aliases its `test` split to `validation`.

/// A split of a video dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// `<root>/training/`.
    Training,
    /// `<root>/validation/` (also what `test` reads).
    Validation,
}

impl Split {
    /// Folder name under the dataset root, and key in `metadata.json`.
    pub fn dir_name(self) -> &'static str {
        match self {
            Self::Training => "training",
            Self::Validation => "validation",
        }
    }

    /// Both splits, in `metadata.json` order.
    pub const ALL: [Split; 2] = [Split::Training, Split::Validation];
}

impl std::str::FromStr for Split {
    type Err = String;

    /// `training`/`train`, `validation`/`val`, and `test`, which aliases `validation` as in the
    /// reference.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "training" | "train" => Ok(Self::Training),
            "validation" | "val" | "test" => Ok(Self::Validation),
            other => Err(format!(
                "unknown split {other:?} (expected training, validation or test)"
            )),
        }
    }
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.dir_name())
    }
}
