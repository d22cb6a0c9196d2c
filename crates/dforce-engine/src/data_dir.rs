//! Where a dataset lives on disk (`dataset.save_dir`): the check every algorithm makes before
//! reading from it or generating into it.

use std::path::Path;

/// Refuses a `dataset.save_dir` that exists but is not a directory (a file of that name would
/// otherwise surface as "File exists" or "Not a directory" from whatever touched it first).
/// A missing directory is fine: the callers create it or say what is missing.
///
/// # Errors
/// A message naming the key and the path, saying what it is and what is needed.
pub fn check_save_dir(save_dir: &Path) -> Result<(), String> {
    match std::fs::metadata(save_dir) {
        Ok(m) if !m.is_dir() => Err(format!(
            "dataset.save_dir={} is a file, not a directory; dforce reads the dataset from (or \
             writes it into) a directory of that name: point dataset.save_dir at a directory",
            save_dir.display()
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_is_refused_and_a_directory_or_nothing_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("afile");
        std::fs::write(&file, b"x").unwrap();
        let err = super::check_save_dir(&file).unwrap_err();
        assert!(err.contains("is a file, not a directory"), "{err}");
        super::check_save_dir(dir.path()).unwrap();
        super::check_save_dir(&dir.path().join("missing")).unwrap();
    }
}
