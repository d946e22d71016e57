//! Round-trip times as RouterOS writes them (`1ms287us`, `12ms`, `850us`, `1s20ms`), in milliseconds.

use serde_json::Value;

/// A time from a ping reply: a RouterOS duration string, or a bare number of milliseconds.
pub fn duration_ms(value: &Value) -> Option<f64> {
    let ms = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => parse(s)?,
        _ => return None,
    };
    (ms.is_finite() && ms >= 0.0).then_some(ms)
}

fn parse(text: &str) -> Option<f64> {
    let mut rest = text.trim();
    if let Ok(ms) = rest.parse::<f64>() {
        return Some(ms);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let amount: f64 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let letters = rest.find(|c: char| !c.is_alphabetic()).unwrap_or(rest.len());
        let unit_ms = match &rest[..letters] {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1_000.0,
            "ms" => 1.0,
            "us" | "µs" => 0.001,
            "ns" => 0.000_001,
            _ => return None,
        };
        total += amount * unit_ms;
        rest = rest[letters..].trim_start();
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ms(text: &str) -> Option<f64> {
        duration_ms(&json!(text)).map(|ms| (ms * 1000.0).round() / 1000.0)
    }

    #[test]
    fn routeros_durations_in_every_unit_mix() {
        assert_eq!(ms("1ms287us"), Some(1.287));
        assert_eq!(ms("12ms"), Some(12.0));
        assert_eq!(ms("850us"), Some(0.85));
        assert_eq!(ms("1s20ms"), Some(1020.0));
        assert_eq!(ms("1m2s"), Some(62_000.0));
        assert_eq!(ms("0.5ms"), Some(0.5));
        assert_eq!(ms("12 ms"), Some(12.0));
        assert_eq!(ms("3µs"), Some(0.003));
    }

    #[test]
    fn bare_numbers_are_milliseconds() {
        assert_eq!(ms("12"), Some(12.0));
        assert_eq!(duration_ms(&json!(4.5)), Some(4.5));
    }

    #[test]
    fn anything_else_is_no_time() {
        for odd in ["", "  ", "ms", "12 parsecs", "1ms2", "timeout", "-3ms", "1..2ms", "NaN"] {
            assert_eq!(ms(odd), None, "{odd:?}");
        }
        assert_eq!(duration_ms(&json!(null)), None);
        assert_eq!(duration_ms(&json!(-1)), None);
        assert_eq!(duration_ms(&json!({"ms": 1})), None);
    }
}
