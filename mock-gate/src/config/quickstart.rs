//! The quickstart preset embedded in the binary: `mock-gate/fixtures/quickstart/`, a copy of the
//! workspace's `fixtures/quickstart/` kept identical by `tests/embedded_fixtures.rs`. Its policy
//! data is `policy::load::quickstart_data`.

use std::sync::Arc;

use crate::actions::manifest::{ActionSpec, CompiledAction};

/// `fs_read` manifest.
pub const QUICKSTART_FS_READ: &str = include_str!("../../fixtures/quickstart/fs_read.yaml");
/// `fs_write` manifest.
pub const QUICKSTART_FS_WRITE: &str = include_str!("../../fixtures/quickstart/fs_write.yaml");
/// `http_fetch` manifest.
pub const QUICKSTART_HTTP_FETCH: &str = include_str!("../../fixtures/quickstart/http_fetch.yaml");
/// `http_post` manifest.
pub const QUICKSTART_HTTP_POST: &str = include_str!("../../fixtures/quickstart/http_post.yaml");

/// The four quickstart manifests, compiled (once per process; gates share the compiled form).
pub fn quickstart_actions() -> Vec<Arc<CompiledAction>> {
    static COMPILED: std::sync::OnceLock<Vec<Arc<CompiledAction>>> = std::sync::OnceLock::new();
    COMPILED.get_or_init(compile_quickstart).clone()
}

fn compile_quickstart() -> Vec<Arc<CompiledAction>> {
    [
        QUICKSTART_FS_READ,
        QUICKSTART_FS_WRITE,
        QUICKSTART_HTTP_FETCH,
        QUICKSTART_HTTP_POST,
    ]
    .iter()
    .map(|text| {
        let spec = ActionSpec::from_yaml(text).expect("embedded quickstart manifest is valid");
        CompiledAction::compile(spec).expect("embedded quickstart manifest compiles")
    })
    .collect()
}

/// Loads every `*.yaml`/`*.yml` manifest of a directory, sorted by file name.
pub fn load_actions_dir(dir: &std::path::Path) -> Result<Vec<Arc<CompiledAction>>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read actions dir {}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(&p)
            .map_err(|e| format!("cannot read manifest {}: {e}", p.display()))?;
        let spec = ActionSpec::from_yaml(&text).map_err(|e| format!("{}: {e}", p.display()))?;
        out.push(CompiledAction::compile(spec).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quickstart_has_the_four_actions_with_their_risks() {
        let actions = quickstart_actions();
        let got: Vec<(String, &str)> = actions
            .iter()
            .map(|a| (a.spec.action_id.clone(), a.spec.risk_level.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("fs_read".to_string(), "low"),
                ("fs_write".to_string(), "high"),
                ("http_fetch".to_string(), "low"),
                ("http_post".to_string(), "medium"),
            ]
        );
    }
}
