//! Starting a run: the selected scenarios, the driver (one `hello`), the report header.

use super::RunError;
use crate::catalogue::{Catalogue, Scenario, Selection, Shard, Suite};
use crate::driver::{self, DriverFactory, DriverOptions, DriverSpec, Hello};
use crate::http::Endpoint;
use crate::report::{RunInfo, SdkInfo};
use crate::runner::Runner;
use std::sync::Arc;

/// A run ready to go: target and driver started, expected failures read.
pub(crate) struct Prepared {
    pub(crate) runner: Runner,
    pub(crate) info: RunInfo,
}

/// The scenarios of `suites` (none = both) that pass `only`/`skip` and the shard, catalogue order.
pub fn select<'a>(
    catalogue: &'a Catalogue,
    suites: &[Suite],
    only: &[String],
    skip: &[String],
    shard: Option<Shard>,
) -> Result<Vec<&'a Scenario>, RunError> {
    let sel = Selection::new(only, skip, shard)?;
    let pool: Vec<Scenario> = catalogue
        .scenarios()
        .iter()
        .filter(|s| suites.is_empty() || suites.contains(&s.suite))
        .cloned()
        .collect();
    let ids: Vec<&str> = sel
        .apply(&pool)
        .into_iter()
        .map(|s| s.id.as_str())
        .collect();
    Ok(catalogue
        .scenarios()
        .iter()
        .filter(|s| ids.contains(&s.id.as_str()))
        .collect())
}

/// Starts the driver named by `spec` once to read its `hello`.
pub async fn start_driver(
    spec: &str,
    opts: &DriverOptions,
    transcript: Option<&driver::Transcript>,
) -> Result<(Arc<dyn DriverFactory>, Hello), RunError> {
    let parsed = DriverSpec::parse(spec)?;
    let mut factory = driver::factory(&parsed, opts)?;
    if let Some(t) = transcript {
        factory = t.wrap(factory);
    }
    let session = factory
        .start()
        .await
        .map_err(|reason| RunError::DriverStart {
            spec: spec.to_string(),
            reason,
        })?;
    let hello = session.hello().clone();
    session.shutdown().await;
    Ok((factory, hello))
}

/// The report header for a target and an optional driver.
pub fn run_info(
    target: String,
    driver: Option<&(Arc<dyn DriverFactory>, Hello)>,
    shard: Option<String>,
) -> RunInfo {
    RunInfo {
        sdk: driver.map(|(f, h)| SdkInfo {
            driver: f.spec(),
            name: h.sdk.name.clone(),
            version: h.sdk.version.clone(),
            capabilities: h.capabilities.clone(),
        }),
        shard,
        ..RunInfo::new(target)
    }
}

/// An admin listener given as `http://HOST:PORT` or `unix:PATH`; the error names `flag`.
pub(crate) fn admin_endpoint(flag: &str, v: &str) -> Result<Endpoint, RunError> {
    if let Some(p) = v.strip_prefix("unix:") {
        return Ok(Endpoint::Unix(p.into()));
    }
    match url::Url::parse(v) {
        Ok(u) if u.scheme() == "http" && u.host().is_some() => {
            Ok(Endpoint::Tcp(v.trim_end_matches('/').to_string()))
        }
        _ => Err(RunError::AdminEndpoint {
            flag: flag.to_string(),
            value: v.to_string(),
        }),
    }
}
