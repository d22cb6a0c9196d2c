//! A small `.npy` parser (format versions 1.0, 2.0 and 3.0): the header dict (`descr`,
//! `fortran_order`, `shape`) and the payloads numpy's `save`/`savez`/`savez_compressed` write
//! for real numbers and text: float16/32/64, int8..64, uint8..64, bool and fixed-width
//! unicode, in either byte order, in C or Fortran order (what `np.save` writes for a
//! transposed array; converted to C order here), 0-d and empty arrays. Complex, long double,
//! datetime, bytes, object (pickled) and structured dtypes are refused with a message saying
//! so. Every malformed input is reported as a reason string; nothing here panics on bad bytes.
//! Tested against files written by numpy itself (`scripts/make_npy_fixtures.py`).

/// Element data of an array, converted to native types.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyData {
    /// `f8`.
    F64(Vec<f64>),
    /// `f4`, and `f2` (float16) widened exactly.
    F32(Vec<f32>),
    /// `i8`, `i4`, `i2`, `i1` widened.
    Int(Vec<i64>),
    /// `u8`, `u4`, `u2`, `u1` widened.
    UInt(Vec<u64>),
    /// `b1`.
    Bool(Vec<bool>),
    /// `U<n>` (UTF-32), trailing NULs stripped.
    Str(Vec<String>),
}

/// A parsed array in C order.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// Dimensions (`()` for a scalar).
    pub shape: Vec<usize>,
    /// Elements.
    pub data: NpyData,
}

impl NpyArray {
    /// Elements as `f64` (floats and integers convert; bools and strings do not).
    pub fn to_f64(&self) -> Option<Vec<f64>> {
        match &self.data {
            NpyData::F64(v) => Some(v.clone()),
            NpyData::F32(v) => Some(v.iter().map(|&x| f64::from(x)).collect()),
            NpyData::Int(v) => Some(v.iter().map(|&x| x as f64).collect()),
            NpyData::UInt(v) => Some(v.iter().map(|&x| x as f64).collect()),
            NpyData::Bool(_) | NpyData::Str(_) => None,
        }
    }

    /// The single string of a scalar `U<n>` array.
    pub fn as_scalar_str(&self) -> Option<&str> {
        match &self.data {
            NpyData::Str(v) if v.len() == 1 => Some(&v[0]),
            _ => None,
        }
    }
}

const MAGIC: &[u8] = b"\x93NUMPY";

/// The header of an `.npy` array: what a reader needs before touching the payload, so callers can
/// learn a shape (or read a slice of rows) without materialising the whole array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// The numpy dtype string, e.g. `|u1`, `<i8`, `<f4`.
    pub descr: String,
    /// Whether the payload is in Fortran (column-major) order.
    pub fortran_order: bool,
    /// Dimensions (`()` for a scalar).
    pub shape: Vec<usize>,
}

impl NpyHeader {
    /// Number of elements (product of the shape), `None` on overflow.
    pub fn count(&self) -> Option<usize> {
        self.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))
    }

    /// Bytes per element (`U<n>` is 4·n bytes), or a reason if the dtype string is not understood.
    pub fn item_size(&self) -> Result<usize, String> {
        let (_, code, width) = split_descr(&self.descr)?;
        if code == "U" {
            width.checked_mul(4).ok_or_else(|| "dtype too wide".into())
        } else {
            Ok(width)
        }
    }
}

/// Bytes before the header text: magic, version, header length (2 bytes in v1, 4 in v2/v3).
fn preamble_len(bytes: &[u8]) -> Result<(usize, usize), String> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err("not an .npy file (bad magic)".into());
    }
    match bytes[6] {
        1 => Ok((usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10)),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err("truncated header length".into());
            }
            Ok((
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            ))
        }
        v => Err(format!("unsupported .npy version {v}")),
    }
}

/// Parses the header at the start of `bytes` (which may hold only the header) and returns it with
/// the payload's byte offset.
pub fn parse_npy_header(bytes: &[u8]) -> Result<(NpyHeader, usize), String> {
    let (header_len, header_start) = preamble_len(bytes)?;
    let header_end = header_start
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or("truncated header")?;
    let header =
        std::str::from_utf8(&bytes[header_start..header_end]).map_err(|_| "header is not UTF-8")?;
    let descr = dict_str_value(header, "descr").ok_or_else(|| {
        if dict_raw_value(header, "descr").is_some_and(|d| d.starts_with('[')) {
            "structured dtypes (records with named fields) are not supported; save each field as its own array".to_string()
        } else {
            "header has no 'descr'".to_string()
        }
    })?;
    let fortran = dict_raw_value(header, "fortran_order").ok_or("header has no 'fortran_order'")?;
    let shape = parse_shape(dict_raw_value(header, "shape").ok_or("header has no 'shape'")?)?;
    let header = NpyHeader {
        descr: descr.to_owned(),
        fortran_order: fortran.starts_with("True"),
        shape,
    };
    header.count().ok_or("shape overflows")?;
    Ok((header, header_end))
}

/// Reads exactly the preamble and header of an `.npy` stream, leaving `reader` at the payload.
pub fn read_npy_header(reader: &mut impl std::io::Read) -> Result<NpyHeader, String> {
    let mut buf = vec![0u8; 12];
    reader
        .read_exact(&mut buf[..10])
        .map_err(|e| format!("truncated header: {e}"))?;
    if &buf[..6] != MAGIC {
        return Err("not an .npy file (bad magic)".into());
    }
    let fixed = if buf[6] == 1 { 10 } else { 12 };
    if fixed == 12 {
        reader
            .read_exact(&mut buf[10..12])
            .map_err(|e| format!("truncated header: {e}"))?;
    }
    let (header_len, _) = preamble_len(&buf[..fixed])?;
    if header_len > 1 << 20 {
        return Err(format!("implausible header length {header_len}"));
    }
    buf.truncate(fixed);
    buf.resize(fixed + header_len, 0);
    reader
        .read_exact(&mut buf[fixed..])
        .map_err(|e| format!("truncated header: {e}"))?;
    parse_npy_header(&buf).map(|(h, _)| h)
}

/// Encodes a version-1.0 `.npy` header for a C-order array, padded with spaces and a newline so the
/// payload starts at a multiple of 64 bytes, as numpy writes it (numpy relies on that alignment for
/// memory-mapping).
pub fn encode_npy_header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [d] => format!("({d},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
    let unpadded = MAGIC.len() + 4 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// Parses a whole `.npy` byte buffer. Fortran-order payloads are returned in C order.
pub fn parse_npy(bytes: &[u8]) -> Result<NpyArray, String> {
    let (header, header_end) = parse_npy_header(bytes)?;
    let count = header.count().ok_or("shape overflows")?;
    let item = header.item_size()?;
    let need = count.checked_mul(item).ok_or("array too large")?;
    let payload = &bytes[header_end..];
    if payload.len() < need {
        return Err(format!(
            "truncated data: {} bytes, need {need}",
            payload.len()
        ));
    }
    let payload = &payload[..need];
    let data = if header.fortran_order && header.shape.len() > 1 {
        decode(
            &header.descr,
            count,
            &fortran_to_c(payload, &header.shape, item)?,
        )?
    } else {
        decode(&header.descr, count, payload)?
    };
    Ok(NpyArray {
        shape: header.shape,
        data,
    })
}

/// Reorders the items (`item` bytes each) of a Fortran-order (column-major) payload of `shape`
/// into C (row-major) order. Errors if `payload` is shorter than the product of `shape` items.
pub fn fortran_to_c(payload: &[u8], shape: &[usize], item: usize) -> Result<Vec<u8>, String> {
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or("shape overflows")?;
    let need = count.checked_mul(item).ok_or("array too large")?;
    if payload.len() < need {
        return Err(format!(
            "truncated data: {} bytes, need {need}",
            payload.len()
        ));
    }
    let mut out = Vec::with_capacity(need);
    if count == 0 || item == 0 {
        return Ok(out);
    }
    // Fortran strides (in items): the first axis varies fastest.
    let mut strides = Vec::with_capacity(shape.len());
    let mut stride = 1usize;
    for &d in shape {
        strides.push(stride);
        stride *= d;
    }
    // Walk the C-order multi-index like an odometer (last axis fastest).
    let mut index = vec![0usize; shape.len()];
    let mut offset = 0usize;
    for _ in 0..count {
        out.extend_from_slice(&payload[offset * item..(offset + 1) * item]);
        for axis in (0..shape.len()).rev() {
            index[axis] += 1;
            offset += strides[axis];
            if index[axis] < shape[axis] {
                break;
            }
            offset -= strides[axis] * shape[axis];
            index[axis] = 0;
        }
    }
    Ok(out)
}

/// Splits a dtype string into byte order (`<`, `>`, `|` or `=`), type code and width, and
/// refuses the dtypes this reader does not convert, naming what they are.
fn split_descr(descr: &str) -> Result<(char, &str, usize), String> {
    let (order, kind) = match descr.chars().next() {
        Some(c @ ('<' | '>' | '|' | '=')) => (c, &descr[1..]),
        _ => ('=', descr),
    };
    if !kind.is_char_boundary(kind.len().min(1)) {
        return Err(format!("unsupported dtype {descr:?}"));
    }
    let (code, width) = kind.split_at(kind.len().min(1));
    let refused = match code {
        "c" => Some("complex numbers"),
        "M" | "m" => Some("dates and times"),
        "O" => Some("Python objects (pickled)"),
        "S" | "a" => Some("byte strings"),
        "V" => Some("raw or structured records"),
        _ => None,
    };
    if let Some(what) = refused {
        return Err(format!(
            "dtype {descr:?} holds {what}, which dforce does not read; save a real-valued (float, int, uint, bool) or unicode array"
        ));
    }
    let width: usize = width
        .parse()
        .map_err(|_| format!("unsupported dtype {descr:?}"))?;
    if code == "f" && !matches!(width, 2 | 4 | 8) {
        return Err(format!(
            "dtype {descr:?} is a {width}-byte float (numpy's long double, or not a float numpy writes), which dforce does not read; save it as float64"
        ));
    }
    if order == '=' && width > 1 && cfg!(target_endian = "big") {
        return Err(format!(
            "dtype {descr:?} has the writer's native byte order; numpy writes '<' or '>'"
        ));
    }
    Ok((order, code, width))
}

/// The text following `'key':` up to the next top-level `,` or `}`.
fn dict_raw_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("'{key}':");
    let start = header.find(&pat)? + pat.len();
    let rest = header[start..].trim_start();
    if rest.starts_with('(') {
        let close = rest.find(')')?;
        return Some(&rest[..=close]);
    }
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// A quoted string value of the header dict.
fn dict_str_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let raw = dict_raw_value(header, key)?;
    let q = raw.chars().next()?;
    if q != '\'' && q != '"' {
        return None;
    }
    let inner = &raw[1..];
    Some(&inner[..inner.find(q)?])
}

fn parse_shape(raw: &str) -> Result<Vec<usize>, String> {
    let inner = raw
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| format!("bad shape {raw:?}"))?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_end_matches('L')
                .parse::<usize>()
                .map_err(|_| format!("bad shape {raw:?}"))
        })
        .collect()
}

/// Decodes `count` elements of dtype `descr` from a C-order payload as numpy stores it (either
/// byte order), e.g. the rows [`NpzFile::read_rows`](super::NpzFile::read_rows) returns, into
/// native values; a reason when the dtype is not one [`parse_npy`] reads or the payload is short.
pub fn decode_payload(descr: &str, count: usize, payload: &[u8]) -> Result<NpyData, String> {
    decode(descr, count, payload)
}

fn decode(descr: &str, count: usize, payload: &[u8]) -> Result<NpyData, String> {
    let (order, code, width) = split_descr(descr)?;
    let big = order == '>';
    let item = if code == "U" {
        width.checked_mul(4).ok_or("dtype too wide")?
    } else {
        width
    };
    let need = count.checked_mul(item).ok_or("array too large")?;
    if payload.len() < need {
        return Err(format!(
            "truncated data: {} bytes, need {need}",
            payload.len()
        ));
    }
    let p = &payload[..need];
    let chunk = |c: &[u8]| -> [u8; 8] {
        let mut b = [0u8; 8];
        if big {
            for (k, &x) in c.iter().rev().enumerate() {
                b[k] = x;
            }
        } else {
            b[..c.len()].copy_from_slice(c);
        }
        b
    };
    Ok(match (code, width) {
        ("f", 8) => NpyData::F64(
            p.chunks_exact(8)
                .map(|c| f64::from_le_bytes(chunk(c)))
                .collect(),
        ),
        ("f", 2) => NpyData::F32(
            p.chunks_exact(2)
                .map(|c| {
                    let b = chunk(c);
                    half::f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32()
                })
                .collect(),
        ),
        ("f", 4) => NpyData::F32(
            p.chunks_exact(4)
                .map(|c| {
                    let b = chunk(c);
                    f32::from_le_bytes([b[0], b[1], b[2], b[3]])
                })
                .collect(),
        ),
        ("i", 1 | 2 | 4 | 8) => NpyData::Int(
            p.chunks_exact(width)
                .map(|c| {
                    let raw = u64::from_le_bytes(chunk(c));
                    let shift = 64 - 8 * width as u32;
                    ((raw << shift) as i64) >> shift
                })
                .collect(),
        ),
        ("u", 1 | 2 | 4 | 8) => NpyData::UInt(
            p.chunks_exact(width)
                .map(|c| u64::from_le_bytes(chunk(c)))
                .collect(),
        ),
        ("b", 1) => NpyData::Bool(p.iter().map(|&b| b != 0).collect()),
        ("U", _) => NpyData::Str(
            p.chunks_exact(item.max(1))
                .take(count)
                .map(|c| {
                    c.chunks_exact(4)
                        .map(|u| {
                            let b = chunk(u);
                            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
                        })
                        .take_while(|&u| u != 0)
                        .map(|u| char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER))
                        .collect()
                })
                .collect(),
        ),
        _ => return Err(format!("unsupported dtype {descr:?}")),
    })
}
