//! JSON forms of a value. `serde::Serialize` gives standard JSON (maps in key order, `???`
//! as the string `"???"`, non-finite floats as `null`, as serde_json writes them);
//! [`Value::to_json`] matches Python's `json.dumps`, which the Hydra parity check compares.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::map::{KeyKind, Map, key_value};
use crate::value::Value;

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::BigInt(n) => match n.to_string().parse::<i128>() {
                Ok(i) => serializer.serialize_i128(i),
                Err(_) => Err(serde::ser::Error::custom(format!(
                    "the integer {n} is wider than 128 bits, which serde cannot write; use Value::to_json (Python's json.dumps form) instead"
                ))),
            },
            Value::Float(f) => serializer.serialize_f64(*f),
            Value::String(s) => serializer.serialize_str(s),
            Value::Missing => serializer.serialize_str("???"),
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(m) => m.serialize(serializer),
        }
    }
}

impl Serialize for Map {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Value {
    /// This value as one line of JSON in the form of Python's `json.dumps` of
    /// `OmegaConf.to_container(cfg)`: keys in order, floats as Python prints them, `???` as
    /// `"???"`, and non-finite floats as `NaN` / `Infinity` / `-Infinity` (which Python's
    /// `json` reads back, unlike strict JSON parsers; use the serde form for those).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_json(self, &mut out);
        out
    }
}

fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::BigInt(n) => out.push_str(&n.to_string()),
        Value::Float(f) if f.is_nan() => out.push_str("NaN"),
        Value::Float(f) if f.is_infinite() => {
            out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" })
        }
        Value::Float(f) => out.push_str(&crate::pyfmt::float_repr(*f)),
        Value::String(s) => out.push_str(&json_string(s)),
        Value::Missing => out.push_str("\"???\""),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, kind, item)) in m.iter_typed().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                // json.dumps writes a non-string key as its JSON scalar text, quoted
                // (1 -> "1", True -> "true", inf -> "Infinity").
                match kind {
                    KeyKind::Str => out.push_str(&json_string(k)),
                    _ => {
                        let mut text = String::new();
                        write_json(&key_value(k, kind), &mut text);
                        out.push_str(&json_string(&text));
                    }
                }
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

fn json_string(s: &str) -> String {
    // Invariant: serialising a &str to JSON in memory cannot fail.
    serde_json::to_string(s).expect("strings always serialise")
}

#[cfg(test)]
mod tests {
    use crate::yaml::parse_yaml_str;

    #[test]
    fn json_keeps_order_and_types() {
        let v = parse_yaml_str("b: 1\na: [1.5, x, null, true]\nm: ???\ne: {}\n", "t").unwrap();
        assert_eq!(
            v.to_json(),
            r#"{"b":1,"a":[1.5,"x",null,true],"m":"???","e":{}}"#
        );
        assert_eq!(serde_json::to_string(&v).unwrap(), v.to_json());
        let f = parse_yaml_str("a: [.inf, -.inf, .nan, 8e-5, 1.0]\n", "t").unwrap();
        assert_eq!(f.to_json(), r#"{"a":[Infinity,-Infinity,NaN,8e-05,1.0]}"#);
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"a":[null,null,null,0.00008,1.0]}"#
        );
    }
}
