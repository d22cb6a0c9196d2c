//! Hydra 1.3's override grammar functions: the casts `int`, `float`, `str`, `bool`, the list
//! functions `sort` and `shuffle`, and the sweeps `choice`, `range`, `interval`, `tag`, `glob`.
//!
//! Semantics follow `hydra/_internal/grammar/grammar_functions.py` of Hydra 1.3.2:
//! - a cast applies to a scalar with Python's `int()`/`float()`/`str()`/`bool()` rules
//!   (`int(3.7)` is 3, `int('3.7')` fails, `str(true)` is `true`, `bool('yes')` fails), to each
//!   item of a list and to each value of a dictionary; quoted strings are cast as their text;
//! - a cast of several values (`int(1,2)`) is a sweep, like `choice`;
//! - `sort(list)` sorts (`reverse=true` descends), `sort(x)` of one scalar is `x`;
//!   `shuffle(list)` returns the list in a random order, `shuffle(x)` is `[x]`;
//! - `choice`, `range`, `interval`, `tag`, `glob` and any function of a sweep make a sweep,
//!   which needs `--multirun`: the caller refuses it.
//!
//! Hydra 1.3.2 has no `json_str` (it arrived in a later Hydra); like Hydra 1.3.2 we refuse it
//! as an unknown function.

use crate::pyfmt;
use crate::value::Value;

/// A function argument or result: one value, or a sweep (only valid with `--multirun`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Evaluated {
    /// A plain value.
    Value(Value),
    /// A sweep (`choice(1,2)`, `range(3)`, `int(1,2)`, ...).
    Sweep,
}

/// The functions Hydra 1.3.2 registers, sorted as Hydra lists them.
pub(crate) const FUNCTIONS: [&str; 11] = [
    "bool", "choice", "float", "glob", "int", "interval", "range", "shuffle", "sort", "str", "tag",
];

/// Evaluates `name(args..., kwargs...)`. Errors are Hydra's reason, e.g.
/// `ValueError: invalid literal for int() with base 10: '3.7'`.
pub(crate) fn eval(
    name: &str,
    args: Vec<Evaluated>,
    kwargs: Vec<(String, Evaluated)>,
) -> Result<Evaluated, String> {
    match name {
        "int" | "float" | "str" | "bool" => {
            let cast = match name {
                "int" => Cast::Int,
                "float" => Cast::Float,
                "str" => Cast::Str,
                _ => Cast::Bool,
            };
            let value = normalize_cast_args(name, args, kwargs)?;
            match value {
                Evaluated::Sweep => Ok(Evaluated::Sweep),
                Evaluated::Value(v) => cast.apply(&v).map(Evaluated::Value),
            }
        }
        "choice" | "range" | "interval" | "tag" | "glob" => {
            if args.is_empty() && kwargs.is_empty() {
                return Err(format!("ValueError: {name}() needs at least one argument"));
            }
            Ok(Evaluated::Sweep)
        }
        "sort" => sort(args, kwargs),
        "shuffle" => shuffle(args, kwargs),
        _ => Err(format!(
            "HydraException: Unknown function '{name}'. Available: {}",
            FUNCTIONS.join(",")
        )),
    }
}

/// `_normalize_cast_value`: one positional argument or `value=`; several positional
/// arguments are a simple choice sweep.
fn normalize_cast_args(
    name: &str,
    args: Vec<Evaluated>,
    kwargs: Vec<(String, Evaluated)>,
) -> Result<Evaluated, String> {
    let mut value = None;
    for (k, v) in kwargs {
        if k != "value" {
            return Err(format!(
                "TypeError: {name}() got an unexpected keyword argument '{k}' (it takes one value, or value=...)"
            ));
        }
        value = Some(v);
    }
    match (args.len(), value) {
        (0, Some(v)) => Ok(v),
        (_, Some(_)) => Err("TypeError: cannot use both position and named arguments".into()),
        (0, None) => Err("TypeError: No positional args or value specified".into()),
        (1, None) => Ok(args.into_iter().next().unwrap_or(Evaluated::Sweep)),
        _ => Ok(Evaluated::Sweep),
    }
}

#[derive(Clone, Copy)]
enum Cast {
    Int,
    Float,
    Str,
    Bool,
}

impl Cast {
    fn name(self) -> &'static str {
        match self {
            Cast::Int => "int",
            Cast::Float => "float",
            Cast::Str => "str",
            Cast::Bool => "bool",
        }
    }

    fn apply(self, v: &Value) -> Result<Value, String> {
        match v {
            Value::List(items) => items
                .iter()
                .map(|x| self.apply(x))
                .collect::<Result<_, _>>()
                .map(Value::List),
            Value::Map(m) => m.try_map_values(|_, x| self.apply(x)).map(Value::Map),
            Value::Missing => self.scalar(&Value::String("???".into())),
            other => self.scalar(other),
        }
    }

    fn scalar(self, v: &Value) -> Result<Value, String> {
        // Hydra asserts the value is an int, float, bool or str (except for bool(), which
        // takes Python's truth value of None).
        if matches!(v, Value::Null) && !matches!(self, Cast::Bool) {
            return Err(format!(
                "AssertionError: {}() cannot cast null (give a number, a boolean or a string)",
                self.name()
            ));
        }
        match (self, v) {
            (Cast::Int, Value::Int(_) | Value::BigInt(_)) => Ok(v.clone()),
            (Cast::Int, Value::Bool(b)) => Ok(Value::Int(i64::from(*b))),
            (Cast::Int, Value::Float(f)) => float_to_int(*f),
            (Cast::Int, Value::String(s)) => python_int(s).ok_or_else(|| {
                format!(
                    "ValueError: invalid literal for int() with base 10: {}",
                    pyfmt::str_repr(s)
                )
            }),
            // i64 values are exact in Python; converting to f64 rounds as Python's float(int).
            (Cast::Float, Value::Int(i)) => Ok(Value::Float(*i as f64)),
            (Cast::Float, Value::BigInt(n)) => n
                .to_f64()
                .map(Value::Float)
                .ok_or_else(|| "OverflowError: int too large to convert to float".to_string()),
            (Cast::Float, Value::Bool(b)) => Ok(Value::Float(if *b { 1.0 } else { 0.0 })),
            (Cast::Float, Value::Float(f)) => Ok(Value::Float(*f)),
            (Cast::Float, Value::String(s)) => python_float(s).map(Value::Float).ok_or_else(|| {
                format!(
                    "ValueError: could not convert string to float: {}",
                    pyfmt::str_repr(s)
                )
            }),
            (Cast::Str, Value::Bool(b)) => Ok(Value::String(b.to_string())),
            (Cast::Str, other) => Ok(Value::String(pyfmt::py_str(other))),
            (Cast::Bool, Value::String(s)) => match s.to_lowercase().as_str() {
                "false" => Ok(Value::Bool(false)),
                "true" => Ok(Value::Bool(true)),
                _ => Err(format!("ValueError: Cannot cast '{s}' to bool")),
            },
            (Cast::Bool, Value::Null) => Ok(Value::Bool(false)),
            (Cast::Bool, Value::Int(i)) => Ok(Value::Bool(*i != 0)),
            (Cast::Bool, Value::BigInt(_)) => Ok(Value::Bool(true)),
            (Cast::Bool, Value::Float(f)) => Ok(Value::Bool(*f != 0.0)),
            (Cast::Bool, Value::Bool(b)) => Ok(Value::Bool(*b)),
            (_, other) => Err(format!(
                "TypeError: {}() cannot cast {}",
                self.name(),
                other.type_name()
            )),
        }
    }
}

/// Python's `int(float)`: truncation toward zero, exact however large (`int(1e20)` is
/// `100000000000000000000`).
fn float_to_int(f: f64) -> Result<Value, String> {
    if f.is_nan() {
        return Err("ValueError: cannot convert float NaN to integer".into());
    }
    if f.is_infinite() {
        return Err("OverflowError: cannot convert float infinity to integer".into());
    }
    Ok(crate::bigint::from_f64(f))
}

/// Digits with single underscores between them (Python's numeric literal rule); returns the
/// digits without underscores, or `None`.
fn digits_with_underscores(s: &str) -> Option<String> {
    if s.is_empty() || s.starts_with('_') || s.ends_with('_') || s.contains("__") {
        return None;
    }
    if !s.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return None;
    }
    Some(s.replace('_', ""))
}

/// Python's `int(str)` in base 10: surrounding whitespace, an optional sign, digits with
/// single underscores between them (any script's decimal digits, as [`crate::py_digits`]); any size (a [`Value::Int`] or [`Value::BigInt`]).
/// `None` when Python raises `ValueError` (including past its 4300-digit limit).
pub(crate) fn python_int(s: &str) -> Option<Value> {
    let s = crate::py_digits::ascii_decimal_and_space(s)?;
    let t = s.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let digits = digits_with_underscores(body)?;
    crate::bigint::from_decimal(neg, &digits)
}

/// Python's `float(str)` (any script's decimal digits, as [`crate::py_digits`]): surrounding
/// whitespace, sign, `inf`/`infinity`/`nan` in any case,
/// decimal and exponent forms with underscores only between digits.
pub(crate) fn python_float(s: &str) -> Option<f64> {
    let s = crate::py_digits::ascii_decimal_and_space(s)?;
    let t = s.trim();
    let (sign, body) = match t.strip_prefix('-') {
        Some(b) => (-1.0, b),
        None => (1.0, t.strip_prefix('+').unwrap_or(t)),
    };
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(sign * f64::INFINITY);
    }
    if lower == "nan" {
        return Some(f64::NAN);
    }
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let (int_part, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let int_digits = if int_part.is_empty() {
        String::new()
    } else {
        digits_with_underscores(int_part)?
    };
    let frac_digits = match frac {
        Some("") | None => String::new(),
        Some(f) => digits_with_underscores(f)?,
    };
    if int_digits.is_empty() && frac_digits.is_empty() {
        return None;
    }
    let mut text = format!("{int_digits}.{frac_digits}");
    if let Some(e) = exponent {
        let (esign, edigits) = match e.strip_prefix('-') {
            Some(d) => ("-", d),
            None => ("", e.strip_prefix('+').unwrap_or(e)),
        };
        text.push_str(&format!("e{esign}{}", digits_with_underscores(edigits)?));
    }
    if text.starts_with('.') {
        text.insert(0, '0');
    }
    text.parse::<f64>().ok().map(|f| sign * f)
}

/// Splits `sort`/`shuffle` arguments: the keyword `list=` or `sweep=` replaces the positional
/// arguments.
fn list_function_input(
    name: &str,
    args: Vec<Evaluated>,
    kwargs: Vec<(String, Evaluated)>,
) -> Result<(Vec<Evaluated>, bool), String> {
    let mut args = args;
    let mut reverse = false;
    for (k, v) in kwargs {
        match (k.as_str(), v) {
            ("list" | "sweep", v) => args = vec![v],
            ("reverse", Evaluated::Value(Value::Bool(b))) if name == "sort" => reverse = b,
            ("reverse", _) if name == "sort" => {
                return Err("TypeError: sort(reverse=...) takes true or false".into());
            }
            (other, _) => {
                return Err(format!(
                    "TypeError: {name}() got an unexpected keyword argument '{other}'"
                ));
            }
        }
    }
    Ok((args, reverse))
}

fn sort(args: Vec<Evaluated>, kwargs: Vec<(String, Evaluated)>) -> Result<Evaluated, String> {
    let (args, reverse) = list_function_input("sort", args, kwargs)?;
    match args.as_slice() {
        [] => Err("ValueError: empty sort input".into()),
        [Evaluated::Sweep] => Ok(Evaluated::Sweep),
        [Evaluated::Value(Value::List(items))] => {
            let mut sorted = items.clone();
            python_sort(&mut sorted, reverse)?;
            Ok(Evaluated::Value(Value::List(sorted)))
        }
        [single @ Evaluated::Value(_)] => Ok(single.clone()),
        several => {
            let scalar = |e: &Evaluated| {
                matches!(
                    e,
                    Evaluated::Value(
                        Value::Int(_) | Value::BigInt(_) | Value::Float(_) | Value::Bool(_)
                    ) | Evaluated::Value(Value::String(_))
                )
            };
            if several.iter().all(scalar) {
                Ok(Evaluated::Sweep)
            } else {
                Err("TypeError: sort() of several values takes only numbers, booleans and strings (write a list: sort([a,b]))".into())
            }
        }
    }
}

/// Sorts like Python's `sorted(items, reverse=reverse)` for lists shorter than 64 items (the whole
/// of CPython's algorithm at that size: the leading run, then binary insertion), using only
/// Python's `<`. The order is the same as Python's for every list whose items compare
/// consistently; with `nan` (which compares neither smaller nor larger) it is CPython's for short
/// lists. Never panics, whatever the comparisons say (`slice::sort_by` may panic on a comparison
/// that is not a total order, as `nan` makes it).
fn python_sort(items: &mut [Value], reverse: bool) -> Result<(), String> {
    // CPython sorts a reversed copy and reverses the result, which keeps equal items stable.
    if reverse {
        items.reverse();
    }
    let n = items.len();
    if n >= 2 {
        // count_run: the longest ascending (or strictly descending, then reversed) prefix.
        let mut run = 2;
        if python_lt(&items[1], &items[0])? {
            while run < n && python_lt(&items[run], &items[run - 1])? {
                run += 1;
            }
            items[..run].reverse();
        } else {
            while run < n && !python_lt(&items[run], &items[run - 1])? {
                run += 1;
            }
        }
        // binarysort: insert each further item after the equal ones before it.
        for start in run..n {
            let (mut l, mut r) = (0, start);
            while l < r {
                let p = l + (r - l) / 2;
                if python_lt(&items[start], &items[p])? {
                    r = p;
                } else {
                    l = p + 1;
                }
            }
            items[l..=start].rotate_right(1);
        }
    }
    if reverse {
        items.reverse();
    }
    Ok(())
}

/// Python's `a < b` between two values that `sorted` compares: ints and floats (and bools, as
/// 0 and 1) compare exactly by value, strings by code points, anything else is a `TypeError`.
fn python_lt(a: &Value, b: &Value) -> Result<bool, String> {
    use std::cmp::Ordering;
    let python_type = Value::python_type_name;
    let int = |v: &Value| match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    };
    // An int against a float, exactly (not through f64, which rounds large ints).
    let int_vs_float = |i: i64, f: f64| -> Option<Ordering> {
        match (i as f64).partial_cmp(&f)? {
            Ordering::Equal => Some(i128::from(i).cmp(&(f as i128))),
            o => Some(o),
        }
    };
    let ord = match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.chars().cmp(y.chars())),
        (Value::BigInt(x), Value::BigInt(y)) => Some(x.cmp_big(y)),
        (Value::BigInt(x), Value::Float(f)) => x.cmp_f64(*f),
        (Value::Float(f), Value::BigInt(y)) => y.cmp_f64(*f).map(Ordering::reverse),
        (Value::BigInt(x), _) if int(b).is_some() => Some(x.cmp_i64()),
        (_, Value::BigInt(y)) if int(a).is_some() => Some(y.cmp_i64().reverse()),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        _ => match (int(a), int(b), a, b) {
            (Some(x), Some(y), _, _) => Some(x.cmp(&y)),
            (Some(x), None, _, Value::Float(y)) => int_vs_float(x, *y),
            (None, Some(y), Value::Float(x), _) => int_vs_float(y, *x).map(Ordering::reverse),
            _ => {
                return Err(format!(
                    "TypeError: '<' not supported between instances of '{}' and '{}'",
                    python_type(a),
                    python_type(b)
                ));
            }
        },
    };
    // NaN: neither smaller nor larger, as in Python.
    Ok(ord == Some(Ordering::Less))
}

fn shuffle(args: Vec<Evaluated>, kwargs: Vec<(String, Evaluated)>) -> Result<Evaluated, String> {
    let (args, _) = list_function_input("shuffle", args, kwargs)?;
    match args.as_slice() {
        [] => Err("ValueError: empty shuffle input".into()),
        [Evaluated::Sweep] => Ok(Evaluated::Sweep),
        [Evaluated::Value(Value::List(items))] => {
            let mut out = items.clone();
            shuffle_in_place(&mut out);
            Ok(Evaluated::Value(Value::List(out)))
        }
        [Evaluated::Value(v)] => Ok(Evaluated::Value(Value::List(vec![v.clone()]))),
        _ => Ok(Evaluated::Sweep),
    }
}

/// Fisher-Yates with the operating system's per-process random keys (std's `RandomState`), as
/// Python's `random.shuffle` uses an unseeded generator.
fn shuffle_in_place(items: &mut [Value]) {
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    for i in (1..items.len()).rev() {
        let mut h = state.build_hasher();
        h.write_usize(i);
        // Modulo bias is below 2^-50 for any list that fits in memory.
        let j = (h.finish() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: impl Into<Value>) -> Evaluated {
        Evaluated::Value(x.into())
    }

    /// Sorts like `sorted(items, reverse=reverse)`; the expected lists are Python 3.11's.
    fn sorted(items: Vec<Value>, reverse: bool) -> Vec<Value> {
        let mut items = items;
        python_sort(&mut items, reverse).unwrap();
        items
    }

    #[test]
    fn sort_with_nan_is_pythons_order_and_never_panics() {
        // slice::sort_by panicked here ("comparison function does not correctly implement a
        // total order"): a fuzz input of `sort([...])` with nan among numbers.
        let nan = || Value::Float(f64::NAN);
        let render = |v: &[Value]| format!("{v:?}");
        // sorted([3, nan, 1, 2]) == [3, nan, 1, 2]
        assert_eq!(
            render(&sorted(
                vec![Value::Int(3), nan(), Value::Int(1), Value::Int(2)],
                false
            )),
            render(&[Value::Int(3), nan(), Value::Int(1), Value::Int(2)])
        );
        // sorted([5, 1, nan, 4, 0, nan, 2], reverse=True) == [5, 1, nan, 4, 0, nan, 2]
        let input: Vec<Value> = vec![
            Value::Int(5),
            Value::Int(1),
            nan(),
            Value::Int(4),
            Value::Int(0),
            nan(),
            Value::Int(2),
        ];
        assert_eq!(render(&sorted(input.clone(), true)), render(&input));
        // Many nans among numbers: any order, but no panic.
        let many: Vec<Value> = (0..200)
            .map(|i| {
                if i % 3 == 0 {
                    nan()
                } else {
                    Value::Int((i * 7919) % 101)
                }
            })
            .collect();
        assert_eq!(sorted(many, false).len(), 200);
    }

    #[test]
    fn sort_compares_ints_and_floats_exactly() {
        // sorted([2**53+1, float(2**53), 2**53-1]) == [9007199254740991, 9007199254740992.0, 9007199254740993]
        let big = 1i64 << 53;
        assert_eq!(
            sorted(
                vec![
                    Value::Int(big + 1),
                    Value::Float(big as f64),
                    Value::Int(big - 1)
                ],
                false
            ),
            vec![
                Value::Int(big - 1),
                Value::Float(big as f64),
                Value::Int(big + 1)
            ]
        );
        // sorted([True, 0.5, 2, False]) == [False, 0.5, True, 2]
        assert_eq!(
            sorted(
                vec![
                    Value::Bool(true),
                    Value::Float(0.5),
                    Value::Int(2),
                    Value::Bool(false)
                ],
                false
            ),
            vec![
                Value::Bool(false),
                Value::Float(0.5),
                Value::Bool(true),
                Value::Int(2)
            ]
        );
        // sorted([1, 'a']): TypeError: '<' not supported between instances of 'str' and 'int'
        let mut mixed = vec![Value::Int(1), Value::from("a")];
        assert_eq!(
            python_sort(&mut mixed, false).unwrap_err(),
            "TypeError: '<' not supported between instances of 'str' and 'int'"
        );
    }

    #[test]
    fn python_number_parsing() {
        // Expected values: Python 3's int() and float().
        assert_eq!(python_int(" 1_000 "), Some(Value::Int(1000)));
        assert_eq!(python_int("-010"), Some(Value::Int(-10)));
        assert_eq!(
            python_int("-12345678901234567890").map(|v| pyfmt::py_str(&v)),
            Some("-12345678901234567890".to_string())
        );
        assert_eq!(python_int("1__0"), None);
        assert_eq!(python_int("3.7"), None);
        assert_eq!(python_int(""), None);
        assert_eq!(python_float("1e-3"), Some(0.001));
        assert_eq!(python_float(" -Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(python_float("1_0.5"), Some(10.5));
        assert_eq!(python_float(".5"), Some(0.5));
        assert_eq!(python_float("5."), Some(5.0));
        assert_eq!(python_float("."), None);
        assert_eq!(python_float("1e"), None);
        assert_eq!(python_float("abc"), None);
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let items: Vec<Value> = (0..50).map(Value::Int).collect();
        let Ok(Evaluated::Value(Value::List(out))) =
            eval("shuffle", vec![v(items.clone())], vec![])
        else {
            panic!("shuffle of a list is a list")
        };
        let mut sorted: Vec<i64> = out
            .iter()
            .map(|x| match x {
                Value::Int(i) => *i,
                _ => -1,
            })
            .collect();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    }
}
