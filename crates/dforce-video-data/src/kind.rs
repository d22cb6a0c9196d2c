//! The two TECO datasets and what differs between them: the number of discrete actions, where the
//! frames live, and whether the first action is dropped.

/// Which TECO dataset layout to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoKind {
    /// DeepMind Lab mazes: each `.npz` holds `video` `(T, H, W, 3)` uint8 and `actions` `(T,)`
    /// ints in `0..3`. TECO's files are 300 frames at 64×64; any length and resolution is read,
    /// and, as the reference's `video / 255.0` allows, any real `video` dtype in either order.
    Dmlab,
    /// Minecraft: each `.npz` holds `actions` (ints in `0..4`) beside `<stem>.mp4` (TECO: 300
    /// frames at 128×128). The reference drops `actions[0]`, so frame `t` pairs with
    /// `actions[t + 1]`.
    Minecraft,
}

impl VideoKind {
    /// Dataset name, as in the reference's `data/<name>` folders.
    pub fn name(self) -> &'static str {
        match self {
            Self::Dmlab => "dmlab",
            Self::Minecraft => "minecraft",
        }
    }

    /// Number of discrete actions (the width of the one-hot encoding).
    pub fn n_actions(self) -> usize {
        match self {
            Self::Dmlab => 3,
            Self::Minecraft => 4,
        }
    }

    /// How many leading entries of `actions` the loader drops.
    pub fn action_offset(self) -> usize {
        match self {
            Self::Dmlab => 0,
            Self::Minecraft => 1,
        }
    }

    /// The reference's native resolution (where its resize is a no-op).
    pub fn native_resolution(self) -> usize {
        match self {
            Self::Dmlab => 64,
            Self::Minecraft => 128,
        }
    }
}

impl std::str::FromStr for VideoKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "dmlab" | "video_dmlab" => Ok(Self::Dmlab),
            "minecraft" | "video_minecraft" => Ok(Self::Minecraft),
            other => Err(format!(
                "unknown video dataset {other:?} (expected dmlab or minecraft)"
            )),
        }
    }
}

impl std::fmt::Display for VideoKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
