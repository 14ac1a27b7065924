//! What a scenario needs from the target (operator credentials, the mock's control surface) or
//! from the driver (a declared capability).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// One requirement of a scenario. Written in the catalogue as a string: `operator`, `journal`,
/// `clock`, `faults`, `socket`, `disposable`, `actions`, `driver:<capability>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Need {
    /// Operator credentials (api key + P-256 key) for the admin listener.
    Operator,
    /// The target records what it received (the mock's journal).
    Journal,
    /// The target's clock can be read and moved (the mock's virtual clock).
    Clock,
    /// The target can be told to answer with chosen faults or odd responses.
    Faults,
    /// The target serves a Unix socket.
    Socket,
    /// The target is started for this scenario alone (it may be left unusable, e.g. drained).
    Disposable,
    /// The runner can register actions of its own (the mock's `/_mock/actions` control API on
    /// the admin listener); checked by asking that API, so a `latchgate-mock serve` target counts.
    Actions,
    /// The driver declared this capability in its `hello`.
    Driver(String),
}

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Need::Operator => f.write_str("operator"),
            Need::Journal => f.write_str("journal"),
            Need::Clock => f.write_str("clock"),
            Need::Faults => f.write_str("faults"),
            Need::Socket => f.write_str("socket"),
            Need::Disposable => f.write_str("disposable"),
            Need::Actions => f.write_str("actions"),
            Need::Driver(c) => write!(f, "driver:{c}"),
        }
    }
}

/// A catalogue need that is none of the known ones.
#[derive(Debug, thiserror::Error)]
#[error("unknown need '{0}'")]
pub struct UnknownNeed(pub String);

impl std::str::FromStr for Need {
    type Err = UnknownNeed;
    fn from_str(s: &str) -> Result<Self, UnknownNeed> {
        Ok(match s {
            "operator" => Need::Operator,
            "journal" => Need::Journal,
            "clock" => Need::Clock,
            "faults" => Need::Faults,
            "socket" => Need::Socket,
            "disposable" => Need::Disposable,
            "actions" => Need::Actions,
            other => match other.strip_prefix("driver:") {
                Some(cap) if !cap.is_empty() => Need::Driver(cap.to_string()),
                _ => return Err(UnknownNeed(other.to_string())),
            },
        })
    }
}

impl Serialize for Need {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Need {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
