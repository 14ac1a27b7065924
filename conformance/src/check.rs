//! How a scenario says it failed or could not run: a [`Failure`] with what was expected, what
//! came back, and the exchanges that show it.

use crate::http::Exchange;
use serde_json::Value;
use std::fmt::Display;

/// Why a scenario did not pass.
#[derive(Clone, Debug)]
pub enum Failure {
    /// The scenario ran and a check failed.
    Fail(Evidence),
    /// The scenario cannot run here (target or driver lacks something); the reason says what.
    Skip(String),
}

/// What a failed check saw.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    /// One line: which check failed.
    pub message: String,
    /// What the requirement says should happen.
    pub expected: Option<String>,
    /// What happened instead.
    pub actual: Option<String>,
    /// Request/response excerpts and driver outcomes, most relevant last.
    pub excerpts: Vec<String>,
}

/// Result type of scenario code.
pub type Check<T = ()> = Result<T, Failure>;

impl Failure {
    /// A failed check with a message.
    pub fn fail(message: impl Into<String>) -> Self {
        Failure::Fail(Evidence {
            message: message.into(),
            ..Default::default()
        })
    }

    /// A failed comparison.
    pub fn mismatch(
        message: impl Into<String>,
        expected: impl Display,
        actual: impl Display,
    ) -> Self {
        Failure::Fail(Evidence {
            message: message.into(),
            expected: Some(expected.to_string()),
            actual: Some(actual.to_string()),
            excerpts: Vec::new(),
        })
    }

    /// A skip with its reason.
    pub fn skip(reason: impl Into<String>) -> Self {
        Failure::Skip(reason.into())
    }

    /// Adds an exchange excerpt to a failure.
    pub fn with_exchange(self, ex: &Exchange) -> Self {
        self.with_excerpt(ex.excerpt())
    }

    /// Adds a free-form excerpt (driver outcome, journal entry).
    pub fn with_excerpt(self, excerpt: impl Into<String>) -> Self {
        match self {
            Failure::Fail(mut e) => {
                e.excerpts.push(excerpt.into());
                Failure::Fail(e)
            }
            skip => skip,
        }
    }
}

/// Fails with `message` unless `cond` holds.
pub fn ensure(cond: bool, message: impl FnOnce() -> String) -> Check {
    if cond {
        Ok(())
    } else {
        Err(Failure::fail(message()))
    }
}

/// Fails with an expected/actual pair unless the two are equal.
pub fn ensure_eq<T: PartialEq + std::fmt::Debug>(what: &str, expected: T, actual: T) -> Check {
    if expected == actual {
        Ok(())
    } else {
        Err(Failure::mismatch(
            what,
            format!("{expected:?}"),
            format!("{actual:?}"),
        ))
    }
}

/// The member names of a JSON object, in the object's order; none for anything else.
pub fn members(v: &Value) -> Vec<&str> {
    v.as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// [`members`], sorted.
pub fn sorted_members(v: &Value) -> Vec<&str> {
    let mut m = members(v);
    m.sort_unstable();
    m
}
