use serde::ser::{Serialize, SerializeMap, Serializer};

/// A gate-built error body: `{"error":"<code>", "<k>":"<v>", …}` with `error` first and
/// every value a string (PROTOCOL §1.3). Extra members keep their insertion order.
///
/// ```
/// use latchgate::wire::ErrorBody;
/// let body = ErrorBody::new("invalid_dpop").with("deny_reason", "signature verification failed");
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"error":"invalid_dpop","deny_reason":"signature verification failed"}"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorBody {
    /// The error code.
    pub error: String,
    /// Further string members, in order.
    pub extra: Vec<(String, String)>,
}

impl ErrorBody {
    /// A body with only the code.
    pub fn new(code: impl Into<String>) -> Self {
        Self {
            error: code.into(),
            extra: Vec::new(),
        }
    }

    /// Append a string member.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((key.into(), value.into()));
        self
    }
}

impl Serialize for ErrorBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1 + self.extra.len()))?;
        map.serialize_entry("error", &self.error)?;
        for (k, v) in &self.extra {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}
