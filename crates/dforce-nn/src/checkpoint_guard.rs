//! Checks on a checkpoint file made before its tensors are read, so a forged or unusual file
//! is refused with a message instead of exhausting memory or silently losing a tensor:
//!
//! - the path must be a regular file (`/dev/zero` or a FIFO would otherwise be read forever);
//! - a TAR container (`torch.save` before PyTorch 0.1.10) may not hold GNU sparse entries or
//!   entries larger than the file, which the `tar` crate would expand into memory;
//! - the float tensors must decode to at most [`decode_budget`] bytes: a stride-0 view
//!   (`torch.Tensor.expand`) is a few bytes on disk but its full size once read;
//! - no two tensors may flatten to one name (`{"a.b": t1, "a": {"b": t2}}`), which
//!   `pytorch-reader`'s name → tensor map would keep only one of, chosen at random.

use std::collections::BTreeMap;
use std::path::Path;

use pytorch_reader::PickleValue;

use crate::error::NnError;

fn refused(path: &Path, message: String) -> NnError {
    NnError::Read {
        path: path.to_path_buf(),
        message,
    }
}

/// The file's length in bytes.
///
/// # Errors
/// [`NnError::Read`] when `path` cannot be read or is not a regular file (a directory, a
/// device, a FIFO).
pub fn regular_file_len(path: &Path) -> Result<u64, NnError> {
    let meta = std::fs::metadata(path).map_err(|e| refused(path, e.to_string()))?;
    if !meta.is_file() {
        return Err(refused(
            path,
            "not a regular file (a directory, device or pipe); give the checkpoint file itself"
                .into(),
        ));
    }
    Ok(meta.len())
}

/// Refuses a TAR container whose entries would be expanded beyond the file: GNU sparse
/// entries (holes the `tar` crate fills with zeros) and entries that claim more bytes than the
/// file holds. A file that is not a TAR archive passes unchanged.
///
/// # Errors
/// [`NnError::Read`] naming the entry.
pub fn check_tar_entries(path: &Path, file_len: u64) -> Result<(), NnError> {
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(()); // the reader reports it
    };
    let mut archive = tar::Archive::new(file);
    let Ok(entries) = archive.entries() else {
        return Ok(());
    };
    for entry in entries {
        // Not TAR (a zip or pickle stream fails its first header's checksum), or a damaged
        // archive that the reader itself refuses.
        let Ok(entry) = entry else { return Ok(()) };
        let name = entry
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "?".into());
        if entry.header().entry_type().is_gnu_sparse() {
            return Err(refused(
                path,
                format!(
                    "TAR entry '{name}' is a GNU sparse file, which torch.save never writes \
                     (reading it would fill its holes in memory)"
                ),
            ));
        }
        let size = entry.header().size().unwrap_or(u64::MAX);
        if size > file_len {
            return Err(refused(
                path,
                format!(
                    "TAR entry '{name}' claims {size} bytes, more than the file's {file_len}: \
                     the file is truncated or corrupt"
                ),
            ));
        }
    }
    Ok(())
}

/// The most bytes the float tensors of a `file_len`-byte checkpoint may decode to (as f32):
/// eight times the file, which covers f16/bf16 doubling and tied weights saved once and
/// viewed several times, plus 64 MiB for small files.
pub fn decode_budget(file_len: u64) -> u64 {
    file_len.saturating_mul(8).saturating_add(64 << 20)
}

/// Refuses float tensors that would decode to more than [`decode_budget`].
///
/// `tensors` yields `(name, element count)`; the total is counted in f32 bytes.
///
/// # Errors
/// [`NnError::Read`] naming the largest tensor and saying what to do.
pub fn check_decoded_size<'a>(
    path: &Path,
    file_len: u64,
    tensors: impl Iterator<Item = (&'a str, usize)>,
) -> Result<(), NnError> {
    let budget = decode_budget(file_len);
    let mut total = 0u64;
    let mut largest: Option<(&str, u64)> = None;
    for (name, numel) in tensors {
        let bytes = (numel as u64).saturating_mul(4);
        total = total.saturating_add(bytes);
        if largest.is_none_or(|(_, b)| bytes > b) {
            largest = Some((name, bytes));
        }
    }
    if total <= budget {
        return Ok(());
    }
    let (name, bytes) = largest.unwrap_or(("?", 0));
    Err(refused(
        path,
        format!(
            "its float tensors would take {total} bytes once read (as f32), but the file has only \
             {file_len} bytes (at most {budget} are read); the largest is '{name}' ({bytes} \
             bytes). A stride-0 view (expand) or a corrupt shape does this: save contiguous \
             copies, e.g. {{k: v.contiguous().clone() for k, v in state_dict.items()}}"
        ),
    ))
}

/// Refuses a (state) dict in which two tensors flatten to one dotted name: `pytorch-reader`
/// names a nested tensor by its path (`a.b`, a list item `x.0`), which a dotted key can also be.
/// `tree` is the pickled dict as `PytorchReader::read_pickle_data` returns it.
///
/// # Errors
/// [`NnError::Read`] naming the shared name.
pub fn check_unique_tensor_names(path: &Path, tree: &PickleValue) -> Result<(), NnError> {
    fn walk(v: &PickleValue, name: &mut Vec<String>, seen: &mut BTreeMap<String, usize>) {
        match v {
            PickleValue::Dict(d) => {
                for (k, v) in d {
                    name.push(k.clone());
                    walk(v, name, seen);
                    name.pop();
                }
            }
            PickleValue::List(items) => {
                for (i, v) in items.iter().enumerate() {
                    name.push(i.to_string());
                    walk(v, name, seen);
                    name.pop();
                }
            }
            PickleValue::Unsupported(t) if t == "torch.Tensor" => {
                *seen.entry(name.join(".")).or_default() += 1;
            }
            _ => {}
        }
    }
    let mut seen = BTreeMap::new();
    walk(tree, &mut Vec::new(), &mut seen);
    match seen.into_iter().find(|(_, n)| *n > 1) {
        None => Ok(()),
        Some((name, n)) => Err(refused(
            path,
            format!(
                "{n} tensors are all named '{name}' once nested names are joined with '.' \
                 (e.g. a key 'a.b' beside a dict 'a' holding 'b'); rename them so each \
                 state_dict key is unique"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn tensor() -> PickleValue {
        PickleValue::Unsupported("torch.Tensor".into())
    }

    #[test]
    fn a_dotted_key_and_a_nested_dict_of_one_name_are_refused() {
        let p = Path::new("x.ckpt");
        let nested = PickleValue::Dict(HashMap::from([("b".to_string(), tensor())]));
        let tree = PickleValue::Dict(HashMap::from([
            ("a.b".to_string(), tensor()),
            ("a".to_string(), nested),
        ]));
        let err = check_unique_tensor_names(p, &tree).unwrap_err().to_string();
        assert!(err.contains("'a.b'"), "{err}");
        let list = PickleValue::Dict(HashMap::from([
            ("x".to_string(), PickleValue::List(vec![tensor()])),
            ("x.0".to_string(), tensor()),
        ]));
        assert!(check_unique_tensor_names(p, &list).is_err());
        let fine = PickleValue::Dict(HashMap::from([
            ("a.b".to_string(), tensor()),
            ("a.c".to_string(), tensor()),
            ("step".to_string(), PickleValue::Int(3)),
        ]));
        check_unique_tensor_names(p, &fine).unwrap();
    }

    #[test]
    fn decoded_size_is_bounded_by_the_file() {
        let p = Path::new("x.ckpt");
        check_decoded_size(p, 1000, [("w", 2000usize)].into_iter()).unwrap();
        let budget = decode_budget(1000) as usize;
        let err = check_decoded_size(p, 1000, [("w", 10), ("junk", budget / 4 + 1)].into_iter())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("'junk'") && err.contains("contiguous"),
            "{err}"
        );
        // Element counts near usize::MAX saturate instead of overflowing.
        assert!(
            check_decoded_size(p, 1, [("a", usize::MAX), ("b", usize::MAX)].into_iter()).is_err()
        );
    }
}
