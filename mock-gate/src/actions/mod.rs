//! Actions: manifests in the gate's YAML format, the providers that run them, the verifiers of
//! their results, and the path globs of their fs lists.

pub mod globs;
pub mod manifest;
pub mod providers;
pub mod verifiers;

use std::collections::BTreeMap;
use std::sync::Arc;

use manifest::CompiledAction;
use providers::Provider;

/// A registered action and the provider that runs it.
#[derive(Clone)]
pub struct ActionEntry {
    /// Compiled manifest.
    pub action: Arc<CompiledAction>,
    /// Provider.
    pub provider: Arc<dyn Provider>,
}

impl std::fmt::Debug for ActionEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionEntry")
            .field("action_id", &self.action.spec.action_id)
            .finish()
    }
}

/// Action id → entry.
pub type Registry = BTreeMap<String, ActionEntry>;

/// Builds a registry entry with the default provider of the manifest's digest.
pub fn entry_with_default_provider(action: Arc<CompiledAction>) -> ActionEntry {
    let provider = providers::default_for(&action.spec.provider_module_digest);
    ActionEntry { action, provider }
}
