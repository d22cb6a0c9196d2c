//! `.npz` access: a zip archive of `.npy` members, one per array key: stored or deflated (what
//! `np.savez` / `np.savez_compressed` write), or bzip2 / LZMA (what Python's `zipfile` writes with
//! `ZIP_BZIP2` / `ZIP_LZMA`, which `np.load` reads too).

use std::fs::File;
use std::io::{BufReader, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};

use zip::ZipArchive;
use zip::read::ZipFile;

use super::npy::{NpyArray, NpyHeader, fortran_to_c, parse_npy, read_npy_header};
use crate::error::NpzError;

/// An open `.npz` file.
pub struct NpzFile {
    path: PathBuf,
    /// The file's length in bytes: no member can hold more than it decompresses to.
    file_len: u64,
    archive: ZipArchive<BufReader<File>>,
}

/// Deflate's largest expansion (zlib's "technical details": 1032:1). A deflated member cannot
/// decompress to more than this many bytes per stored byte, whatever its header declares. (bzip2
/// and LZMA members can expand further; for them this bounds only the buffer reserved up front,
/// which then grows with the data actually decompressed.)
const MAX_DEFLATE_RATIO: u64 = 1032;

/// How many bytes to reserve for a member that declares `declared` uncompressed bytes stored in
/// `compressed` bytes of a file of `file_len` bytes: what the header says, but never more than the
/// file's bytes can expand to, so a forged size in a small file cannot force a huge allocation.
fn capacity_hint(declared: u64, compressed: u64, file_len: u64) -> usize {
    let bound = compressed.min(file_len).saturating_mul(MAX_DEFLATE_RATIO);
    usize::try_from(declared.min(bound)).unwrap_or(usize::MAX)
}

/// The compression of `member` ("Zstd (zip method 93)") when this build cannot decompress it;
/// `None` for stored, deflate, bzip2 and LZMA members, every method Python's `zipfile` (and so
/// `np.load`) reads before Python 3.14's Zstandard.
fn unsupported_method<R: Read>(member: &ZipFile<'_, R>) -> Option<String> {
    use zip::CompressionMethod as M;
    let method = member.compression();
    // `zip` decodes LZMA but leaves it out of its list.
    if method == M::Lzma || zip::SUPPORTED_COMPRESSION_METHODS.contains(&method) {
        return None;
    }
    #[allow(deprecated)]
    Some(match method {
        M::Unsupported(code) => format!("{} (zip method {code})", M::name_from_u16(code)),
        other => other.to_string(),
    })
}

impl std::fmt::Debug for NpzFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpzFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl NpzFile {
    /// Opens `path` and reads its zip directory.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, NpzError> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|source| NpzError::Io {
            path: path.clone(),
            source,
        })?;
        let file_len = file
            .metadata()
            .map_err(|source| NpzError::Io {
                path: path.clone(),
                source,
            })?
            .len();
        let archive = ZipArchive::new(BufReader::new(file)).map_err(|source| NpzError::Zip {
            path: path.clone(),
            source,
        })?;
        Ok(Self {
            path,
            file_len,
            archive,
        })
    }

    /// The file this was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Array keys: every member name with a `.npy` suffix removed, in archive order (numpy's
    /// `NpzFile.files`, `name.removesuffix(".npy")`, so a member stored without the suffix is
    /// listed too).
    pub fn keys(&self) -> Vec<String> {
        self.archive
            .file_names()
            .filter_map(Result::ok)
            .map(|n| n.strip_suffix(".npy").unwrap_or(&n).to_owned())
            .collect()
    }

    /// The name of the member numpy's `NpzFile.__getitem__` reads for `key`: the member named
    /// exactly `key` when there is one (its `_files` maps every member name to itself, after
    /// mapping each name without `.npy` to its member, so the exact name wins), else `key.npy`.
    fn member_name(&self, key: &str) -> String {
        if self.archive.index_for_name(key).is_some() {
            key.to_owned()
        } else {
            format!("{key}.npy")
        }
    }

    /// The zip member holding array `key` (see [`Self::member_name`]), as a decompressing stream
    /// whose CRC-32 can be checked once it is read ([`Member::verify`]).
    fn member(&mut self, key: &str) -> Result<Member<'_>, NpzError> {
        let name = self.member_name(key);
        match self.archive.by_name(&name) {
            Ok(m) => match unsupported_method(&m) {
                None => Ok(Member::new(&self.path, key, name, m)),
                Some(method) => Err(NpzError::BadArray {
                    path: self.path.clone(),
                    key: key.to_owned(),
                    reason: format!(
                        "member {name:?} is compressed with {method}, which \
                         dforce does not decompress; dforce reads stored, deflate, bzip2 and LZMA \
                         members (what np.savez, np.savez_compressed and Python's zipfile write): \
                         re-save it with np.savez_compressed"
                    ),
                }),
            },
            Err(zip::result::ZipError::FileNotFound) => Err(NpzError::MissingKey {
                path: self.path.clone(),
                key: key.to_owned(),
            }),
            Err(source) => Err(NpzError::Zip {
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// Reads only the header of array `key` (its dtype and shape), decompressing a few hundred
    /// bytes rather than the whole member: enough to index a dataset of large arrays cheaply.
    /// The member's CRC-32 is not checked (that needs all of its data) unless the header is
    /// unreadable, when a bad CRC-32 is reported as the cause.
    pub fn header(&mut self, key: &str) -> Result<NpyHeader, NpzError> {
        let mut member = self.member(key)?;
        let size = member.size;
        match read_npy_header(&mut member.stream)
            .and_then(|header| fits_member(&header, size).map(|()| header))
        {
            Ok(header) => Ok(header),
            Err(reason) => Err(member.fail(reason)),
        }
    }

    /// Reads the raw payload bytes (numpy's byte order as stored, in C order: a Fortran-order
    /// array is read whole and reordered) of `rows` along the first axis of array `key`, with its
    /// header.
    ///
    /// The whole member is decompressed and its CRC-32 checked against the zip's, as Python's
    /// `zipfile` checks it when `np.load(f)[key]` reads the member: a corrupt member is refused
    /// ([`NpzError::BadCrc`]) whichever rows are asked for. Only the requested rows are kept.
    pub fn read_rows(
        &mut self,
        key: &str,
        rows: Range<usize>,
    ) -> Result<(NpyHeader, Vec<u8>), NpzError> {
        let file_len = self.file_len;
        let mut member = self.member(key)?;
        let capacity = capacity_hint(member.size, member.compressed_size, file_len);
        let header = match read_npy_header(&mut member.stream)
            .and_then(|header| fits_member(&header, member.size).map(|()| header))
        {
            Ok(header) => header,
            Err(reason) => return Err(member.fail(reason)),
        };
        let bytes = match read_c_rows(&mut member.stream, &header, rows, capacity) {
            Ok(bytes) => bytes,
            Err(reason) => return Err(member.fail(reason)),
        };
        member.verify()?;
        Ok((header, bytes))
    }

    /// Reads and parses the array `key`, after checking the member's CRC-32 as
    /// [`Self::read_rows`] does.
    pub fn array(&mut self, key: &str) -> Result<NpyArray, NpzError> {
        let file_len = self.file_len;
        let mut member = self.member(key)?;
        let mut bytes =
            Vec::with_capacity(capacity_hint(member.size, member.compressed_size, file_len));
        if let Err(e) = member.stream.read_to_end(&mut bytes) {
            return Err(member.fail(format!("cannot decompress member: {e}")));
        }
        member.verify()?;
        parse_npy(&bytes).map_err(|reason| member.bad(reason))
    }

    /// Reads a 2-D numeric array with exactly `cols` columns as rows of `f64`.
    pub fn matrix_f64<const C: usize>(&mut self, key: &str) -> Result<Vec<[f64; C]>, NpzError> {
        let arr = self.array(key)?;
        let bad = |reason: String| NpzError::BadArray {
            path: self.path.clone(),
            key: key.to_owned(),
            reason,
        };
        if arr.shape.len() != 2 || arr.shape[1] != C {
            return Err(bad(format!(
                "expected shape (N, {C}), found {:?}",
                arr.shape
            )));
        }
        let flat = arr
            .to_f64()
            .ok_or_else(|| bad("expected a numeric array".into()))?;
        Ok(flat
            .chunks_exact(C)
            .map(|c| {
                let mut row = [0.0; C];
                row.copy_from_slice(c);
                row
            })
            .collect())
    }

    /// Reads a scalar unicode string array.
    pub fn scalar_str(&mut self, key: &str) -> Result<String, NpzError> {
        let arr = self.array(key)?;
        arr.as_scalar_str()
            .map(str::to_owned)
            .ok_or_else(|| NpzError::BadArray {
                path: self.path.clone(),
                key: key.to_owned(),
                reason: "expected a scalar unicode string".into(),
            })
    }
}

/// Rows `rows` of the payload after `header` (the stream is at the payload), in C order: a
/// Fortran-order array is read whole, reordered and cut. Stops after the last requested row.
fn read_c_rows(
    stream: &mut impl Read,
    header: &NpyHeader,
    rows: Range<usize>,
    capacity: usize,
) -> Result<Vec<u8>, String> {
    let Some((&len, rest)) = header.shape.split_first() else {
        return Err("a scalar has no rows".into());
    };
    if rows.start > rows.end || rows.end > len {
        return Err(format!(
            "rows {}..{} out of range for {len} rows",
            rows.start, rows.end
        ));
    }
    let row_bytes = rest
        .iter()
        .try_fold(header.item_size()?, |a, &d| a.checked_mul(d))
        .ok_or("shape overflows")?;
    if header.fortran_order && header.shape.len() > 1 {
        // Rows of a Fortran-order array are strided through the whole payload: read it
        // all, reorder to C order, and cut the rows out.
        let total = row_bytes.checked_mul(len).ok_or("shape overflows")?;
        let mut all = Vec::with_capacity(total.min(capacity));
        stream
            .take(total as u64)
            .read_to_end(&mut all)
            .map_err(|e| format!("cannot decompress member: {e}"))?;
        if all.len() < total {
            return Err(format!("truncated data: {} bytes, need {total}", all.len()));
        }
        let item = header.item_size()?;
        let c_order = fortran_to_c(&all, &header.shape, item)?;
        // In range: rows.end <= len, and len * row_bytes == total was checked.
        return Ok(c_order[rows.start * row_bytes..rows.end * row_bytes].to_vec());
    }
    let skip = (rows.start as u64)
        .checked_mul(row_bytes as u64)
        .ok_or("shape overflows")?;
    let skipped = std::io::copy(&mut stream.take(skip), &mut std::io::sink())
        .map_err(|e| format!("cannot decompress member: {e}"))?;
    if skipped < skip {
        return Err(format!(
            "truncated data: ended {skipped} bytes into the payload"
        ));
    }
    let want = rows.len().checked_mul(row_bytes).ok_or("shape overflows")?;
    // Read what is there (at most `want` bytes) rather than allocating what the header
    // declares: a header can claim far more rows than the file holds.
    let mut bytes = Vec::with_capacity(want.min(capacity));
    stream
        .take(want as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            format!(
                "corrupt data reading rows {}..{}: {e}",
                rows.start, rows.end
            )
        })?;
    if bytes.len() < want {
        return Err(format!(
            "truncated data reading rows {}..{}: {} bytes, need {want}",
            rows.start,
            rows.end,
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// A reader that computes the CRC-32 (crc32fast: the zip / zlib CRC-32, polynomial 0xEDB88320)
/// of every byte read through it, and counts them.
struct Crc32Stream<R> {
    inner: R,
    hasher: crc32fast::Hasher,
    len: u64,
}

impl<R: Read> Read for Crc32Stream<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
}

/// One open zip member of an [`NpzFile`]: its decompressing stream, hashed as it is read, and
/// what checking it needs.
struct Member<'a> {
    path: &'a Path,
    key: String,
    name: String,
    /// The CRC-32 of the central directory entry (Python's `zipfile` compares the same value:
    /// the local header's copy, or the data descriptor's when the local header holds 0).
    recorded_crc: u32,
    /// Declared uncompressed size.
    size: u64,
    compressed_size: u64,
    stream: Crc32Stream<ZipFile<'a, BufReader<File>>>,
}

impl<'a> Member<'a> {
    fn new(path: &'a Path, key: &str, name: String, file: ZipFile<'a, BufReader<File>>) -> Self {
        Self {
            path,
            key: key.to_owned(),
            name,
            recorded_crc: file.crc32(),
            size: file.size(),
            compressed_size: file.compressed_size(),
            stream: Crc32Stream {
                inner: file,
                hasher: crc32fast::Hasher::new(),
                len: 0,
            },
        }
    }

    /// A malformed-array error for this member.
    fn bad(&self, reason: String) -> NpzError {
        NpzError::BadArray {
            path: self.path.to_path_buf(),
            key: self.key.clone(),
            reason,
        }
    }

    /// Reads the rest of the member and compares the CRC-32 of all its data with the one the
    /// zip records, as Python's `zipfile` does at the end of a member (`ZipExtFile._update_crc`:
    /// `BadZipFile("Bad CRC-32 for file …")`). A stream that fails after yielding all of its
    /// declared bytes (`zip` checks the CRC-32 itself there) is judged by the CRC-32 too.
    fn verify(&mut self) -> Result<(), NpzError> {
        let drained = std::io::copy(&mut self.stream, &mut std::io::sink());
        let computed = self.stream.hasher.clone().finalize();
        let mismatch = computed != self.recorded_crc;
        let bad_crc = || NpzError::BadCrc {
            path: self.path.to_path_buf(),
            member: self.name.clone(),
            recorded: self.recorded_crc,
            computed,
        };
        match drained {
            Ok(_) if mismatch => Err(bad_crc()),
            Err(_) if mismatch && self.stream.len == self.size => Err(bad_crc()),
            Ok(_) => Ok(()),
            Err(e) => Err(self.bad(format!(
                "cannot decompress member {:?}: {e}; the file is corrupt or truncated",
                self.name
            ))),
        }
    }

    /// The error for `reason`, found reading the member: when the member's data do not match
    /// its CRC-32, the corruption is the cause and is reported instead.
    fn fail(mut self, reason: String) -> NpzError {
        match self.verify() {
            Err(e @ NpzError::BadCrc { .. }) => e,
            _ => self.bad(reason),
        }
    }
}

/// Refuses a header whose shape needs more bytes than its member holds (`member_size`, the
/// zip entry's uncompressed size): the array is truncated or its header wrong, and `np.load`
/// fails on it ("failed to read all data"), while a row range near the start would still read.
/// A dtype the reader does not read (an object array's pickles, complex numbers, …) is refused
/// by name first, as the `.npy` reader refuses it.
fn fits_member(header: &NpyHeader, member_size: u64) -> Result<(), String> {
    let item = header.item_size()?;
    let need = header
        .count()
        .and_then(|n| n.checked_mul(item))
        .ok_or_else(|| format!("shape {:?} overflows", header.shape))?;
    if need as u64 > member_size {
        return Err(format!(
            "its header declares shape {:?} ({need} bytes of data), but the member holds only \
             {member_size} bytes: the array is truncated or its header is wrong (np.load fails \
             on it too)",
            header.shape
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_is_capped_by_what_the_file_can_decompress_to() {
        // A 2 GiB declared size in a 1000-byte file whose member claims 100 stored bytes.
        assert_eq!(capacity_hint(1 << 31, 100, 1000), 103_200);
        // A forged compressed size is capped by the file's length too.
        assert_eq!(capacity_hint(u64::MAX, u64::MAX, 1000), 1_032_000);
        // An honest header is taken as it is.
        assert_eq!(capacity_hint(800, 120, 1000), 800);
    }
}
