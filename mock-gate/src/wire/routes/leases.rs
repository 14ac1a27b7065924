//! `POST /v1/leases` and `GET /.well-known/jwks.json`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::auth::lease::{
    format_expires_at, Budgets, Cnf, LeaseClaims, ISSUER, MAX_LEASE_TTL_SECS,
};
use crate::body::{json, GateBody};
use crate::config::settings::Identity;
use crate::state::caller::Caller;
use crate::state::GateState;
use crate::wire::server::Peer;

/// A lease request body: the strict and the lax one have the same members and differ only in
/// their attributes.
macro_rules! lease_request {
    ($(#[$attr:meta])* $name:ident) => {
        #[derive(Debug, Deserialize)]
        $(#[$attr])*
        pub struct $name {
            scopes: Vec<String>,
            dpop_jwk: DpopJwk,
            budgets: Option<Budgets>,
            fs_root: Option<String>,
        }
    };
}

lease_request!(
    /// The lease request; unknown top-level members are refused by the extractor (422 text).
    #[serde(deny_unknown_fields)]
    LeaseRequest
);

lease_request!(
    /// Same request without `deny_unknown_fields` (the `AcceptUnknownLeaseFields` mutant).
    LaxLeaseRequest
);

/// `dpop_jwk` (extra members ignored).
#[derive(Debug, Deserialize)]
pub struct DpopJwk {
    kty: String,
    crv: String,
    x: String,
    y: String,
}

/// The 200 body.
#[derive(Debug, Serialize)]
pub struct LeaseResponse {
    lease_jwt: String,
    session_id: String,
    lease_jti: String,
    expires_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fs_root: Option<String>,
}

const BUILTIN_SCOPES: [&str; 2] = ["tools:call", "audit:read"];
const FS_ROOT_BLOCKED: [&str; 20] = [
    "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/media", "/mnt", "/opt",
    "/proc", "/root", "/run", "/sbin", "/snap", "/srv", "/sys", "/tmp", "/usr",
];
const FS_ROOT_BLOCKED_VAR: &str = "/var";

fn scope_ok(s: &str) -> bool {
    BUILTIN_SCOPES.contains(&s)
        || ((4..=64).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && !s.ends_with(':')
            && s.contains(':')
            && s.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, ':' | '_' | '-')
            }))
}

impl From<LaxLeaseRequest> for LeaseRequest {
    fn from(r: LaxLeaseRequest) -> Self {
        Self {
            scopes: r.scopes,
            dpop_jwk: r.dpop_jwk,
            budgets: r.budgets,
            fs_root: r.fs_root,
        }
    }
}

/// The handler: `R` is [`LeaseRequest`], or [`LaxLeaseRequest`] (unknown members accepted)
/// under the `AcceptUnknownLeaseFields` mutant.
pub async fn issue<R: DeserializeOwned + Into<LeaseRequest>>(
    State(st): State<Arc<GateState>>,
    Extension(peer): Extension<Peer>,
    Json(body): Json<R>,
) -> Response {
    issue_lease(&st, &peer, body.into()).unwrap_or_else(IntoResponse::into_response)
}

struct Verified {
    principal: String,
    max_scopes: Vec<String>,
    owner: Option<String>,
    identity_method: &'static str,
}

fn identify(st: &GateState, peer: &Peer) -> Result<Verified, GateBody> {
    match &st.settings.identity {
        Identity::None {
            principal,
            max_scopes,
            owner,
        } => Ok(Verified {
            principal: principal.clone(),
            max_scopes: max_scopes.clone(),
            owner: owner.clone(),
            identity_method: "none",
        }),
        Identity::Peercred {
            principals,
            allow_unmapped,
        } => {
            let Some(uid) = peer.uid else {
                return Err(GateBody::error(
                    StatusCode::UNAUTHORIZED,
                    "identity_unauthenticated",
                ));
            };
            match principals.get(&uid.to_string()) {
                Some(p) => Ok(Verified {
                    principal: p.principal.clone(),
                    max_scopes: p.scopes.clone(),
                    owner: p.owner.clone(),
                    identity_method: "peercred",
                }),
                None if *allow_unmapped => Ok(Verified {
                    principal: format!("uid:{uid}"),
                    max_scopes: Vec::new(),
                    owner: None,
                    identity_method: "peercred:unmapped",
                }),
                None => Err(GateBody::error(StatusCode::FORBIDDEN, "identity_forbidden")),
            }
        }
    }
}

fn validate_fs_root(requested: &str, prefixes: &[PathBuf]) -> Result<PathBuf, GateBody> {
    let invalid = |m: String| {
        GateBody::error(StatusCode::BAD_REQUEST, "invalid_fs_root").field("message", &m)
    };
    let denied =
        |m: String| GateBody::error(StatusCode::FORBIDDEN, "fs_root_denied").field("message", &m);
    if requested.is_empty() {
        return Err(invalid("empty path".into()));
    }
    let path = Path::new(requested);
    if !path.is_absolute() {
        return Err(invalid(format!("must be absolute, got: {requested}")));
    }
    let meta = std::fs::metadata(path)
        .map_err(|e| invalid(format!("does not exist or not accessible: {e}")))?;
    if !meta.is_dir() {
        return Err(invalid(format!("not a directory: {requested}")));
    }
    let canonical = path
        .canonicalize()
        .map_err(|e| invalid(format!("canonicalization failed: {e}")))?;
    if FS_ROOT_BLOCKED
        .iter()
        .chain([&FS_ROOT_BLOCKED_VAR])
        .any(|b| canonical == Path::new(b))
    {
        return Err(denied(format!("system directory: {}", canonical.display())));
    }
    if prefixes.is_empty() {
        return Err(denied(
            "per-session fs_root is disabled (fs_root_allowed_prefixes is empty)".into(),
        ));
    }
    if !prefixes.iter().any(|p| canonical.starts_with(p)) {
        return Err(denied(format!(
            "outside allowed prefixes: {}",
            canonical.display()
        )));
    }
    Ok(canonical)
}

/// A lease request that passed every check, narrowed to what the principal may hold.
struct Admitted {
    who: Verified,
    scopes: Vec<String>,
    canonical_root: Option<PathBuf>,
}

/// The gate's checks, in its order: rate limit, drain, identity, scope ceiling, fs root, key,
/// scopes.
fn admit(
    st: &GateState,
    peer: &Peer,
    scopes: Vec<String>,
    jwk: &DpopJwk,
    fs_root: Option<&str>,
) -> Result<Admitted, GateBody> {
    if !st.limiters.lease.check("") {
        return Err(GateBody::error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
        ));
    }
    if st.is_draining() {
        return Err(GateBody::error(StatusCode::SERVICE_UNAVAILABLE, "draining"));
    }
    let who = identify(st, peer)?;
    let scopes = within_ceiling(scopes, &who.max_scopes)?;
    let canonical_root = fs_root
        .map(|r| validate_fs_root(r, &st.settings.fs_root_allowed_prefixes))
        .transpose()?;
    check_key_and_scopes(jwk, &scopes)?;
    Ok(Admitted {
        who,
        scopes,
        canonical_root,
    })
}

/// The requested scopes the principal may hold (all of them when it has no ceiling).
fn within_ceiling(scopes: Vec<String>, max_scopes: &[String]) -> Result<Vec<String>, GateBody> {
    if max_scopes.is_empty() {
        return Ok(scopes);
    }
    let eff: Vec<String> = scopes
        .into_iter()
        .filter(|s| max_scopes.contains(s))
        .collect();
    if eff.is_empty() {
        return Err(GateBody::error(
            StatusCode::FORBIDDEN,
            "scope_not_permitted",
        ));
    }
    Ok(eff)
}

fn check_key_and_scopes(jwk: &DpopJwk, scopes: &[String]) -> Result<(), GateBody> {
    let invalid = |m: String| {
        Err(GateBody::error(StatusCode::BAD_REQUEST, "invalid_request").field("message", &m))
    };
    if jwk.kty != "EC" {
        return invalid(format!("dpop_jwk.kty must be 'EC', got '{}'", jwk.kty));
    }
    if jwk.crv != "P-256" {
        return invalid(format!("dpop_jwk.crv must be 'P-256', got '{}'", jwk.crv));
    }
    if scopes.is_empty() {
        return invalid("scopes must not be empty".into());
    }
    if let Some(bad) = scopes.iter().find(|s| !scope_ok(s)) {
        return invalid(format!(
            "invalid scope '{bad}': must be a known built-in scope ({BUILTIN_SCOPES:?}) or a custom scope in 'namespace:name' format with [a-z0-9:_-] characters (4–64 chars)"
        ));
    }
    Ok(())
}

fn issue_lease(st: &GateState, peer: &Peer, req: LeaseRequest) -> Result<Response, GateBody> {
    let LeaseRequest {
        scopes,
        dpop_jwk: jwk,
        budgets,
        fs_root,
    } = req;
    let Admitted {
        who,
        scopes,
        canonical_root,
    } = admit(st, peer, scopes, &jwk, fs_root.as_deref())?;
    let jkt = crate::crypto::thumbprint(&jwk.x, &jwk.y);
    let now_ms = st.now_ms();
    let now = now_ms.div_euclid(1000).max(0) as u64;
    let ttl = st
        .faults
        .take_lease_ttl()
        .unwrap_or(st.settings.lease_ttl_secs)
        .min(MAX_LEASE_TTL_SECS);
    let session_id = uuid::Uuid::now_v7().to_string();
    let jti = uuid::Uuid::now_v7().to_string();
    let claims = LeaseClaims {
        iss: ISSUER.into(),
        sub: who.principal,
        aud: ISSUER.into(),
        exp: now + ttl,
        nbf: now,
        iat: now,
        jti: jti.clone(),
        session_id: session_id.clone(),
        scope: scopes,
        budgets: budgets.clone(),
        cnf: Cnf { jkt },
        owner: who.owner,
    };
    let token = st
        .issuer
        .sign(&claims)
        .map_err(|_| GateBody::error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error"))?;
    open_session(st, &claims, canonical_root.as_deref(), now_ms)?;
    crate::state::audit::record_lease(st, Caller::of_lease(&claims), who.identity_method);
    Ok(json(
        StatusCode::OK,
        &LeaseResponse {
            lease_jwt: token,
            session_id,
            lease_jti: jti,
            expires_at: format_expires_at(now + ttl),
            fs_root: canonical_root.map(|p| p.to_string_lossy().into_owned()),
        },
    ))
}

/// Stores the session's fs root and budget.
fn open_session(
    st: &GateState,
    claims: &LeaseClaims,
    canonical_root: Option<&Path>,
    now_ms: i64,
) -> Result<(), GateBody> {
    let session_id = &claims.session_id;
    if let Some(root) = canonical_root {
        let exp_ms = (claims.exp as i64).saturating_mul(1000);
        if st
            .session_fs_roots
            .insert(session_id, root, exp_ms, now_ms)
            .is_err()
        {
            return Err(GateBody::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
            ));
        }
    }
    if let Some(b) = &claims.budgets {
        let t = std::time::Instant::now();
        st.budgets
            .init(session_id, b.max_calls, st.settings.lease_ttl_secs, now_ms);
        st.metrics.store_duration("budget_init", t.elapsed());
    }
    Ok(())
}

/// `GET /.well-known/jwks.json`.
pub async fn jwks(State(st): State<Arc<GateState>>) -> Response {
    json(StatusCode::OK, st.issuer.jwks())
}
