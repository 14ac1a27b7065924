//! HTTP providers: a canned echo (default, no network) and real requests (opt-in).

use std::collections::BTreeMap;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};

use super::{Observed, Provider, ProviderCall, ProviderError, ProviderFuture, ProviderOutput};
use crate::actions::manifest::TemplateConfig;

/// Resolved request of an http action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedRequest {
    /// Method.
    pub method: String,
    /// URL.
    pub url: String,
    /// Headers.
    pub headers: BTreeMap<String, String>,
    /// Body.
    pub body: Option<String>,
}

fn fill(template: &str, params: &Value) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match params.get(name) {
                    Some(Value::String(s)) => out.push_str(s),
                    Some(v) => out.push_str(&v.to_string()),
                    None => {}
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Fills `{{field}}` placeholders of the template from the request body.
pub fn resolve_template(t: &TemplateConfig, params: &Value) -> ResolvedRequest {
    ResolvedRequest {
        method: t.method.to_ascii_uppercase(),
        url: fill(&t.url_template, params),
        headers: t
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), fill(v, params)))
            .collect(),
        body: t.body_template.as_ref().map(|b| match b {
            Value::String(s) => fill(s, params),
            other => fill(&other.to_string(), params),
        }),
    }
}

fn resolved(call: &ProviderCall) -> Option<ResolvedRequest> {
    call.spec
        .spec
        .template
        .as_ref()
        .map(|t| resolve_template(t, &call.params))
}

/// Answers every http action with a 200 as the gate's `http_api` output shape, without any
/// network: `{"ok":true,"data":{"status_code":200,"headers":{},"body":"","url":<url>}}`. A URL
/// the gate's host could not parse, or one without a host, fails as the gate's provider does
/// (see [`provider_failure`]).
#[derive(Debug, Clone)]
pub struct HttpEchoProvider;

impl Provider for HttpEchoProvider {
    fn call(&self, call: ProviderCall) -> ProviderFuture {
        let url = resolved(&call).map(|r| r.url).unwrap_or_default();
        Box::pin(async move {
            if let Err(refused) = host_admits(&url) {
                return Ok(refused);
            }
            Ok(ProviderOutput {
                output: json!({"ok": true, "data": {"status_code": 200, "headers": {}, "body": "", "url": url}}),
                exit_code: 0,
                observed: vec![Observed::HttpStatus(200)],
            })
        })
    }
}

/// The gate's host check before any request: a URL it cannot parse, or one without a host (it
/// takes the scheme for the host, `file:///etc/passwd` → `file`, which no egress allowlist
/// admits), fails in the provider.
fn host_admits(url: &str) -> Result<(), ProviderOutput> {
    match url::Url::parse(url) {
        Err(e) => Err(ProviderOutput::failed(format!("invalid URL: {e}"))),
        Ok(u) if u.host_str().is_none_or(str::is_empty) => {
            Err(ProviderOutput::failed(format!("sink not allowed: {url}")))
        }
        Ok(_) => Ok(()),
    }
}

/// Performs the templated request for real (plain `http://` only; point it at a local
/// upstream such as a wiremock server).
#[derive(Debug, Clone, Default)]
pub struct HttpProvider;

impl Provider for HttpProvider {
    fn call(&self, call: ProviderCall) -> ProviderFuture {
        let req = resolved(&call);
        Box::pin(async move {
            let Some(req) = req else {
                return Err(ProviderError::runtime("http action without template"));
            };
            if let Err(refused) = host_admits(&req.url) {
                return Ok(refused);
            }
            Ok(perform(req).await)
        })
    }
}

async fn perform(req: ResolvedRequest) -> ProviderOutput {
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut builder = http::Request::builder()
        .method(req.method.as_str())
        .uri(req.url.as_str());
    for (k, v) in &req.headers {
        builder = builder.header(k, v);
    }
    let body = Full::new(Bytes::from(req.body.clone().unwrap_or_default()));
    let request = match builder.body(body) {
        Ok(r) => r,
        Err(e) => return ProviderOutput::failed(format!("invalid request: {e}")),
    };
    let resp = match client.request(request).await {
        Ok(r) => r,
        Err(e) => return ProviderOutput::failed(format!("HTTP request failed: {e}")),
    };
    let status = resp.status().as_u16();
    let headers: BTreeMap<String, String> = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = match resp.into_body().collect().await {
        Ok(b) => String::from_utf8_lossy(&b.to_bytes()).into_owned(),
        Err(e) => return ProviderOutput::failed(format!("HTTP request failed: {e}")),
    };
    ProviderOutput {
        output: json!({"ok": true, "data": {"status_code": status, "headers": headers, "body": body, "url": req.url}}),
        exit_code: 0,
        observed: vec![Observed::HttpStatus(status)],
    }
}
