//! `/v1/admin/domains` and `/v1/admin/paths`: the two resources of [`super::crud`].

use axum::http::StatusCode;

use crate::body::GateBody;
use crate::enforce::learning;
use crate::state::audit::EventType;
use crate::state::learned_rules::LearnedKind;

use super::crud::Resource;

/// The gate's bound on `path_glob` in admin requests.
const MAX_PATH_GLOB_LEN: usize = 1024;

/// Learned egress domains.
#[derive(Debug)]
pub struct Domains;

impl Resource for Domains {
    const BASE: &'static str = "/v1/admin/domains";
    const CLEAR: &'static str = "/v1/admin/domains/clear";
    const VALUE_KEY: &'static str = "domain";
    const LIST_KEY: &'static str = "domains";
    const KIND: LearnedKind = LearnedKind::Domain;
    const EVENTS: [EventType; 3] = [
        EventType::DomainAdd,
        EventType::DomainRemove,
        EventType::DomainClear,
    ];

    fn validate(value: &str) -> Result<(), GateBody> {
        learning::validate_domain(value).map(drop).map_err(|e| {
            GateBody::error(StatusCode::BAD_REQUEST, "invalid_domain").field("detail", &e)
        })
    }
}

/// Learned filesystem path globs.
#[derive(Debug)]
pub struct Paths;

impl Resource for Paths {
    const BASE: &'static str = "/v1/admin/paths";
    const CLEAR: &'static str = "/v1/admin/paths/clear";
    const VALUE_KEY: &'static str = "path_glob";
    const LIST_KEY: &'static str = "paths";
    const KIND: LearnedKind = LearnedKind::Path;
    const EVENTS: [EventType; 3] = [
        EventType::PathAdd,
        EventType::PathRemove,
        EventType::PathClear,
    ];

    fn validate(value: &str) -> Result<(), GateBody> {
        let bad = |detail: &str| {
            GateBody::error(StatusCode::BAD_REQUEST, "invalid_path_glob").field("detail", detail)
        };
        if value.is_empty() || value.len() > MAX_PATH_GLOB_LEN {
            return Err(bad("path_glob must be 1-1024 characters"));
        }
        learning::validate_path_glob(value).map_err(|e| bad(&e))
    }
}
