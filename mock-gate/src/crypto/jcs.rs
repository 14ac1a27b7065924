//! RFC 8785 (JCS) text of a `serde_json::Value`, written straight into one buffer.
//!
//! Byte for byte what `serde_json_canonicalizer` writes (the gate's crate), without its cost: it
//! buffers every object member separately and parses each key back to sort it. Here strings go
//! through `serde_json`'s escaper (the same minimal escapes), numbers through
//! `serde_json_canonicalizer` itself (ECMAScript form), and members are written in UTF-16 key
//! order, which a map's iteration order already is unless a key holds a character above U+FFFF.

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// The JCS text of `value`.
pub fn to_vec(value: &Value) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out)?;
    Ok(out)
}

fn write_value(value: &Value, out: &mut Vec<u8>) -> serde_json::Result<()> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => serde_json_canonicalizer::to_writer(n, out)?,
        Value::String(s) => serde_json::to_writer(&mut *out, s)?,
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => write_object(map, out)?,
    }
    Ok(())
}

fn write_object(map: &Map<String, Value>, out: &mut Vec<u8>) -> serde_json::Result<()> {
    let in_order = map
        .keys()
        .zip(map.keys().skip(1))
        .all(|(a, b)| utf16_cmp(a, b) == Ordering::Less);
    if in_order {
        return write_members(map.iter(), out);
    }
    let mut members: Vec<(&String, &Value)> = map.iter().collect();
    members.sort_by(|a, b| utf16_cmp(a.0, b.0));
    write_members(members.into_iter(), out)
}

fn write_members<'a>(
    members: impl Iterator<Item = (&'a String, &'a Value)>,
    out: &mut Vec<u8>,
) -> serde_json::Result<()> {
    out.push(b'{');
    for (i, (key, value)) in members.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, key)?;
        out.push(b':');
        write_value(value, out)?;
    }
    out.push(b'}');
    Ok(())
}

/// RFC 8785 §3.2.3: property names compare as arrays of UTF-16 code units.
fn utf16_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn reference(value: &Value) -> Vec<u8> {
        serde_json_canonicalizer::to_vec(value).expect("reference canonicalizes")
    }

    #[test]
    fn text_matches_every_jcs_vector() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/vectors/jcs.json");
        let file: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("jcs.json"))
            .expect("jcs.json parses");
        let cases = file["cases"].as_array().expect("cases");
        assert!(cases.len() >= 9, "only {} vectors", cases.len());
        for case in cases {
            let got = String::from_utf8(to_vec(&case["value"]).unwrap()).unwrap();
            assert_eq!(got, case["canonical"].as_str().unwrap(), "{}", case["name"]);
        }
    }

    #[test]
    fn keys_above_u_ffff_sort_before_keys_in_the_private_use_area() {
        let v = json!({"\u{e000}": 1, "\u{1f600}": 2, "a": 3});
        assert_eq!(
            String::from_utf8(to_vec(&v).unwrap()).unwrap(),
            "{\"a\":3,\"\u{1f600}\":2,\"\u{e000}\":1}"
        );
    }

    #[test]
    fn numbers_and_escapes_match_the_reference_crate() {
        let v = json!({"n": [0, -0.0, 1e21, 1e-7, 123.456, u64::MAX, i64::MIN, 9007199254740993u64],
            "s": "\u{0}\u{1f}\u{7f}\"\\/\u{2028}é\t\n\r\u{8}\u{c}"});
        assert_eq!(to_vec(&v).unwrap(), reference(&v));
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn text_is_byte_for_byte_the_reference_crates(v in arb_value()) {
            prop_assert_eq!(to_vec(&v).unwrap(), reference(&v));
        }
    }
}
