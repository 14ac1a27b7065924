//! `serve`'s flags and environment merged over the config file and the defaults, as a builder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::ServeArgs;
use crate::config::file::FileConfig;
use crate::config::settings::{OperatorCredential, RateLimits};
use crate::control::mutants::Mutant;
use crate::gate::{Bind, MockGateBuilder};
use crate::MockGate;

/// Why `serve`'s flags, environment and config file give no gate (the binary exits 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file cannot be read or parsed.
    #[error("{0}")]
    File(String),
    /// A listener address of the config file is not `IP:PORT`.
    #[error("{what}: '{value}' is not an IP:PORT address")]
    Address {
        /// The config member (`http`, `admin_http`).
        what: &'static str,
        /// The value as written.
        value: String,
    },
    /// The public base URL has no scheme.
    #[error("public base URL '{0}' must look like http://host:port")]
    PublicBaseUrl(String),
    /// The fs root is not a directory.
    #[error("fs root {} is not a directory", .0.display())]
    FsRoot(PathBuf),
    /// The actions directory or one of its manifests cannot be loaded.
    #[error("{0}")]
    Actions(String),
    /// The policy data file cannot be loaded.
    #[error("{0}")]
    Policy(crate::policy::PolicyError),
    /// A lease TTL of zero.
    #[error("lease TTL must be at least 1 second")]
    ZeroLeaseTtl,
    /// Both a control token and an open control API.
    #[error("--control-token and --control-open exclude each other")]
    ControlTokenAndOpen,
    /// The control token is not a header-safe token.
    #[error("{0}")]
    ControlToken(String),
    /// An operator key file cannot be read.
    #[error("cannot read operator key {}: {source}", path.display())]
    OperatorKeyFile {
        /// The file.
        path: PathBuf,
        /// The read error.
        source: std::io::Error,
    },
    /// An operator key is not a P-256 PEM.
    #[error("operator '{id}': {reason}")]
    OperatorKey {
        /// Operator id.
        id: String,
        /// What is wrong with the key.
        reason: String,
    },
    /// An operator's `dpop_jkt` is not its key's thumbprint.
    #[error("operator '{0}': dpop_jkt does not match the private key's thumbprint")]
    OperatorJktMismatch(String),
    /// An operator API key without a key or thumbprint to bind proofs to.
    #[error("LATCHGATE_OPERATOR_API_KEY needs LATCHGATE_OPERATOR_DPOP_JKT or --operator-key-file")]
    OperatorKeyMissing,
    /// A `--mutant` name the mock does not know.
    #[error("unknown mutant '{name}' (known: {known})")]
    UnknownMutant {
        /// The name as given.
        name: String,
        /// Every known name, comma-separated.
        known: String,
    },
}

/// Flags > env > config file > defaults, as a builder. Errors name the problem (exit 2).
pub fn builder_from(args: &ServeArgs) -> Result<MockGateBuilder, ConfigError> {
    let file = match &args.config {
        Some(p) => FileConfig::load(p).map_err(ConfigError::File)?,
        None => FileConfig::default(),
    };
    let (client, admin) = listeners(args, &file)?;
    let b = MockGate::builder()
        .client_listeners(client)
        .admin_listeners(admin);
    let b = sources(b, args, &file)?;
    let mut b = limits(b, args, &file)?;
    b = b.operators(operators(args, &file)?);
    for m in mutants(args, &file)? {
        b = b.mutant(m);
    }
    for l in &file.lax {
        b = b.lax(*l);
    }
    if args.lax {
        b = b.lax_all();
    }
    Ok(b)
}

/// Client and admin listeners: TCP 127.0.0.1:3000 and :3001 when none is given, and an admin
/// TCP listener on :3001 next to a client one.
fn listeners(args: &ServeArgs, file: &FileConfig) -> Result<(Vec<Bind>, Vec<Bind>), ConfigError> {
    let http = flag_or_file_addr(args.http, file.http.as_deref(), "http")?;
    let admin_http = flag_or_file_addr(args.admin_http, file.admin_http.as_deref(), "admin_http")?;
    let socket = args.socket.clone().or(file.socket.clone());
    let admin_socket = args.admin_socket.clone().or(file.admin_socket.clone());
    let none_given =
        http.is_none() && admin_http.is_none() && socket.is_none() && admin_socket.is_none();
    let http = if none_given {
        Some(parse_addr("127.0.0.1:3000", "http")?)
    } else {
        http
    };
    let admin_http = admin_http.or_else(|| http.map(|_| SocketAddr::from(([127, 0, 0, 1], 3001))));
    let mut client = Vec::new();
    let mut admin = Vec::new();
    client.extend(http.map(Bind::Tcp));
    client.extend(socket.map(Bind::Unix));
    admin.extend(admin_http.map(Bind::Tcp));
    admin.extend(admin_socket.map(Bind::Unix));
    Ok((client, admin))
}

fn flag_or_file_addr(
    flag: Option<SocketAddr>,
    file: Option<&str>,
    what: &'static str,
) -> Result<Option<SocketAddr>, ConfigError> {
    match (flag, file) {
        (Some(a), _) => Ok(Some(a)),
        (None, Some(s)) => parse_addr(s, what).map(Some),
        (None, None) => Ok(None),
    }
}

fn parse_addr(s: &str, what: &'static str) -> Result<SocketAddr, ConfigError> {
    s.parse().map_err(|_| ConfigError::Address {
        what,
        value: s.to_string(),
    })
}

/// Public base URL, fs root and its allowed prefixes, actions, policy data and Rego.
fn sources(
    mut b: MockGateBuilder,
    args: &ServeArgs,
    file: &FileConfig,
) -> Result<MockGateBuilder, ConfigError> {
    if let Some(u) = args
        .public_base_url
        .clone()
        .or(file.public_base_url.clone())
    {
        if !u.contains("://") {
            return Err(ConfigError::PublicBaseUrl(u));
        }
        b = b.public_base_url(u);
    }
    if let Some(r) = args.fs_root.clone().or(file.fs_root.clone()) {
        if !r.is_dir() {
            return Err(ConfigError::FsRoot(r));
        }
        b = b.fs_root(r);
    }
    if let Ok(v) = std::env::var("LATCHGATE_FS_ROOT_ALLOWED_PREFIXES") {
        b = b.fs_root_allowed_prefixes(
            v.split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect(),
        );
    } else if let Some(p) = file.fs_root_allowed_prefixes.clone() {
        b = b.fs_root_allowed_prefixes(p);
    }
    if let Some(d) = args.actions_dir.clone().or(file.actions_dir.clone()) {
        crate::config::quickstart::load_actions_dir(&d).map_err(ConfigError::Actions)?;
        b = b.actions_dir(d);
    }
    if let Some(p) = args.policy.clone().or(file.policy_file.clone()) {
        crate::policy::load::read_data(&p).map_err(ConfigError::Policy)?;
        b = b.policy_file(p);
    }
    if let Some(d) = args.policy_dir.clone().or(file.policy_dir.clone()) {
        b = b.policy_dir(d);
    }
    Ok(b)
}

/// Lease TTL, store bounds, control access, identity, dev mode and rate limits.
fn limits(
    mut b: MockGateBuilder,
    args: &ServeArgs,
    file: &FileConfig,
) -> Result<MockGateBuilder, ConfigError> {
    if let Some(t) = args.lease_ttl.or(file.lease_ttl_seconds) {
        if t == 0 {
            return Err(ConfigError::ZeroLeaseTtl);
        }
        b = b.lease_ttl(std::time::Duration::from_secs(t));
    }
    if let Some(n) = args.caps.replay_capacity.or(file.replay_capacity) {
        b = b.replay_capacity(n);
    }
    b = b.caps(args.caps.merged(file.caps));
    b = control_access(b, args, file)?;
    if let Some(i) = file.identity.clone() {
        b = b.identity(i);
    }
    if let Some(d) = file.dev_mode {
        b = b.dev_mode(d);
    }
    if args.no_rate_limits {
        b = b.rate_limits(RateLimits::unlimited());
    } else if let Some(r) = file.rate_limits {
        b = b.rate_limits(r);
    }
    Ok(b)
}

fn control_access(
    b: MockGateBuilder,
    args: &ServeArgs,
    file: &FileConfig,
) -> Result<MockGateBuilder, ConfigError> {
    let open = args.control_open || file.control_open == Some(true);
    match (
        args.control_token.clone().or(file.control_token.clone()),
        open,
    ) {
        (Some(_), true) => Err(ConfigError::ControlTokenAndOpen),
        (Some(t), false) => {
            crate::control::access::validate_token(&t).map_err(ConfigError::ControlToken)?;
            Ok(b.control_token(t))
        }
        (None, true) => Ok(b.control_open()),
        (None, false) => Ok(b),
    }
}

/// The config file's operators, then `platform` from the flags (replacing the file's).
fn operators(args: &ServeArgs, file: &FileConfig) -> Result<Vec<OperatorCredential>, ConfigError> {
    let mut ops = Vec::new();
    for (id, e) in &file.operators {
        let pem = match (&e.private_key_pem, &e.private_key_file) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(f)) => Some(read_pem(f)?),
            (None, None) => None,
        };
        ops.push(operator_from(
            id,
            e.api_key.clone(),
            e.dpop_jkt.clone(),
            pem,
        )?);
    }
    if let Some(key) = args.operator_api_key.clone() {
        let pem = args
            .operator_key_file
            .as_deref()
            .map(read_pem)
            .transpose()?;
        if pem.is_none() && args.operator_dpop_jkt.is_none() {
            return Err(ConfigError::OperatorKeyMissing);
        }
        ops.retain(|o| o.id != "platform");
        ops.insert(
            0,
            operator_from("platform", key, args.operator_dpop_jkt.clone(), pem)?,
        );
    }
    Ok(ops)
}

fn operator_from(
    id: &str,
    api_key: String,
    jkt: Option<String>,
    pem: Option<String>,
) -> Result<OperatorCredential, ConfigError> {
    let derived = match &pem {
        Some(p) => Some(
            crate::config::operator_key::jkt_of_pem(p).map_err(|reason| {
                ConfigError::OperatorKey {
                    id: id.into(),
                    reason,
                }
            })?,
        ),
        None => None,
    };
    if let (Some(j), Some(d)) = (&jkt, &derived) {
        if j != d {
            return Err(ConfigError::OperatorJktMismatch(id.into()));
        }
    }
    Ok(OperatorCredential {
        id: id.into(),
        api_key,
        dpop_jkt: jkt.or(derived),
        private_key_pem: pem,
    })
}

fn read_pem(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::OperatorKeyFile {
        path: path.to_path_buf(),
        source,
    })
}

/// The config file's mutants, then those named by `--mutant`.
fn mutants(args: &ServeArgs, file: &FileConfig) -> Result<Vec<Mutant>, ConfigError> {
    let mut mutants: Vec<Mutant> = file.mutants.clone();
    for name in &args.mutants {
        let m: Mutant =
            serde_json::from_value(serde_json::Value::String(name.clone())).map_err(|_| {
                ConfigError::UnknownMutant {
                    name: name.clone(),
                    known: Mutant::ALL
                        .iter()
                        .map(|m| m.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            })?;
        mutants.push(m);
    }
    Ok(mutants)
}
