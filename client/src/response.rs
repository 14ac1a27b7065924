//! Reading gate answers: success statuses, JSON object bodies and typed members
//! (SDK-CONTRACT C-BODY-01/02, §2 steps 2–4).

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{map_response, Endpoint, Error};
use crate::receipt::Receipt;
use crate::transport::Incoming;

/// Pass through an answer whose status is one of `ok`; map anything else to its error.
pub(crate) fn expect_status(
    endpoint: Endpoint,
    incoming: Incoming,
    ok: &[u16],
) -> Result<Incoming, Error> {
    if ok.contains(&incoming.status) {
        Ok(incoming)
    } else {
        Err(map_response(
            endpoint,
            incoming.status,
            incoming.retry_after.as_deref(),
            &incoming.body,
        ))
    }
}

/// A success body must be a JSON object, whatever the `Content-Type`.
pub(crate) fn json_object(endpoint: Endpoint, incoming: &Incoming) -> Result<Value, Error> {
    match serde_json::from_slice::<Value>(&incoming.body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(other) => Err(Error::protocol(
            endpoint,
            Some(incoming.status),
            format!(
                "the success body is JSON {} rather than an object",
                json_type(&other)
            ),
        )),
        Err(e) if incoming.body.is_empty() => Err(Error::protocol(
            endpoint,
            Some(incoming.status),
            format!("the success body is empty ({e})"),
        )),
        Err(e) => Err(Error::protocol(
            endpoint,
            Some(incoming.status),
            format!("the success body is not JSON: {e}"),
        )),
    }
}

/// Deserialise a success body into its wire type; a missing or mistyped member is a
/// `ProtocolError`.
pub(crate) fn typed<T: DeserializeOwned>(
    endpoint: Endpoint,
    status: u16,
    value: Value,
) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| {
        Error::protocol(
            endpoint,
            Some(status),
            format!("the success body does not match the protocol: {e}"),
        )
    })
}

/// A body that must be a JSON object of the wire type `T`.
pub(crate) fn typed_object<T: DeserializeOwned>(
    endpoint: Endpoint,
    incoming: &Incoming,
) -> Result<T, Error> {
    typed(endpoint, incoming.status, json_object(endpoint, incoming)?)
}

/// The status and JSON object body of a `200` answer. A failed send or any other status is
/// an error that names `target_id`, the id the call addressed.
pub(crate) fn ok_object(
    endpoint: Endpoint,
    answer: Result<Incoming, Error>,
    target_id: Option<&str>,
) -> Result<(u16, Value), Error> {
    let incoming = answer
        .and_then(|incoming| expect_status(endpoint, incoming, &[200]))
        .map_err(|e| match target_id {
            Some(id) => e.with_target_id(id),
            None => e,
        })?;
    Ok((incoming.status, json_object(endpoint, &incoming)?))
}

/// [`ok_object`] deserialised into the wire type `T`.
pub(crate) fn ok_typed<T: DeserializeOwned>(
    endpoint: Endpoint,
    answer: Result<Incoming, Error>,
    target_id: Option<&str>,
) -> Result<T, Error> {
    let (status, body) = ok_object(endpoint, answer, target_id)?;
    typed(endpoint, status, body)
}

/// The answer to `GET /v1/receipts/{receipt_id}`: a receipt with the id that was asked for
/// (C-RCPT-01/02).
pub(crate) fn receipt(
    endpoint: Endpoint,
    receipt_id: &str,
    answer: Result<Incoming, Error>,
) -> Result<Receipt, Error> {
    let (status, body) = ok_object(endpoint, answer, Some(receipt_id))?;
    let receipt = Receipt::from_json(body)?;
    if receipt.receipt_id() != receipt_id {
        return Err(Error::protocol(
            endpoint,
            Some(status),
            format!(
                "asked for receipt {receipt_id:?}, got {:?}",
                receipt.receipt_id()
            ),
        ));
    }
    Ok(receipt)
}

/// Require a non-empty string member.
pub(crate) fn non_empty(
    endpoint: Endpoint,
    status: u16,
    name: &str,
    value: &str,
) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::protocol(
            endpoint,
            Some(status),
            format!("{name} is empty"),
        ));
    }
    Ok(())
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
