//! `latchgate-mock serve`: flags, env, config merge (`serve_config`), the ready line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::caps::CapsArgs;
use crate::MockGate;

mod serve_config;

pub use serve_config::{builder_from, ConfigError};

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
