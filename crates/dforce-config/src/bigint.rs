//! Integers outside the 64-bit range, which Python (and so OmegaConf and Hydra) keeps exactly.
//!
//! `+a=12345678901234567890` and YAML `a: 123456789012345678901234567890` are Python ints in
//! Hydra 1.3.2: printed exactly, `str()`-ed exactly into longer strings, `float()`-ed with
//! correct rounding. dforce keeps such a value as a [`BigInt`] (a sign and decimal digits) in
//! [`Value::BigInt`](crate::Value::BigInt); values that fit in `i64` are always
//! [`Value::Int`](crate::Value::Int), so a reader of 64-bit ints sees a big one as a
//! different variant and reports it as out of range instead of wrapping it.

use std::cmp::Ordering;
use std::fmt;

use crate::value::Value;

/// Most decimal digits an integer may have (Python 3.11's `int`/`str` conversion limit,
/// `sys.get_int_max_str_digits()`, is 4300; a longer literal fails in Python too).
pub(crate) const MAX_DIGITS: usize = 4300;

/// An integer outside `i64`, kept exactly (Python's unbounded `int`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BigInt {
    negative: bool,
    /// Decimal digits of the magnitude, without leading zeros.
    digits: String,
}

impl fmt::Display for BigInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str(&self.digits)
    }
}

impl BigInt {
    /// True for a negative value.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// Python's `float(n)`: the nearest double (ties to even), or `None` where Python raises
    /// `OverflowError: int too large to convert to float`.
    pub fn to_f64(&self) -> Option<f64> {
        let f: f64 = self.to_string().parse().ok()?;
        f.is_finite().then_some(f)
    }

    /// Python's ordering of two ints.
    pub(crate) fn cmp_big(&self, other: &BigInt) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (neg, _) => {
                let magnitude = self
                    .digits
                    .len()
                    .cmp(&other.digits.len())
                    .then_with(|| self.digits.cmp(&other.digits));
                if neg { magnitude.reverse() } else { magnitude }
            }
        }
    }

    /// Python's ordering of this int and an `i64` (always outside its range).
    pub(crate) fn cmp_i64(&self) -> Ordering {
        if self.negative {
            Ordering::Less
        } else {
            Ordering::Greater
        }
    }

    /// Python's exact ordering of this int and a float; `None` for NaN.
    pub(crate) fn cmp_f64(&self, f: f64) -> Option<Ordering> {
        if f.is_nan() {
            return None;
        }
        if f.is_infinite() {
            return Some(if f > 0.0 {
                Ordering::Less
            } else {
                Ordering::Greater
            });
        }
        // |self| >= 2^63: a float of smaller magnitude is decided by the sign; one of at
        // least 2^63 is an integer, compared exactly.
        if f.abs() < 9_223_372_036_854_775_808.0 {
            return Some(self.cmp_i64());
        }
        match from_f64(f) {
            Value::BigInt(b) => Some(self.cmp_big(&b)),
            Value::Int(_) => Some(self.cmp_i64()),
            _ => None,
        }
    }
}

/// Magnitude in base 10^9, least significant limb first.
struct Natural(Vec<u32>);

const LIMB: u64 = 1_000_000_000;

impl Natural {
    fn zero() -> Self {
        Natural(Vec::new())
    }

    fn mul_add(&mut self, factor: u32, addend: u32) {
        let mut carry = u64::from(addend);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(factor) + carry;
            *limb = (v % LIMB) as u32;
            carry = v / LIMB;
        }
        while carry > 0 {
            self.0.push((carry % LIMB) as u32);
            carry /= LIMB;
        }
    }

    fn decimal(&self) -> String {
        let Some((top, rest)) = self.0.split_last() else {
            return "0".to_string();
        };
        let mut s = top.to_string();
        for limb in rest.iter().rev() {
            s.push_str(&format!("{limb:09}"));
        }
        s
    }
}

/// The int with this sign and decimal magnitude: [`Value::Int`] when it fits in `i64`,
/// otherwise [`Value::BigInt`]. `digits` must be ASCII digits (leading zeros allowed);
/// `None` for anything else or for more than [`MAX_DIGITS`] significant digits.
pub(crate) fn from_decimal(negative: bool, digits: &str) -> Option<Value> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = digits.trim_start_matches('0');
    if digits.len() > MAX_DIGITS {
        return None;
    }
    let text = if negative {
        format!("-{digits}")
    } else {
        digits.to_string()
    };
    if digits.is_empty() {
        return Some(Value::Int(0));
    }
    Some(match text.parse::<i64>() {
        Ok(i) => Value::Int(i),
        Err(_) => Value::BigInt(BigInt {
            negative,
            digits: digits.to_string(),
        }),
    })
}

/// The int written with `digits` in `radix` (2, 8, 10 or 16), as [`from_decimal`].
pub(crate) fn from_radix(negative: bool, digits: &str, radix: u32) -> Option<Value> {
    if radix == 10 {
        return from_decimal(negative, digits);
    }
    let mut n = Natural::zero();
    for c in digits.chars() {
        let d = c.to_digit(radix)?;
        n.mul_add(radix, d);
        if n.0.len() * 9 > MAX_DIGITS + 9 {
            return None;
        }
    }
    from_decimal(negative, &n.decimal())
}

/// YAML 1.1's base-60 int `a:b:c` (the parts after the first are below 60), as
/// [`from_decimal`].
pub(crate) fn from_sexagesimal(negative: bool, parts: &[&str]) -> Option<Value> {
    let (first, rest) = parts.split_first()?;
    // PyYAML converts each part with int(), which refuses more than 4300 digits; checking
    // first also keeps the conversion below linear in the input.
    if first.len() > MAX_DIGITS || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n = Natural::zero();
    for chunk in first.as_bytes().chunks(9) {
        // Invariant: chunks of an ASCII-digit string are ASCII digits.
        let text = std::str::from_utf8(chunk).ok()?;
        let scale = 10u32.pow(chunk.len() as u32);
        n.mul_add(scale, text.parse().ok()?);
    }
    for part in rest {
        let d: u32 = part.parse().ok()?;
        n.mul_add(60, d);
        if n.0.len() * 9 > MAX_DIGITS + 9 {
            return None;
        }
    }
    from_decimal(negative, &n.decimal())
}

/// Python's `int(f)` for a finite float: its exact integer part.
pub(crate) fn from_f64(f: f64) -> Value {
    let t = f.trunc();
    if t.abs() < 9_223_372_036_854_775_808.0 {
        return Value::Int(t as i64);
    }
    // |t| >= 2^63: mantissa * 2^exponent exactly, with exponent > 0.
    let bits = t.abs().to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32 - 1075;
    let mantissa = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let mut n = Natural::zero();
    n.mul_add(1, (mantissa % LIMB) as u32);
    let high = mantissa / LIMB;
    if high > 0 {
        n.0.push((high % LIMB) as u32);
        if high / LIMB > 0 {
            n.0.push((high / LIMB) as u32);
        }
    }
    for _ in 0..exponent.max(0) {
        n.mul_add(2, 0);
    }
    from_decimal(f < 0.0, &n.decimal()).unwrap_or(Value::Float(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(s: &str) -> BigInt {
        let (neg, d) = match s.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, s),
        };
        match from_decimal(neg, d) {
            Some(Value::BigInt(b)) => b,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn only_values_outside_i64_are_big() {
        assert_eq!(
            from_decimal(false, "9223372036854775807"),
            Some(Value::Int(i64::MAX))
        );
        assert_eq!(
            from_decimal(true, "9223372036854775808"),
            Some(Value::Int(i64::MIN))
        );
        assert_eq!(
            big("9223372036854775808").to_string(),
            "9223372036854775808"
        );
        assert_eq!(
            big("-0012345678901234567890").to_string(),
            "-12345678901234567890"
        );
        assert_eq!(from_decimal(false, "000"), Some(Value::Int(0)));
        assert_eq!(from_decimal(false, "1x"), None);
    }

    #[test]
    fn radix_and_sexagesimal_like_pyyaml() {
        // Python: int('ffffffffffffffffffff', 16) == 1208925819614629174706175;
        // 123456789012345678901:30 (YAML 1.1) == 123456789012345678901 * 60 + 30.
        assert_eq!(
            from_radix(false, "ffffffffffffffffffff", 16).map(|v| crate::py_str(&v)),
            Some("1208925819614629174706175".to_string())
        );
        assert_eq!(
            from_sexagesimal(false, &["123456789012345678901", "30"]).map(|v| crate::py_str(&v)),
            Some("7407407340740740734090".to_string())
        );
    }

    #[test]
    fn float_conversions_like_python() {
        // Python: float(12345678901234567890) == 1.2345678901234567e+19;
        // int(1e20) == 100000000000000000000; int(-2.5e30) == -2499999999999999908974073741312.
        assert_eq!(
            big("12345678901234567890").to_f64(),
            Some(1.2345678901234567e19)
        );
        assert_eq!(crate::py_str(&from_f64(1e20)), "100000000000000000000");
        assert_eq!(
            crate::py_str(&from_f64(-2.5e30)),
            "-2499999999999999908974073741312"
        );
        assert_eq!(big(&"9".repeat(400)).to_f64(), None);
    }

    #[test]
    fn ordering_like_python() {
        let a = big("12345678901234567890");
        let b = big("-12345678901234567890");
        assert_eq!(a.cmp_big(&b), Ordering::Greater);
        assert_eq!(
            b.cmp_big(&big("-2345678901234567890000")),
            Ordering::Greater
        );
        assert_eq!(a.cmp_f64(1.2345678901234567e19), Some(Ordering::Greater));
        assert_eq!(a.cmp_f64(1.3e19), Some(Ordering::Less));
        assert_eq!(b.cmp_f64(0.5), Some(Ordering::Less));
        assert_eq!(a.cmp_f64(f64::NAN), None);
    }
}
