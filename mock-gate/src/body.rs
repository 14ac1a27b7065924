//! Response bodies built the way the real gate builds them.
//!
//! The gate writes its error and status bodies by hand (`{"error":"<code>",…}`, every value a
//! JSON string, keys in insertion order) with its own escaper, which differs from serde_json's
//! for control characters (`\u0008` instead of `\b`, C1 controls escaped). Reproducing the
//! escaper keeps the bodies byte-identical.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A hand-built JSON object body with string values, as the gate's `JsonResponse`.
#[derive(Debug, Clone)]
pub struct GateBody {
    status: StatusCode,
    body: String,
    headers: Vec<(&'static str, &'static str)>,
}

impl GateBody {
    /// `{"error":"<code>"}` with `status`.
    pub fn error(status: StatusCode, code: &str) -> Self {
        Self::with_key(status, "error", code)
    }

    /// `{"<key>":"<value>"}` with `status`.
    pub fn with_key(status: StatusCode, key: &str, value: &str) -> Self {
        let mut body = String::with_capacity(16 + key.len() + value.len());
        body.push_str("{\"");
        escape_into(&mut body, key);
        body.push_str("\":\"");
        escape_into(&mut body, value);
        body.push('"');
        Self {
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// Appends `,"<key>":"<value>"`.
    pub fn field(mut self, key: &str, value: &str) -> Self {
        self.body.push_str(",\"");
        escape_into(&mut self.body, key);
        self.body.push_str("\":\"");
        escape_into(&mut self.body, value);
        self.body.push('"');
        self
    }

    /// Adds a response header.
    pub fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The finished body text.
    pub fn text(&self) -> String {
        let mut s = self.body.clone();
        s.push('}');
        s
    }
}

impl IntoResponse for GateBody {
    fn into_response(self) -> Response {
        let text = self.text();
        let mut resp = (self.status, text).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        for (name, value) in self.headers {
            resp.headers_mut()
                .insert(name, HeaderValue::from_static(value));
        }
        resp
    }
}

/// The gate's JSON string escaper: `"`, `\`, `\n`, `\r`, `\t` get short escapes, every other
/// `char::is_control` character (C0, DEL, C1) becomes `\u00xx`, everything else is copied.
pub fn escape_into(buf: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '"' => buf.push_str("\\\""),
            '\\' => buf.push_str("\\\\"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            '\t' => buf.push_str("\\t"),
            c if c.is_control() => buf.push_str(&format!("\\u{:04x}", c as u32)),
            c => buf.push(c),
        }
    }
}

/// The gate's `sanitize_for_log`: control characters (C0, DEL, C1) become a space, and the
/// result is cut to `max_bytes` on a character boundary.
pub fn sanitize(s: &str, max_bytes: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_bytes));
    for ch in s.chars() {
        let c = if matches!(ch, '\u{0000}'..='\u{001F}' | '\u{007F}'..='\u{009F}') {
            ' '
        } else {
            ch
        };
        if out.len() + c.len_utf8() > max_bytes {
            break;
        }
        out.push(c);
    }
    out
}

/// A JSON response from a serializable value (serde_json, sorted keys for `Value` maps).
pub fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => {
            let mut resp = (status, bytes).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            resp
        }
        Err(_) => {
            GateBody::error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error").into_response()
        }
    }
}

/// A bare status with an empty body, as the gate's handlers that return `StatusCode`.
pub fn empty(status: StatusCode) -> Response {
    status.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaper_uses_unicode_escapes_for_backspace_and_c1() {
        let mut s = String::new();
        escape_into(&mut s, "a\u{8}b\u{85}c\"d");
        assert_eq!(s, "a\\u0008b\\u0085c\\\"d");
    }

    #[test]
    fn sanitize_replaces_controls_and_cuts_on_char_boundary() {
        assert_eq!(sanitize("x\ny\u{7f}z", 100), "x y z");
        assert_eq!(sanitize("ééé", 5), "éé");
    }

    #[test]
    fn error_body_has_fields_in_insertion_order() {
        let b = GateBody::error(StatusCode::UNAUTHORIZED, "invalid_dpop").field("deny_reason", "r");
        assert_eq!(b.text(), r#"{"error":"invalid_dpop","deny_reason":"r"}"#);
    }
}
