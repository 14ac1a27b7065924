//! Choosing the gate's address and the htu base (SDK-CONTRACT C-URL-01, -02, -05, -06).
//!
//! The SDK reads exactly three environment variables: `LATCHGATE_URL`, `XDG_RUNTIME_DIR`
//! and `LATCHGATE_PUBLIC_BASE_URL`. An empty variable counts as unset.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::Error;
use crate::validate;

/// Where the gate listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// HTTP over TCP at this base URL (no trailing `/`).
    Tcp {
        /// The base URL requests are joined to.
        base_url: String,
    },
    /// HTTP over a Unix domain socket; request targets are `http://localhost/<path>`.
    Unix {
        /// The socket file.
        path: PathBuf,
    },
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp { base_url } => f.write_str(base_url),
            Self::Unix { path } => write!(f, "unix:{}", path.display()),
        }
    }
}

/// Environment lookups, replaceable in tests. [`Env::process`] reads the real environment.
#[derive(Clone)]
pub struct Env(Arc<Lookup>);

type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Env")
    }
}

impl Env {
    /// The process environment.
    pub fn process() -> Self {
        Self(Arc::new(|name| std::env::var(name).ok()))
    }

    /// A fixed set of variables (everything else unset).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Self(Arc::new(move |name| {
            owned
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }))
    }

    /// A variable's value; empty counts as unset.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.is_empty())
    }
}

/// The default client socket, as the gate's `default_uds_path`:
/// `$XDG_RUNTIME_DIR/latchgate/gate.sock`, else `/tmp/latchgate-<uid>/gate.sock`.
pub fn default_socket_path() -> Result<PathBuf, Error> {
    default_socket_in(&Env::process(), "gate.sock")
}

/// The default admin socket, `gate-admin.sock` next to the client socket.
pub fn default_admin_socket_path() -> Result<PathBuf, Error> {
    default_socket_in(&Env::process(), "gate-admin.sock")
}

pub(crate) fn default_socket_in(env: &Env, file: &str) -> Result<PathBuf, Error> {
    if let Some(dir) = env.get("XDG_RUNTIME_DIR") {
        return Ok(Path::new(&dir).join("latchgate").join(file));
    }
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    Ok(Path::new("/tmp")
        .join(format!("latchgate-{uid}"))
        .join(file))
}

/// C-URL-01: explicit base URL, explicit socket (both is an error), `LATCHGATE_URL`, then
/// the default socket named `socket_file`.
pub(crate) fn resolve_target(
    base_url: Option<&str>,
    socket: Option<&Path>,
    env: &Env,
    socket_file: &str,
) -> Result<Target, Error> {
    match (base_url, socket) {
        (Some(_), Some(_)) => Err(Error::invalid_input(
            "socket",
            "give either a base URL or a socket path, not both",
        )),
        (Some(url), None) => Ok(Target::Tcp {
            base_url: validate::base_url("base_url", url)?,
        }),
        (None, Some(path)) if path.as_os_str().is_empty() => Err(Error::invalid_input(
            "socket",
            "the socket path must not be empty",
        )),
        (None, Some(path)) => Ok(Target::Unix {
            path: path.to_path_buf(),
        }),
        (None, None) => match env.get("LATCHGATE_URL") {
            Some(url) => Ok(Target::Tcp {
                base_url: validate::base_url("LATCHGATE_URL", &url)?,
            }),
            None => Ok(Target::Unix {
                path: default_socket_in(env, socket_file)?,
            }),
        },
    }
}

/// C-URL-05: explicit public base URL, `LATCHGATE_PUBLIC_BASE_URL`, then the TCP base URL
/// or, over a socket, the gate's default `http://localhost:3000`.
pub(crate) fn resolve_htu_base(
    explicit: Option<&str>,
    env: &Env,
    target: &Target,
) -> Result<String, Error> {
    if let Some(url) = explicit {
        return validate::base_url("public_base_url", url);
    }
    if let Some(url) = env.get("LATCHGATE_PUBLIC_BASE_URL") {
        return validate::base_url("LATCHGATE_PUBLIC_BASE_URL", &url);
    }
    Ok(match target {
        Target::Tcp { base_url } => base_url.clone(),
        Target::Unix { .. } => "http://localhost:3000".to_owned(),
    })
}

/// The htu base of an operator client: never derived from the admin address (C-OP-03).
pub(crate) fn resolve_operator_htu_base(
    explicit: Option<&str>,
    env: &Env,
) -> Result<String, Error> {
    if let Some(url) = explicit {
        return validate::base_url("public_base_url", url);
    }
    match env.get("LATCHGATE_PUBLIC_BASE_URL") {
        Some(url) => validate::base_url("LATCHGATE_PUBLIC_BASE_URL", &url),
        None => Ok("http://localhost:3000".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn tcp(url: &str) -> Target {
        Target::Tcp {
            base_url: url.to_owned(),
        }
    }

    #[test]
    fn explicit_base_url_beats_the_environment() {
        let env = Env::from_pairs(&[("LATCHGATE_URL", "http://env:1")]);
        let t = resolve_target(Some("http://arg:2/"), None, &env, "gate.sock").unwrap();
        assert_eq!(t, tcp("http://arg:2"));
    }

    #[test]
    fn explicit_socket_beats_the_environment() {
        let env = Env::from_pairs(&[("LATCHGATE_URL", "http://env:1")]);
        let t = resolve_target(None, Some(Path::new("/s/gate.sock")), &env, "gate.sock").unwrap();
        assert_eq!(
            t,
            Target::Unix {
                path: "/s/gate.sock".into()
            }
        );
    }

    #[test]
    fn base_url_and_socket_together_are_invalid_input() {
        let err = resolve_target(
            Some("http://h"),
            Some(Path::new("/s")),
            &Env::from_pairs(&[]),
            "gate.sock",
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn latchgate_url_comes_before_the_sockets() {
        let env = Env::from_pairs(&[
            ("LATCHGATE_URL", "http://env:1"),
            ("XDG_RUNTIME_DIR", "/run/u"),
        ]);
        assert_eq!(
            resolve_target(None, None, &env, "gate.sock").unwrap(),
            tcp("http://env:1")
        );
    }

    #[test]
    fn xdg_runtime_dir_socket_then_tmp_uid_socket() {
        let env = Env::from_pairs(&[("XDG_RUNTIME_DIR", "/run/u"), ("LATCHGATE_URL", "")]);
        assert_eq!(
            resolve_target(None, None, &env, "gate.sock").unwrap(),
            Target::Unix {
                path: "/run/u/latchgate/gate.sock".into()
            }
        );
        let env = Env::from_pairs(&[("XDG_RUNTIME_DIR", "")]);
        // SAFETY: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() };
        assert_eq!(
            resolve_target(None, None, &env, "gate-admin.sock").unwrap(),
            Target::Unix {
                path: format!("/tmp/latchgate-{uid}/gate-admin.sock").into()
            }
        );
    }

    #[test]
    fn empty_explicit_values_are_invalid_input() {
        let env = Env::from_pairs(&[]);
        assert!(resolve_target(Some(""), None, &env, "gate.sock").is_err());
        assert!(resolve_target(None, Some(Path::new("")), &env, "gate.sock").is_err());
        assert!(resolve_htu_base(Some(""), &env, &tcp("http://h")).is_err());
    }

    #[test]
    fn htu_base_resolution_order() {
        let none = Env::from_pairs(&[]);
        let unix = Target::Unix { path: "/s".into() };
        assert_eq!(
            resolve_htu_base(None, &none, &unix).unwrap(),
            "http://localhost:3000"
        );
        assert_eq!(
            resolve_htu_base(None, &none, &tcp("http://h:1")).unwrap(),
            "http://h:1"
        );
        let env = Env::from_pairs(&[("LATCHGATE_PUBLIC_BASE_URL", "http://pub:9/")]);
        assert_eq!(resolve_htu_base(None, &env, &unix).unwrap(), "http://pub:9");
        assert_eq!(
            resolve_htu_base(Some("http://x"), &env, &unix).unwrap(),
            "http://x"
        );
        assert_eq!(
            resolve_operator_htu_base(None, &none).unwrap(),
            "http://localhost:3000"
        );
    }
}
