//! A small `.npy` parser (format versions 1–3): the header dict (`descr`, `fortran_order`,
//! `shape`) and little/big-endian numeric, bool and fixed-width unicode payloads. Every
//! malformed input is reported as a reason string; nothing here panics on bad bytes.

/// Element data of an array, converted to native types.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyData {
    /// `f8`.
    F64(Vec<f64>),
    /// `f4`.
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

/// Parses a whole `.npy` byte buffer.
pub fn parse_npy(bytes: &[u8]) -> Result<NpyArray, String> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err("not an .npy file (bad magic)".into());
    }
    let major = bytes[6];
    let (header_len, header_start): (usize, usize) = match major {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err("truncated header length".into());
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header_end = header_start
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or("truncated header")?;
    let header =
        std::str::from_utf8(&bytes[header_start..header_end]).map_err(|_| "header is not UTF-8")?;
    let descr = dict_str_value(header, "descr").ok_or("header has no 'descr'")?;
    let fortran = dict_raw_value(header, "fortran_order").ok_or("header has no 'fortran_order'")?;
    let shape = parse_shape(dict_raw_value(header, "shape").ok_or("header has no 'shape'")?)?;
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or("shape overflows")?;
    if fortran.starts_with("True") && shape.len() > 1 {
        return Err("fortran_order arrays are not supported".into());
    }
    let payload = &bytes[header_end..];
    let data = decode(descr, count, payload)?;
    Ok(NpyArray { shape, data })
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

fn decode(descr: &str, count: usize, payload: &[u8]) -> Result<NpyData, String> {
    let (order, kind) = match descr.chars().next() {
        Some(c @ ('<' | '>' | '|' | '=')) => (c, &descr[1..]),
        _ => ('=', descr),
    };
    let big = order == '>';
    let (code, width) = kind.split_at(kind.len().min(1));
    let width: usize = width
        .parse()
        .map_err(|_| format!("unsupported dtype {descr:?}"))?;
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
