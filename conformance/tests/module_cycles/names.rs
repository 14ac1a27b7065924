//! Sibling modules whose names differ only by an affix (`policy` and `policy_allowlist`, `plan`
//! and `plan_error`): a newcomer cannot tell from the names which one holds what.

use std::collections::BTreeMap;
use std::path::Path;

/// `dir/a` ~ `dir/a_b` or `dir/b_a` pairs among the modules under `src` (files, folders).
pub fn affix_pairs(src: &Path) -> Vec<String> {
    let mut by_folder: BTreeMap<String, Vec<String>> = BTreeMap::new();
    collect(src, src, &mut by_folder);
    let mut pairs = Vec::new();
    for (folder, names) in &by_folder {
        for a in names {
            for b in names {
                let prefix = format!("{a}_");
                let suffix = format!("_{a}");
                if b.starts_with(&prefix) || b.ends_with(&suffix) {
                    pairs.push(format!("{folder}/{{{a}, {b}}}"));
                }
            }
        }
    }
    pairs
}

fn collect(src: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<String>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names = Vec::new();
    for path in entries.flatten().map(|e| e.path()) {
        let name = if path.is_dir() {
            collect(src, &path, out);
            path.file_name()
        } else if path.extension().is_some_and(|e| e == "rs") {
            path.file_stem()
        } else {
            None
        };
        let name = name.map(|n| n.to_string_lossy().into_owned());
        if let Some(n) = name.filter(|n| !["mod", "lib", "main"].contains(&n.as_str())) {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    let folder = dir.strip_prefix(src).unwrap_or(dir).display().to_string();
    out.insert(folder, names);
}
