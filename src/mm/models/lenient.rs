//! Deserializers that accept what servers really send: numbers as strings, strings as numbers,
//! booleans as `"true"`, and `null` where a value was expected.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A JSON scalar as text: strings as they are, numbers and booleans printed, null empty.
pub fn value_to_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(value_to_string(&Value::deserialize(d)?))
}

pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = Value::deserialize(d)?;
    Ok(match value {
        Value::Null => None,
        v => Some(value_to_string(&v)),
    })
}

pub fn parse_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(|f| f as i64)
            })
        }
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

pub fn parse_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

pub fn parse_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" | "" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(parse_i64(&Value::deserialize(d)?).unwrap_or(0))
}

pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(parse_i64(&Value::deserialize(d)?))
}

pub fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(parse_f64(&Value::deserialize(d)?).unwrap_or(0.0))
}

pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(parse_bool(&Value::deserialize(d)?).unwrap_or(false))
}

pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(parse_bool(&Value::deserialize(d)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Sample {
        #[serde(deserialize_with = "i64", default)]
        n: i64,
        #[serde(deserialize_with = "string", default)]
        s: String,
        #[serde(deserialize_with = "bool", default)]
        b: bool,
    }

    #[test]
    fn accepts_numbers_as_strings_and_back() {
        let a: Sample = serde_json::from_str(r#"{"n":"42","s":17,"b":"true"}"#).unwrap();
        assert_eq!((a.n, a.s.as_str(), a.b), (42, "17", true));
        let b: Sample = serde_json::from_str(r#"{"n":4.0,"s":null,"b":false}"#).unwrap();
        assert_eq!((b.n, b.s.as_str(), b.b), (4, "", false));
        let c: Sample = serde_json::from_str(r#"{"n":"junk","b":"maybe"}"#).unwrap();
        assert_eq!((c.n, c.b), (0, false));
    }
}
