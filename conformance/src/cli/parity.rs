//! `diff`, `record` and `replay` on the command line. Exit codes as for `run`: 0 equal,
//! 1 different, 2 usage or environment errors.

use super::CliError;
use super::{EXIT_FAILED, EXIT_OK};
use crate::parity::corpus::{self, Corpus, Deviations, Manifest};
use crate::parity::explain::{explain, Explanation};
use crate::parity::replay::{self, Mode};
use crate::parity::run::Side;
use crate::parity::{explore, report, DiffPlan};
use crate::target::{self, MockTarget, RemoteOptions, TargetProvider, TargetSpec};
use clap::Args;
use latchgate_mock::Mutant;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// How one side is reached (flags suffixed `-a` / `-b`, or unsuffixed for `record`/`replay`).
#[derive(Clone, Debug, Default)]
pub struct SideArgs {
    /// `mock`, `mock:lax`, `mock:mutant=NAME`, `url:URL`, `socket:PATH`.
    pub target: String,
    /// Admin listener and operator credentials.
    pub operator: OperatorArgs,
    /// Public base URL.
    pub public_base_url: Option<String>,
    /// The gate's fs root (normalized away).
    pub fs_root: Option<String>,
}

/// The admin listener and operator credentials of a url:/socket: side.
#[derive(Args, Clone, Debug, Default)]
pub struct OperatorArgs {
    /// Admin listener (http://HOST:PORT or unix:PATH).
    #[arg(long)]
    pub admin: Option<String>,
    /// Operator api key.
    #[arg(long = "operator-token")]
    pub operator_token: Option<String>,
    /// Operator key (PEM file or text).
    #[arg(long = "operator-key")]
    pub operator_key: Option<String>,
}

/// `diff` flags.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Left gate: mock, mock:lax, mock:mutant=NAME, url:URL, socket:PATH.
    #[arg(long = "a", value_name = "TARGET")]
    a: String,
    /// Right gate (same forms).
    #[arg(long = "b", value_name = "TARGET")]
    b: String,
    #[arg(long = "admin-a")]
    admin_a: Option<String>,
    #[arg(long = "admin-b")]
    admin_b: Option<String>,
    #[arg(long = "operator-token-a")]
    operator_token_a: Option<String>,
    #[arg(long = "operator-token-b")]
    operator_token_b: Option<String>,
    #[arg(long = "operator-key-a")]
    operator_key_a: Option<String>,
    #[arg(long = "operator-key-b")]
    operator_key_b: Option<String>,
    #[arg(long = "public-base-url-a")]
    public_base_url_a: Option<String>,
    #[arg(long = "public-base-url-b")]
    public_base_url_b: Option<String>,
    /// fs root of side a (its paths in answers are normalized to <fs_root>).
    #[arg(long = "fs-root-a")]
    fs_root_a: Option<String>,
    #[arg(long = "fs-root-b")]
    fs_root_b: Option<String>,
    #[command(flatten)]
    common: Common,
    /// Skip the gate-suite scenarios (generated cases only).
    #[arg(long = "no-suite")]
    no_suite: bool,
    /// Run only generated case K of the seed (rerun a reported case).
    #[arg(long, value_name = "K")]
    case: Option<u64>,
    /// Do not shrink differing cases.
    #[arg(long = "no-reduce")]
    no_reduce: bool,
    /// Write the differences as JSON here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Sort the differences by the reviewed `deviations.toml` of this corpus directory (e.g.
    /// fixtures/parity/gate-0.2.0): only unexplained ones are shown and make the exit 1.
    #[arg(long, value_name = "DIR")]
    deviations: Option<PathBuf>,
}

/// Flags shared by `diff` and `record`.
#[derive(Args, Debug)]
pub struct Common {
    /// Generated cases to run.
    #[arg(long, default_value_t = 0)]
    explore: u64,
    /// Seed of the generated cases.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only gate-suite scenarios whose id matches (repeatable, or comma-separated).
    #[arg(long = "only", value_name = "GLOB")]
    only: Vec<String>,
    /// Scenarios or cases run at once (keep 1 against a shared real gate).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
}

/// `record` flags.
#[derive(Args, Debug)]
pub struct RecordArgs {
    /// The gate: url:URL, socket:PATH, mock, mock:lax.
    #[arg(long)]
    target: String,
    /// Corpus directory, e.g. fixtures/parity/gate-0.2.0.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    operator: OperatorArgs,
    #[arg(long = "public-base-url")]
    public_base_url: Option<String>,
    /// The gate's fs root (normalized to <fs_root>).
    #[arg(long = "fs-root")]
    fs_root: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// `replay` flags.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// Corpus directory.
    #[arg(long, value_name = "DIR")]
    corpus: PathBuf,
    /// The gate: mock, mock:lax, url:URL, socket:PATH.
    #[arg(long, default_value = "mock:lax")]
    target: String,
    /// Skip exchanges marked lax (for a strict gate).
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    operator: OperatorArgs,
    /// Scenarios or cases run at once.
    #[arg(long, default_value_t = 4)]
    jobs: usize,
}

fn mock_side(spec: &str) -> Result<Option<MockTarget>, String> {
    let rest = match spec.strip_prefix("mock") {
        Some(r) => r,
        None => return Ok(None),
    };
    let m = MockTarget::new().own_base();
    match rest {
        "" => Ok(Some(m)),
        ":lax" => Ok(Some(m.lax_all())),
        r if r.starts_with(":mutant=") => {
            let name = &r[8..];
            let mutant: Mutant = serde_json::from_value(serde_json::Value::String(name.into()))
                .map_err(|_| {
                    format!(
                        "unknown mutant '{name}'; one of: {}",
                        Mutant::ALL.map(Mutant::name).join(", ")
                    )
                })?;
            Ok(Some(MockTarget::with_mutant(mutant).own_base()))
        }
        _ => Err(format!(
            "--target '{spec}': expected mock, mock:lax or mock:mutant=NAME"
        )),
    }
}

/// Builds a side and checks that it answers.
pub async fn side(label: &str, a: &SideArgs) -> Result<Side, CliError> {
    if let Some(m) = mock_side(&a.target)? {
        if a.operator.admin.is_some() || a.operator.operator_token.is_some() || a.fs_root.is_some()
        {
            return Err(format!(
                "side {label}: --admin/--operator-*/--fs-root apply to url:/socket: targets only"
            )
            .into());
        }
        let provider: Arc<dyn TargetProvider> = Arc::new(m);
        return Ok(Side {
            label: label.into(),
            provider,
        });
    }
    let spec = TargetSpec::parse(&a.target).map_err(|e| format!("side {label}: {e}"))?;
    if let TargetSpec::Docker(_) = spec {
        return Err(format!("side {label}: docker: targets are not supported here; start the container and give its url:").into());
    }
    let admin = a
        .operator
        .admin
        .as_deref()
        .map(|v| super::endpoint_arg("--admin", v))
        .transpose()?;
    let operator = match (&a.operator.operator_token, &a.operator.operator_key) {
        (Some(t), Some(k)) => Some((t.clone(), k.clone())),
        (None, None) => None,
        _ => {
            return Err(
                format!("side {label}: --operator-token and --operator-key go together").into(),
            )
        }
    };
    let opts = RemoteOptions {
        admin,
        public_base: a.public_base_url.clone(),
        operator,
        fs_root: a.fs_root.clone(),
        control_token: None,
    };
    let provider = target::provider(&spec, &opts).map_err(|e| format!("side {label}: {e}"))?;
    let s = Side {
        label: label.into(),
        provider,
    };
    crate::parity::run::reachable(&s).await?;
    Ok(s)
}

fn plan(
    c: &Common,
    case: Option<u64>,
    suite: bool,
    caps: explore::Caps,
    reduce: bool,
) -> Result<DiffPlan, CliError> {
    Ok(DiffPlan {
        scenarios: if suite {
            crate::parity::suite_scenarios(&c.only)?
        } else {
            Vec::new()
        },
        explore: c.explore,
        seed: c.seed,
        case,
        caps,
        jobs: c.jobs.max(1),
        reduce,
    })
}

/// `diff --a --b`.
pub async fn diff(args: DiffArgs) -> Result<i32, CliError> {
    let sa = SideArgs {
        target: args.a.clone(),
        operator: OperatorArgs {
            admin: args.admin_a.clone(),
            operator_token: args.operator_token_a.clone(),
            operator_key: args.operator_key_a.clone(),
        },
        public_base_url: args.public_base_url_a.clone(),
        fs_root: args.fs_root_a.clone(),
    };
    let sb = SideArgs {
        target: args.b.clone(),
        operator: OperatorArgs {
            admin: args.admin_b.clone(),
            operator_token: args.operator_token_b.clone(),
            operator_key: args.operator_key_b.clone(),
        },
        public_base_url: args.public_base_url_b.clone(),
        fs_root: args.fs_root_b.clone(),
    };
    let deviations = match &args.deviations {
        Some(dir) if !dir.join(corpus::DEVIATIONS).is_file() => {
            return Err(format!(
                "--deviations {}: no {} there",
                dir.display(),
                corpus::DEVIATIONS
            )
            .into())
        }
        Some(dir) => Some(Deviations::load(dir).map_err(|e| format!("--deviations: {e}"))?),
        None => None,
    };
    let (a, b) = (side("a", &sa).await?, side("b", &sb).await?);
    let caps = explore::Caps {
        clock: crate::parity::run::has_clock(&a).await?
            && crate::parity::run::has_clock(&b).await?,
    };
    let plan = plan(
        &args.common,
        args.case,
        !args.no_suite && args.case.is_none(),
        caps,
        !args.no_reduce,
    )?;
    let start = Instant::now();
    eprintln!(
        "latchgate-conformance diff: a = {}, b = {}",
        a.provider.describe(),
        b.provider.describe()
    );
    let out = crate::parity::run_diff(&a, &b, &plan, &|l| eprintln!("  {l}")).await?;
    let explained: Option<Vec<Explanation>> = deviations
        .as_ref()
        .map(|dev| out.differing.iter().map(|d| explain(d, dev)).collect());
    let explained = explained.as_deref();
    print!("{}", report::text(&out, plan.seed, explained));
    eprintln!(
        "{}",
        report::summary(&out, plan.seed, start.elapsed(), explained)
    );
    if let Some(p) = &args.json {
        std::fs::write(p, report::json(&out, plan.seed, explained))
            .map_err(|e| format!("--json {}: {e}", p.display()))?;
    }
    let failing = match explained {
        Some(e) => e.contains(&Explanation::Unexplained),
        None => !out.differing.is_empty(),
    };
    Ok(if failing { EXIT_FAILED } else { EXIT_OK })
}

/// `record --target --out`.
pub async fn record(args: RecordArgs) -> Result<i32, CliError> {
    let sa = SideArgs {
        target: args.target.clone(),
        operator: args.operator.clone(),
        public_base_url: args.public_base_url.clone(),
        fs_root: args.fs_root.clone(),
    };
    let side = side("target", &sa).await?;
    let gate_version = crate::parity::run::gate_version(&side).await?;
    let caps = explore::Caps {
        clock: crate::parity::run::has_clock(&side).await?,
    };
    let plan = plan(&args.common, None, true, caps, false)?;
    let start = Instant::now();
    let (suite, explore, scenarios) = crate::parity::run::record_all(&side, &plan).await?;
    let manifest = Manifest {
        format_version: corpus::FORMAT_VERSION,
        tool: "latchgate-conformance".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        gate_version,
        seed: plan.seed,
        explore_cases: plan.explore,
        clock: caps.clock,
        suite_scenarios: scenarios,
        suite_exchanges: suite.len(),
        explore_exchanges: explore.len(),
        rules: corpus::rule_names(),
    };
    corpus::write(
        &args.out,
        &Corpus {
            manifest,
            suite,
            explore,
        },
    )?;
    let c = corpus::load(&args.out, None)?;
    eprintln!(
        "recorded {} suite exchanges ({} scenarios) and {} generated exchanges ({} cases, seed {}) in {:.1} s into {}",
        c.manifest.suite_exchanges, c.manifest.suite_scenarios, c.manifest.explore_exchanges,
        c.manifest.explore_cases, c.manifest.seed, start.elapsed().as_secs_f64(), args.out.display()
    );
    Ok(EXIT_OK)
}

/// `replay --corpus`.
pub async fn replay_cmd(args: ReplayArgs) -> Result<i32, CliError> {
    let sa = SideArgs {
        target: args.target.clone(),
        operator: args.operator.clone(),
        ..SideArgs::default()
    };
    let side = side("target", &sa).await?;
    let version = crate::parity::run::gate_version(&side).await?;
    let corpus = corpus::load(&args.corpus, Some(&version))?;
    let dev = Deviations::load(&args.corpus)?;
    let mode = if args.strict { Mode::Strict } else { Mode::Lax };
    let start = Instant::now();
    let out = replay::replay(&corpus, &side, mode, args.jobs, &dev).await?;
    let ids: BTreeSet<String> = out.differing.keys().cloned().collect();
    let hits: BTreeSet<usize> = out.member_deviations.values().flatten().copied().collect();
    let c = replay::classify(&ids, &hits, &dev);
    for id in &c.unexplained {
        print!("{}", out.differing[id]);
    }
    eprintln!(
        "replayed {} exchanges ({} lax skipped) in {:.1} s: {} unexplained, {} deliberate deviations, {} known open",
        out.compared, out.lax_skipped, start.elapsed().as_secs_f64(), c.unexplained.len(), c.deviations.len(), c.known_open.len()
    );
    Ok(if c.unexplained.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}
