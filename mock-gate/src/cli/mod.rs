//! `latchgate-mock serve`: flags, env, config merge, the ready line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::caps::CapsArgs;
use crate::config::file::FileConfig;
use crate::config::settings::{OperatorCredential, RateLimits};
use crate::control::mutants::Mutant;
use crate::gate::{Bind, MockGateBuilder};
use crate::MockGate;

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "latchgate-mock",
    version,
    about = "A mock LatchGate gate, faithful on the wire"
)]
pub struct Cli {
    /// Subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Log format on stderr.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable.
    Pretty,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Serve the mock gate until SIGTERM/SIGINT.
    Serve(ServeArgs),
    /// GET a URL; exit 0 on 200, else 1 (for container HEALTHCHECKs; the image has no curl).
    Healthcheck(HealthcheckArgs),
}

/// `healthcheck` flags.
#[derive(Debug, clap::Args)]
pub struct HealthcheckArgs {
    /// The URL to GET, e.g. http://127.0.0.1:3000/readyz.
    #[arg(long, value_name = "URL")]
    pub url: String,
}

/// `serve` flags (each also readable from the environment).
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Client listener (TCP), e.g. 127.0.0.1:3000.
    #[arg(long, env = "LATCHGATE_MOCK_HTTP", value_name = "ADDR")]
    pub http: Option<SocketAddr>,
    /// Admin listener (TCP); defaults to 127.0.0.1:3001 when --http is given.
    #[arg(long, env = "LATCHGATE_MOCK_ADMIN_HTTP", value_name = "ADDR")]
    pub admin_http: Option<SocketAddr>,
    /// Client Unix socket.
    #[arg(long, env = "LATCHGATE_MOCK_SOCKET", value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Admin Unix socket.
    #[arg(long, env = "LATCHGATE_MOCK_ADMIN_SOCKET", value_name = "PATH")]
    pub admin_socket: Option<PathBuf>,
    /// Public base URL every DPoP htu is checked against.
    #[arg(long, env = "LATCHGATE_PUBLIC_BASE_URL", value_name = "URL")]
    pub public_base_url: Option<String>,
    /// Gate-wide filesystem root for the fs actions.
    #[arg(long, env = "LATCHGATE_MOCK_FS_ROOT", value_name = "DIR")]
    pub fs_root: Option<PathBuf>,
    /// TOML configuration file.
    #[arg(long, env = "LATCHGATE_MOCK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory of action manifests (replaces the quickstart actions).
    #[arg(long, env = "LATCHGATE_MOCK_ACTIONS_DIR", value_name = "DIR")]
    pub actions_dir: Option<PathBuf>,
    /// Policy data file (replaces the quickstart policy data).
    #[arg(long, env = "LATCHGATE_MOCK_POLICY", value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Rego policy directory: every `*.rego` under it, evaluated at `data.latchgate.decision`,
    /// with its `data.json` (replaces the built-in quickstart policy).
    #[arg(long, env = "LATCHGATE_MOCK_POLICY_DIR", value_name = "DIR")]
    pub policy_dir: Option<PathBuf>,
    /// Lease TTL in seconds (ceiling 3600).
    #[arg(long, env = "LATCHGATE_LEASE_TTL_SECONDS", value_name = "SECS")]
    pub lease_ttl: Option<u64>,
    /// Operator API key (operator `platform`; with --operator-key-file or LATCHGATE_OPERATOR_DPOP_JKT).
    #[arg(
        long,
        env = "LATCHGATE_OPERATOR_API_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub operator_api_key: Option<String>,
    /// Thumbprint of the operator key.
    #[arg(long, env = "LATCHGATE_OPERATOR_DPOP_JKT", value_name = "JKT")]
    pub operator_dpop_jkt: Option<String>,
    /// PEM file of the operator key.
    #[arg(long, env = "LATCHGATE_MOCK_OPERATOR_KEY_FILE", value_name = "FILE")]
    pub operator_key_file: Option<PathBuf>,
    /// Disable rate limiting.
    #[arg(long, env = "LATCHGATE_MOCK_NO_RATE_LIMITS")]
    pub no_rate_limits: bool,
    /// Log format on stderr.
    #[arg(
        long,
        env = "LATCHGATE_MOCK_LOG_FORMAT",
        value_enum,
        default_value = "pretty"
    )]
    pub log_format: LogFormat,
    /// Reproduce every real-gate laxness (exact v0.2.0 behaviour).
    #[arg(long, env = "LATCHGATE_MOCK_LAX")]
    pub lax: bool,
    /// TEST ONLY: disable an enforcement rule (repeatable; snake_case mutant name).
    #[arg(long = "mutant", value_name = "NAME")]
    pub mutants: Vec<String>,
    /// Token the `/_mock/` control API requires (`Authorization: Bearer TOKEN`); default: a
    /// fresh one, printed in the ready line.
    #[arg(
        long,
        env = "LATCHGATE_MOCK_CONTROL_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub control_token: Option<String>,
    /// Serve `/_mock/` without a token. Only on an isolated test network: anyone reaching the
    /// admin listener can then read the journal (leases) and change the gate.
    #[arg(long, env = "LATCHGATE_MOCK_CONTROL_OPEN")]
    pub control_open: bool,
    /// Store bounds.
    #[command(flatten)]
    pub caps: CapsArgs,
}

/// The ready line's operator member.
#[derive(Debug, Serialize)]
pub struct ReadyOperator {
    id: String,
    api_key: String,
    dpop_jkt: Option<String>,
    private_key_pem: Option<String>,
}

/// The ready line, fields in the documented order.
#[derive(Debug, Serialize)]
pub struct Ready {
    event: &'static str,
    url: Option<String>,
    admin_url: Option<String>,
    socket: Option<String>,
    admin_socket: Option<String>,
    public_base_url: String,
    operator: ReadyOperator,
    control_token: Option<String>,
}

/// The ready line of a started gate.
pub fn ready_line(g: &MockGate) -> String {
    let c = g.operator_credentials();
    let ready = Ready {
        event: "ready",
        url: g.url().map(str::to_string),
        admin_url: g.admin_url().map(str::to_string),
        socket: g.socket_path().map(|p| p.display().to_string()),
        admin_socket: g.admin_socket_path().map(|p| p.display().to_string()),
        public_base_url: g.public_base_url().to_string(),
        operator: ReadyOperator {
            id: c.id.clone(),
            api_key: c.api_key.clone(),
            dpop_jkt: c.dpop_jkt.clone(),
            private_key_pem: c.private_key_pem.clone(),
        },
        control_token: g.control_token().map(str::to_string),
    };
    serde_json::to_string(&ready).unwrap_or_default()
}

fn control_access(
    b: MockGateBuilder,
    args: &ServeArgs,
    file: &FileConfig,
) -> Result<MockGateBuilder, String> {
    let open = args.control_open || file.control_open == Some(true);
    match (
        args.control_token.clone().or(file.control_token.clone()),
        open,
    ) {
        (Some(_), true) => Err("--control-token and --control-open exclude each other".into()),
        (Some(t), false) => {
            crate::control::access::validate_token(&t)?;
            Ok(b.control_token(t))
        }
        (None, true) => Ok(b.control_open()),
        (None, false) => Ok(b),
    }
}

fn parse_addr(s: &str, what: &str) -> Result<SocketAddr, String> {
    s.parse()
        .map_err(|_| format!("{what}: '{s}' is not an IP:PORT address"))
}

fn operator_from(
    id: &str,
    api_key: String,
    jkt: Option<String>,
    pem: Option<String>,
) -> Result<OperatorCredential, String> {
    let derived = match &pem {
        Some(p) => Some(
            crate::config::operator_key::jkt_of_pem(p)
                .map_err(|e| format!("operator '{id}': {e}"))?,
        ),
        None => None,
    };
    if let (Some(j), Some(d)) = (&jkt, &derived) {
        if j != d {
            return Err(format!(
                "operator '{id}': dpop_jkt does not match the private key's thumbprint"
            ));
        }
    }
    Ok(OperatorCredential {
        id: id.into(),
        api_key,
        dpop_jkt: jkt.or(derived),
        private_key_pem: pem,
    })
}

fn read_pem(path: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read operator key {}: {e}", path.display()))
}

/// Flags > env > config file > defaults, as a builder. Errors name the problem (exit 2).
pub fn builder_from(args: &ServeArgs) -> Result<MockGateBuilder, String> {
    let file = match &args.config {
        Some(p) => FileConfig::load(p)?,
        None => FileConfig::default(),
    };
    let http = match (args.http, &file.http) {
        (Some(a), _) => Some(a),
        (None, Some(s)) => Some(parse_addr(s, "http")?),
        (None, None) => None,
    };
    let admin_http = match (args.admin_http, &file.admin_http) {
        (Some(a), _) => Some(a),
        (None, Some(s)) => Some(parse_addr(s, "admin_http")?),
        (None, None) => None,
    };
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
    let mut b = MockGate::builder()
        .client_listeners(client)
        .admin_listeners(admin);

    if let Some(u) = args
        .public_base_url
        .clone()
        .or(file.public_base_url.clone())
    {
        if !u.contains("://") {
            return Err(format!(
                "public base URL '{u}' must look like http://host:port"
            ));
        }
        b = b.public_base_url(u);
    }
    if let Some(r) = args.fs_root.clone().or(file.fs_root.clone()) {
        if !r.is_dir() {
            return Err(format!("fs root {} is not a directory", r.display()));
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
        crate::config::quickstart::load_actions_dir(&d)?;
        b = b.actions_dir(d);
    }
    if let Some(p) = args.policy.clone().or(file.policy_file.clone()) {
        crate::policy::load::read_data(&p)?;
        b = b.policy_file(p);
    }
    if let Some(d) = args.policy_dir.clone().or(file.policy_dir.clone()) {
        b = b.policy_dir(d);
    }
    if let Some(t) = args.lease_ttl.or(file.lease_ttl_seconds) {
        if t == 0 {
            return Err("lease TTL must be at least 1 second".into());
        }
        b = b.lease_ttl(std::time::Duration::from_secs(t));
    }
    if let Some(n) = args.caps.replay_capacity.or(file.replay_capacity) {
        b = b.replay_capacity(n);
    }
    b = b.caps(args.caps.merged(file.caps));
    b = control_access(b, args, &file)?;
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
            return Err("LATCHGATE_OPERATOR_API_KEY needs LATCHGATE_OPERATOR_DPOP_JKT or --operator-key-file".into());
        }
        ops.retain(|o| o.id != "platform");
        ops.insert(
            0,
            operator_from("platform", key, args.operator_dpop_jkt.clone(), pem)?,
        );
    }
    b = b.operators(ops);
    let mut mutants: Vec<Mutant> = file.mutants.clone();
    for name in &args.mutants {
        let m: Mutant =
            serde_json::from_value(serde_json::Value::String(name.clone())).map_err(|_| {
                format!(
                    "unknown mutant '{name}' (known: {})",
                    Mutant::ALL
                        .iter()
                        .map(|m| m.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        mutants.push(m);
    }
    for m in mutants {
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
