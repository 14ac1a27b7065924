//! Actions: manifests in the gate's YAML format, the providers that run them, the verifiers of
//! their results, and the path globs of their fs lists.

pub mod globs;
pub mod manifest;
pub mod providers;
pub mod verifiers;
