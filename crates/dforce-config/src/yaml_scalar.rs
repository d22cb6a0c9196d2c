//! Typing of plain (unquoted) YAML scalars, as OmegaConf's loader does it.
//!
//! OmegaConf loads YAML with PyYAML's `SafeLoader`, which follows YAML **1.1** (so `yes`/`on`
//! are booleans, `010` is octal 8 and `1:30` is 90), minus timestamps, plus an extra float
//! rule so that `1e-4` (no dot) is a float rather than the string YAML 1.1 would give.
//! yaml-rust2 implements YAML 1.2, so we take its plain scalars as text and type them here.
//! The checks run in PyYAML's resolver order: bool, float, int, null, `=`, OmegaConf float.

use crate::value::Value;

/// The typed value of a plain scalar, or an error for integers of more than 4300 digits (as in
/// Python) and for the
/// YAML 1.1 "value" scalar `=`, which PyYAML's safe loader cannot construct either.
pub fn resolve_plain(s: &str) -> Result<Value, String> {
    if is_bool(s) {
        return Ok(Value::Bool(matches!(
            s,
            "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON"
        )));
    }
    if is_yaml11_float(s) {
        return Ok(Value::Float(construct_float(s)?));
    }
    if is_yaml11_int(s) {
        return construct_int(s);
    }
    if is_null(s) {
        return Ok(Value::Null);
    }
    if s == "=" {
        return Err("the YAML 1.1 value key '=' is not supported; quote it: '='".to_string());
    }
    if is_omegaconf_float(s) {
        return Ok(Value::Float(construct_float(s)?));
    }
    if s == "???" {
        return Ok(Value::Missing);
    }
    Ok(Value::String(s.to_string()))
}

/// True if a plain scalar with this text would load as something other than a string
/// (including `???`), i.e. a string with this text must be quoted when written as YAML.
pub fn plain_is_not_string(s: &str) -> bool {
    !matches!(resolve_plain(s), Ok(Value::String(_)))
}

fn is_bool(s: &str) -> bool {
    matches!(
        s,
        "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

fn is_null(s: &str) -> bool {
    matches!(s, "~" | "null" | "Null" | "NULL" | "")
}

/// A cursor over ASCII bytes for the hand-written regular expressions below.
struct Cur<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn new(s: &'a str) -> Self {
        Cur {
            s: s.as_bytes(),
            i: 0,
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn eat_if(&mut self, f: impl Fn(u8) -> bool) -> bool {
        match self.peek() {
            Some(c) if f(c) => {
                self.i += 1;
                true
            }
            _ => false,
        }
    }
    /// Consumes as many bytes matching `f` as possible; returns how many.
    fn eat_all(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let start = self.i;
        while self.eat_if(&f) {}
        self.i - start
    }
    fn sign(&mut self) {
        let _ = self.eat(b'+') || self.eat(b'-');
    }
    fn done(&self) -> bool {
        self.i == self.s.len()
    }
    fn eat_str(&mut self, options: &[&str]) -> bool {
        for o in options {
            if self.s[self.i..].starts_with(o.as_bytes()) {
                self.i += o.len();
                return true;
            }
        }
        false
    }
    /// `(?::[0-5]?[0-9])+`
    fn sexagesimal_groups(&mut self) -> bool {
        let mut n = 0;
        while self.peek() == Some(b':') {
            self.i += 1;
            let a = self.peek();
            let b = self.s.get(self.i + 1).copied();
            match (a, b) {
                (Some(a), Some(b)) if (b'0'..=b'5').contains(&a) && b.is_ascii_digit() => {
                    self.i += 2
                }
                (Some(a), _) if a.is_ascii_digit() => self.i += 1,
                _ => return false,
            }
            n += 1;
        }
        n > 0
    }
    /// `[0-9]+(?:_[0-9]+)*`
    fn digit_groups(&mut self) -> bool {
        if self.eat_all(|c| c.is_ascii_digit()) == 0 {
            return false;
        }
        while self.peek() == Some(b'_') {
            self.i += 1;
            if self.eat_all(|c| c.is_ascii_digit()) == 0 {
                return false;
            }
        }
        true
    }
    /// `[eE]` + sign (required or optional) + `[0-9]+`
    fn exponent(&mut self, sign_required: bool) -> bool {
        if !(self.eat(b'e') || self.eat(b'E')) {
            return false;
        }
        let signed = self.eat(b'+') || self.eat(b'-');
        if sign_required && !signed {
            return false;
        }
        self.eat_all(|c| c.is_ascii_digit()) > 0
    }
}

fn digit_or_underscore(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

fn inf_or_nan(s: &str) -> bool {
    let mut c = Cur::new(s);
    c.sign();
    if c.eat(b'.') && c.eat_str(&["inf", "Inf", "INF"]) && c.done() {
        return true;
    }
    let mut c = Cur::new(s);
    c.eat(b'.') && c.eat_str(&["nan", "NaN", "NAN"]) && c.done()
}

/// PyYAML's YAML 1.1 float pattern.
fn is_yaml11_float(s: &str) -> bool {
    // [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?
    let alt1 = || {
        let mut c = Cur::new(s);
        c.sign();
        if !c.eat_if(|b| b.is_ascii_digit()) {
            return false;
        }
        c.eat_all(digit_or_underscore);
        if !c.eat(b'.') {
            return false;
        }
        c.eat_all(digit_or_underscore);
        if c.done() {
            return true;
        }
        c.exponent(true) && c.done()
    };
    // \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    let alt2 = || {
        let mut c = Cur::new(s);
        if !(c.eat(b'.') && c.eat_if(|b| b.is_ascii_digit())) {
            return false;
        }
        c.eat_all(digit_or_underscore);
        c.done() || (c.exponent(true) && c.done())
    };
    // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    let alt3 = || {
        let mut c = Cur::new(s);
        c.sign();
        if !c.eat_if(|b| b.is_ascii_digit()) {
            return false;
        }
        c.eat_all(digit_or_underscore);
        if !c.sexagesimal_groups() || !c.eat(b'.') {
            return false;
        }
        c.eat_all(digit_or_underscore);
        c.done()
    };
    alt1() || alt2() || alt3() || inf_or_nan(s)
}

/// The extra float pattern OmegaConf registers (accepts `1e-4`, `1.0e5`, `1_000.5`).
fn is_omegaconf_float(s: &str) -> bool {
    // [-+]?[0-9]+(?:_[0-9]+)*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    let a1 = || {
        let mut c = Cur::new(s);
        c.sign();
        if !c.digit_groups() || !c.eat(b'.') {
            return false;
        }
        c.eat_all(digit_or_underscore);
        c.done() || (c.exponent(false) && c.done())
    };
    // [-+]?[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+)
    let a2 = || {
        let mut c = Cur::new(s);
        c.sign();
        c.digit_groups() && c.exponent(false) && c.done()
    };
    // \.[0-9]+(?:_[0-9]+)*(?:[eE][-+][0-9]+)?
    let a3 = || {
        let mut c = Cur::new(s);
        if !(c.eat(b'.') && c.digit_groups()) {
            return false;
        }
        c.done() || (c.exponent(true) && c.done())
    };
    // [-+]?[0-9]+(?:_[0-9]+)*(?::[0-5]?[0-9])+\.[0-9_]*
    let a4 = || {
        let mut c = Cur::new(s);
        c.sign();
        if !c.digit_groups() || !c.sexagesimal_groups() || !c.eat(b'.') {
            return false;
        }
        c.eat_all(digit_or_underscore);
        c.done()
    };
    a1() || a2() || a3() || a4() || inf_or_nan(s)
}

/// PyYAML's YAML 1.1 int pattern (binary, octal, decimal, hex, sexagesimal).
fn is_yaml11_int(s: &str) -> bool {
    let prefixed = |prefix: &[u8], f: fn(u8) -> bool| {
        let mut c = Cur::new(s);
        c.sign();
        prefix.iter().all(|p| c.eat(*p)) && c.eat_all(|b| f(b) || b == b'_') > 0 && c.done()
    };
    let binary = prefixed(b"0b", |b| b == b'0' || b == b'1');
    let octal = prefixed(b"0", |b| (b'0'..=b'7').contains(&b));
    let hex = prefixed(b"0x", |b| b.is_ascii_hexdigit());
    let decimal = {
        let mut c = Cur::new(s);
        c.sign();
        if c.eat(b'0') {
            c.done()
        } else {
            c.eat_if(|b| (b'1'..=b'9').contains(&b)) && {
                c.eat_all(digit_or_underscore);
                c.done()
            }
        }
    };
    let sexagesimal = {
        let mut c = Cur::new(s);
        c.sign();
        c.eat_if(|b| (b'1'..=b'9').contains(&b)) && {
            c.eat_all(digit_or_underscore);
            c.sexagesimal_groups() && c.done()
        }
    };
    binary || octal || decimal || hex || sexagesimal
}

/// PyYAML's `construct_yaml_float`.
fn construct_float(s: &str) -> Result<f64, String> {
    let v = s.replace('_', "").to_ascii_lowercase();
    let (sign, body) = match v.as_bytes().first() {
        Some(b'-') => (-1.0, &v[1..]),
        Some(b'+') => (1.0, &v[1..]),
        _ => (1.0, v.as_str()),
    };
    if body == ".inf" {
        return Ok(sign * f64::INFINITY);
    }
    if body == ".nan" {
        return Ok(f64::NAN);
    }
    let parse = |t: &str| {
        t.parse::<f64>()
            .map_err(|_| format!("'{s}' looks like a float but is not one"))
    };
    if body.contains(':') {
        let mut value = 0.0;
        let mut base = 1.0;
        for part in body.split(':').rev() {
            value += parse(part)? * base;
            base *= 60.0;
        }
        return Ok(sign * value);
    }
    Ok(sign * parse(body)?)
}

/// PyYAML's `construct_yaml_int`: any size, as Python's `int` ([`Value::BigInt`] outside
/// `i64`).
fn construct_int(s: &str) -> Result<Value, String> {
    let v = s.replace('_', "");
    let (negative, body) = match v.as_bytes().first() {
        Some(b'-') => (true, &v[1..]),
        Some(b'+') => (false, &v[1..]),
        _ => (false, v.as_str()),
    };
    let too_long = || {
        format!(
            "integer '{s}' has more than {} digits (Python's int limit); quote it",
            crate::bigint::MAX_DIGITS
        )
    };
    let value = if body == "0" {
        Some(Value::Int(0))
    } else if let Some(b) = body.strip_prefix("0b") {
        crate::bigint::from_radix(negative, b, 2)
    } else if let Some(h) = body.strip_prefix("0x") {
        crate::bigint::from_radix(negative, h, 16)
    } else if body.starts_with('0') {
        crate::bigint::from_radix(negative, body, 8)
    } else if body.contains(':') {
        let parts: Vec<&str> = body.split(':').collect();
        crate::bigint::from_sexagesimal(negative, &parts)
    } else {
        crate::bigint::from_decimal(negative, body)
    };
    value.ok_or_else(too_long)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Value {
        resolve_plain(s).unwrap()
    }

    #[test]
    fn floats_like_omegaconf() {
        assert_eq!(r("1e-4"), Value::Float(1e-4));
        assert_eq!(r("2e-3"), Value::Float(2e-3));
        assert_eq!(r("1e4"), Value::Float(1e4));
        assert_eq!(r("1.0e5"), Value::Float(1e5));
        assert_eq!(r("6."), Value::Float(6.0));
        assert_eq!(r(".5"), Value::Float(0.5));
        assert_eq!(r("-1.0198415e-03"), Value::Float(-1.0198415e-03));
        assert_eq!(r("3.7296331e+00"), Value::Float(3.7296331));
        assert_eq!(r("1_000.5"), Value::Float(1000.5));
        assert_eq!(r(".inf"), Value::Float(f64::INFINITY));
        assert_eq!(r("-.inf"), Value::Float(f64::NEG_INFINITY));
        assert!(matches!(r(".nan"), Value::Float(x) if x.is_nan()));
        assert_eq!(r("1:30.5"), Value::Float(90.5));
    }

    #[test]
    fn ints_like_yaml_1_1() {
        assert_eq!(r("10000"), Value::Int(10000));
        assert_eq!(r("-1"), Value::Int(-1));
        assert_eq!(r("+7"), Value::Int(7));
        assert_eq!(r("0"), Value::Int(0));
        assert_eq!(r("1_000"), Value::Int(1000));
        assert_eq!(r("010"), Value::Int(8));
        assert_eq!(r("0x1F"), Value::Int(31));
        assert_eq!(r("0b101"), Value::Int(5));
        assert_eq!(r("1:30"), Value::Int(90));
        // Python ints are unbounded: PyYAML gives 99999999999999999999.
        assert_eq!(
            crate::py_str(&r("99999999999999999999")),
            "99999999999999999999"
        );
    }

    #[test]
    fn big_sexagesimal_hex_and_octal_ints_are_exact_not_a_panic_or_wrap() {
        // Expected values: PyYAML's safe_load (Python ints are unbounded).
        let many = format!("9{}", ":0".repeat(21));
        assert_eq!(
            crate::py_str(&r(&many)),
            "197432555763400704000000000000000000000"
        );
        // A leading part near i128::MAX / 60: used to wrap to 44 in release builds.
        assert_eq!(
            crate::py_str(&r("5671372782015641057722910123862803525:0")),
            "340282366920938463463374607431768211500"
        );
        assert_eq!(
            crate::py_str(&r("-5671372782015641057722910123862803525:0")),
            "-340282366920938463463374607431768211500"
        );
        assert_eq!(
            r(&format!("1{}", ":0".repeat(10))),
            Value::Int(60i64.pow(10))
        );
        assert_eq!(
            crate::py_str(&r(&format!("1{}", ":0".repeat(40)))),
            "133674945388437340678388459765760000000000000000000000000000000000000000"
        );
        assert_eq!(
            crate::py_str(&r("-0x1ffffffffffffffff")),
            "-36893488147419103231"
        );
        assert_eq!(
            crate::py_str(&r("0777777777777777777777777")),
            "4722366482869645213695"
        );
        // Past Python's 4300-digit limit it is an error, however it is written.
        assert!(resolve_plain(&format!("1{}", ":0".repeat(6000))).is_err());
        assert!(resolve_plain(&"9".repeat(4301)).is_err());
        assert!(resolve_plain(&format!("{}:30", "9".repeat(1_000_000))).is_err());
        // The emitter asks about every string it prints; it must not panic either.
        assert!(plain_is_not_string(&many));
        assert!(plain_is_not_string(
            "5671372782015641057722910123862803525:0"
        ));
    }

    #[test]
    fn bools_nulls_missing_and_strings() {
        for t in ["true", "True", "TRUE", "yes", "on", "On"] {
            assert_eq!(r(t), Value::Bool(true), "{t}");
        }
        for f in ["false", "False", "no", "off", "OFF"] {
            assert_eq!(r(f), Value::Bool(false), "{f}");
        }
        for n in ["null", "Null", "NULL", "~", ""] {
            assert_eq!(r(n), Value::Null, "{n}");
        }
        assert_eq!(r("???"), Value::Missing);
        for s in [
            "16-mixed",
            "pred_v",
            "24:0:0x",
            "1.2.3",
            "tRUE",
            "nan",
            "inf",
            "y",
            "1e",
            "e5",
            "${a.b}",
            "data/minecraft",
            "0.0.1",
            "08",
        ] {
            assert_eq!(r(s), Value::String(s.to_string()), "{s}");
        }
    }
}
