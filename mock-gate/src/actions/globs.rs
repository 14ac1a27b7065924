//! Path globs of the fs allow/deny lists (globset with `literal_separator`, as the gate's
//! `GlobPattern`). The policy's sensitive paths are Rego `glob.match`, evaluated by regorus.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// Compiles fs globs with `*` not crossing `/`.
pub fn compile(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = GlobBuilder::new(p)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob pattern '{p}': {e}"))?;
        b.add(g);
    }
    b.build().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fs_globs_do_not_cross_slashes_with_single_star() {
        let set = compile(&["*.md".to_string(), "src/**".to_string()]).unwrap();
        assert!(set.is_match("README.md"));
        assert!(!set.is_match("docs/README.md"));
        assert!(set.is_match("src/a/b.rs"));
    }
}
