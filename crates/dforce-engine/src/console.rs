//! Progress lines for people, on stderr: printed by rank 0 of a data-parallel job only, so a
//! job of several ranks reads like a run in one process. Errors are not progress: they are
//! reported by every rank (see [`crate::distributed::job::Parallel::fail`]).

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Whether this process stays quiet (a rank other than 0).
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Silences [`say!`](crate::say) in this process (set once, when the job's ranks are known).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Prints a progress line on stderr unless this process is quiet (`eprintln!`'s arguments).
#[macro_export]
macro_rules! say {
    ($($t:tt)*) => {
        if !$crate::console::quiet() {
            eprintln!($($t)*);
        }
    };
}

/// Notes said once per run though several tasks come across them (each task of a run prepares
/// its data again): [`SaidOnce::first`] is true the first time a note is offered.
#[derive(Debug, Default)]
pub struct SaidOnce(std::sync::Mutex<std::collections::HashSet<String>>);

impl SaidOnce {
    /// True when `note` has not been offered before (it is then recorded).
    pub fn first(&self, note: &str) -> bool {
        // A poisoned lock only means another thread panicked while holding it: the set is intact.
        let mut said = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        said.insert(note.to_string())
    }
}
