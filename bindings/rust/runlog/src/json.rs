//! JSON text in and out of the library.
//!
//! In: `to_text` serializes any `Serialize` value to compact JSON like
//! `serde_json::to_string`, except that non-finite floats become the bare
//! tokens `NaN`, `Infinity`, `-Infinity` — which runlog (and W&B) accept and
//! keep — instead of `null`, so a diverging loss is recorded as NaN.
//!
//! Out: the library returns JSON that may hold those tokens; `to_value`
//! turns them into the strings `"NaN"`, `"Infinity"`, `"-Infinity"` (the
//! `runlog` CLI's `--json` convention) so `serde_json` can read the text.
use std::fmt::{self, Display};

use serde::ser::{self, Serialize};

use crate::error::{Error, Status};

// ---- Serialize → JSON text with NaN / Infinity tokens --------------------------------

/// Serializes `value` as compact JSON text; non-finite floats are written as
/// `NaN`, `Infinity`, `-Infinity`.
pub fn to_text<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut out = String::with_capacity(128);
    value.serialize(Writer { out: &mut out }).map_err(|e| {
        Error::new(
            Status::InvalidArgument,
            format!("cannot serialize the value as JSON: {}", e.0),
        )
    })?;
    Ok(out)
}

#[derive(Debug)]
struct SerError(String);

impl Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for SerError {}
impl ser::Error for SerError {
    fn custom<T: Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

struct Writer<'a> {
    out: &'a mut String,
}

fn push_str_json(out: &mut String, s: &str) {
    // serde_json's escaping (it cannot fail for a &str).
    out.push_str(&serde_json::to_string(s).expect("a string always serializes"));
}

fn push_f64(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        out.push_str(&serde_json::to_string(&v).expect("a finite float always serializes"));
    }
}

fn push_f32(out: &mut String, v: f32) {
    if v.is_finite() {
        out.push_str(&serde_json::to_string(&v).expect("a finite float always serializes"));
    } else {
        push_f64(out, v as f64);
    }
}

struct Compound<'a> {
    out: &'a mut String,
    first: bool,
    close: &'static str,
}

impl<'a> Compound<'a> {
    fn comma(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
    }
    fn end(self) -> Result<(), SerError> {
        self.out.push_str(self.close);
        Ok(())
    }
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = SerError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), SerError> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), SerError> {
        self.serialize_i64(v as i64)
    }
    fn serialize_i16(self, v: i16) -> Result<(), SerError> {
        self.serialize_i64(v as i64)
    }
    fn serialize_i32(self, v: i32) -> Result<(), SerError> {
        self.serialize_i64(v as i64)
    }
    fn serialize_i64(self, v: i64) -> Result<(), SerError> {
        self.out.push_str(&v.to_string());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), SerError> {
        self.out.push_str(&v.to_string());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), SerError> {
        self.serialize_u64(v as u64)
    }
    fn serialize_u16(self, v: u16) -> Result<(), SerError> {
        self.serialize_u64(v as u64)
    }
    fn serialize_u32(self, v: u32) -> Result<(), SerError> {
        self.serialize_u64(v as u64)
    }
    fn serialize_u64(self, v: u64) -> Result<(), SerError> {
        self.out.push_str(&v.to_string());
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), SerError> {
        self.out.push_str(&v.to_string());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), SerError> {
        push_f32(self.out, v);
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), SerError> {
        push_f64(self.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), SerError> {
        let mut buf = [0u8; 4];
        push_str_json(self.out, v.encode_utf8(&mut buf));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), SerError> {
        push_str_json(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), SerError> {
        // As serde_json: an array of numbers.
        self.out.push('[');
        for (i, b) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.out.push_str(&b.to_string());
        }
        self.out.push(']');
        Ok(())
    }
    fn serialize_none(self) -> Result<(), SerError> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), SerError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), SerError> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), SerError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), SerError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), SerError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        self.out.push('{');
        push_str_json(self.out, variant);
        self.out.push(':');
        value.serialize(Writer { out: &mut *self.out })?;
        self.out.push('}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, SerError> {
        self.out.push('[');
        Ok(Compound {
            out: self.out,
            first: true,
            close: "]",
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, SerError> {
        self.out.push('{');
        push_str_json(self.out, variant);
        self.out.push_str(":[");
        Ok(Compound {
            out: self.out,
            first: true,
            close: "]}",
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, SerError> {
        self.out.push('{');
        Ok(Compound {
            out: self.out,
            first: true,
            close: "}",
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>, SerError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, SerError> {
        self.out.push('{');
        push_str_json(self.out, variant);
        self.out.push_str(":{");
        Ok(Compound {
            out: self.out,
            first: true,
            close: "}}",
        })
    }
}

impl<'a> ser::SerializeSeq for Compound<'a> {
    type Ok = ();
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.comma();
        value.serialize(Writer { out: &mut *self.out })
    }
    fn end(self) -> Result<(), SerError> {
        Compound::end(self)
    }
}

impl<'a> ser::SerializeTuple for Compound<'a> {
    type Ok = ();
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), SerError> {
        Compound::end(self)
    }
}

impl<'a> ser::SerializeTupleStruct for Compound<'a> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), SerError> {
        Compound::end(self)
    }
}

impl<'a> ser::SerializeTupleVariant for Compound<'a> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), SerError> {
        Compound::end(self)
    }
}

impl<'a> ser::SerializeMap for Compound<'a> {
    type Ok = ();
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        self.comma();
        key.serialize(KeyWriter { out: &mut *self.out })?;
        self.out.push(':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        value.serialize(Writer { out: &mut *self.out })
    }
    fn end(self) -> Result<(), SerError> {
        Compound::end(self)
    }
}

impl<'a> ser::SerializeStruct for Compound<'a> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        self.comma();
        push_str_json(self.out, key);
        self.out.push(':');
        value.serialize(Writer { out: &mut *self.out })
    }
    fn end(self) -> Result<(), SerError> {
        Compound::end(self)
    }
}

impl<'a> ser::SerializeStructVariant for Compound<'a> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<(), SerError> {
        Compound::end(self)
    }
}

/// Map keys: strings, chars, integers and bools become JSON strings (as in
/// serde_json); anything else is an error.
struct KeyWriter<'a> {
    out: &'a mut String,
}

fn key_error() -> SerError {
    SerError("a map key must be a string, a char, an integer or a bool".into())
}

impl<'a> ser::Serializer for KeyWriter<'a> {
    type Ok = ();
    type Error = SerError;
    type SerializeSeq = ser::Impossible<(), SerError>;
    type SerializeTuple = ser::Impossible<(), SerError>;
    type SerializeTupleStruct = ser::Impossible<(), SerError>;
    type SerializeTupleVariant = ser::Impossible<(), SerError>;
    type SerializeMap = ser::Impossible<(), SerError>;
    type SerializeStruct = ser::Impossible<(), SerError>;
    type SerializeStructVariant = ser::Impossible<(), SerError>;

    fn serialize_bool(self, v: bool) -> Result<(), SerError> {
        push_str_json(self.out, if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), SerError> {
        self.serialize_i64(v as i64)
    }
    fn serialize_i16(self, v: i16) -> Result<(), SerError> {
        self.serialize_i64(v as i64)
    }
    fn serialize_i32(self, v: i32) -> Result<(), SerError> {
        self.serialize_i64(v as i64)
    }
    fn serialize_i64(self, v: i64) -> Result<(), SerError> {
        push_str_json(self.out, &v.to_string());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), SerError> {
        push_str_json(self.out, &v.to_string());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), SerError> {
        self.serialize_u64(v as u64)
    }
    fn serialize_u16(self, v: u16) -> Result<(), SerError> {
        self.serialize_u64(v as u64)
    }
    fn serialize_u32(self, v: u32) -> Result<(), SerError> {
        self.serialize_u64(v as u64)
    }
    fn serialize_u64(self, v: u64) -> Result<(), SerError> {
        push_str_json(self.out, &v.to_string());
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), SerError> {
        push_str_json(self.out, &v.to_string());
        Ok(())
    }
    fn serialize_f32(self, _v: f32) -> Result<(), SerError> {
        Err(key_error())
    }
    fn serialize_f64(self, _v: f64) -> Result<(), SerError> {
        Err(key_error())
    }
    fn serialize_char(self, v: char) -> Result<(), SerError> {
        let mut buf = [0u8; 4];
        push_str_json(self.out, v.encode_utf8(&mut buf));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), SerError> {
        push_str_json(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), SerError> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<(), SerError> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), SerError> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Result<(), SerError> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), SerError> {
        Err(key_error())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), SerError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), SerError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), SerError> {
        Err(key_error())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, SerError> {
        Err(key_error())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, SerError> {
        Err(key_error())
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, SerError> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, SerError> {
        Err(key_error())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, SerError> {
        Err(key_error())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, SerError> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, SerError> {
        Err(key_error())
    }
}

// ---- library JSON → serde_json::Value ------------------------------------------------

/// Quotes the bare tokens `NaN`, `Infinity`, `-Infinity` found outside
/// strings, making the library's JSON strict.
pub fn quote_nonfinite(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 8);
    let mut in_string = false;
    let mut i = 0;
    let mut start = 0; // start of the not-yet-copied run
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if c == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| bytes[i..].starts_with(t.as_bytes()));
        if let Some(t) = token {
            out.push_str(&text[start..i]);
            out.push('"');
            out.push_str(t);
            out.push('"');
            i += t.len();
            start = i;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[start.min(text.len())..]);
    out
}

/// Parses JSON text from the library (non-finite numbers become strings).
pub fn to_value(text: &str) -> Result<serde_json::Value, Error> {
    serde_json::from_str(&quote_nonfinite(text)).map_err(|e| {
        Error::new(
            Status::Internal,
            format!("runlog returned JSON serde_json cannot read: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn non_finite_floats_become_tokens() {
        let v = (f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.5f64, f32::NAN, 1e300);
        let big = serde_json::to_string(&1e300).unwrap();
        assert_eq!(to_text(&v).unwrap(), format!("[NaN,Infinity,-Infinity,0.5,NaN,{big}]"));
    }

    #[test]
    fn matches_serde_json_for_finite_values() {
        let v = json!({"a": [1, -2, 3.25, "x\"y\n", null, true], "b": {"c": {}}, "é": u64::MAX});
        assert_eq!(to_text(&v).unwrap(), serde_json::to_string(&v).unwrap());
        let m: std::collections::BTreeMap<i32, char> = [(1, 'a'), (-2, '"')].into_iter().collect();
        assert_eq!(to_text(&m).unwrap(), serde_json::to_string(&m).unwrap());
    }

    #[test]
    fn bad_map_keys_are_errors() {
        let m: std::collections::BTreeMap<Vec<u8>, i32> = [(vec![1], 1)].into_iter().collect();
        assert_eq!(to_text(&m).unwrap_err().status, Status::InvalidArgument);
    }

    #[test]
    fn quoting_leaves_strings_alone() {
        assert_eq!(
            quote_nonfinite(r#"{"NaN":NaN,"s":"Infinity \" NaN","n":[-Infinity,Infinity]}"#),
            r#"{"NaN":"NaN","s":"Infinity \" NaN","n":["-Infinity","Infinity"]}"#
        );
        assert_eq!(quote_nonfinite("NaN"), "\"NaN\"");
        assert_eq!(quote_nonfinite(r#""\\""#), r#""\\""#);
        assert_eq!(to_value("{\"a\":NaN}").unwrap(), json!({"a": "NaN"}));
    }
}
