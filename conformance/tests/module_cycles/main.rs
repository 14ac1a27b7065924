//! No library crate of the workspace has module cycles: at every level of a crate's module tree,
//! the sibling modules can be ordered so that each names only those before it. Names are followed
//! through `use`, re-exports and `crate::`/`super::` paths; `#[cfg(test)]` modules are left out.

mod graph;
mod lex;
mod names;
mod scc;
mod use_tree;

use graph::CrateGraph;
use std::path::{Path, PathBuf};

fn crate_src(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(dir)
        .join("src")
}

fn assert_no_cycles(dir: &str) {
    let cycles = CrateGraph::read(&crate_src(dir)).cycles();
    let shown: Vec<String> = cycles
        .iter()
        .map(|c| {
            format!(
                "in {}: {}\n    {}",
                c.parent,
                c.members.join(" <-> "),
                c.edges.join("\n    ")
            )
        })
        .collect();
    assert!(
        cycles.is_empty(),
        "module cycles in {dir}/src:\n  {}",
        shown.join("\n  ")
    );
}

#[test]
fn client_has_no_module_cycles() {
    assert_no_cycles("client");
}

#[test]
fn mock_gate_has_no_module_cycles() {
    assert_no_cycles("mock-gate");
}

#[test]
fn conformance_has_no_module_cycles() {
    assert_no_cycles("conformance");
}

fn assert_no_affix_pairs(dir: &str) {
    let pairs = names::affix_pairs(&crate_src(dir));
    assert!(
        pairs.is_empty(),
        "sibling modules in {dir}/src whose names differ only by an affix: {pairs:?}"
    );
}

#[test]
fn no_crate_has_sibling_modules_named_apart_only_by_an_affix() {
    for dir in ["client", "mock-gate", "conformance"] {
        assert_no_affix_pairs(dir);
    }
}

#[test]
fn affix_pairs_are_found_among_files_and_folders() {
    let dir = tempfile::tempdir().expect("temp dir");
    for file in [
        "policy/mod.rs",
        "policy_allowlist.rs",
        "plan.rs",
        "audit/chain_error.rs",
    ] {
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("create folder");
        std::fs::write(&path, "").expect("write file");
    }
    std::fs::write(dir.path().join("audit/chain.rs"), "").expect("write file");
    let mut found = names::affix_pairs(dir.path());
    found.sort();
    assert_eq!(
        found,
        ["/{policy, policy_allowlist}", "audit/{chain, chain_error}"],
        "a folder beside a file, and two files in a sub-folder"
    );
}

/// The checker itself, on small crates written for the purpose.
mod checker {
    use super::graph::CrateGraph;

    fn cycles_in(files: &[(&str, &str)]) -> Vec<String> {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            let file = dir.path().join(path);
            std::fs::create_dir_all(file.parent().expect("a folder")).expect("create folder");
            std::fs::write(&file, text).expect("write file");
        }
        let cycles = CrateGraph::read(dir.path()).cycles();
        cycles
            .iter()
            .map(|c| format!("{}: {}", c.parent, c.members.join(",")))
            .collect()
    }

    /// Fails, saying `why`, unless the crate made of `files` has no module cycle.
    fn assert_acyclic(files: &[(&str, &str)], why: &str) {
        let found = cycles_in(files);
        assert!(found.is_empty(), "{why}: {found:?}");
    }

    #[test]
    fn finds_two_siblings_that_use_each_other() {
        let found = cycles_in(&[
            ("lib.rs", "mod a;\nmod b;\n"),
            ("a.rs", "use crate::b::Thing;\n"),
            ("b.rs", "pub fn f() { crate::a::g() }\n"),
        ]);
        assert_eq!(found, ["crate: a,b"], "a uses b and b calls into a");
    }

    #[test]
    fn finds_a_loop_of_three_through_a_reexport() {
        let found = cycles_in(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;\npub use c::Thing;\n"),
            ("a.rs", "use crate::b::B;\n"),
            ("b.rs", "use crate::Thing;\n"),
            ("c/mod.rs", "mod inner;\n"),
            ("c/inner.rs", "use crate::a::A;\n"),
        ]);
        assert_eq!(
            found,
            ["crate: a,b,c"],
            "a -> b -> c (re-exported at the root) -> a"
        );
    }

    #[test]
    fn finds_a_cycle_between_nested_siblings_through_super() {
        let found = cycles_in(&[
            ("lib.rs", "mod outer;\n"),
            ("outer/mod.rs", "mod x;\nmod y;\n"),
            ("outer/x.rs", "use super::y;\nfn f() { y::g() }\n"),
            ("outer/y.rs", "fn g() { super::x::f() }\n"),
        ]);
        assert_eq!(found, ["outer: x,y"]);
    }

    #[test]
    fn a_layered_crate_has_none() {
        let files = [
            ("lib.rs", "mod a;\nmod b;\npub use a::A;\n"),
            ("a.rs", "use crate::b::{self, B as Bee};\n"),
            ("b.rs", "use super::*;\nuse std::fmt;\n"),
        ];
        assert_acyclic(&files, "a uses b, b uses only its parent and std");
    }

    #[test]
    fn test_modules_comments_and_strings_do_not_count() {
        let files = [
            ("lib.rs", "mod a;\nmod b;\n"),
            ("a.rs", "use crate::b::B;\n"),
            (
                "b.rs",
                "// crate::a::x\nconst S: &str = \"crate::a::x\";\nconst R: &str = r#\"crate::a\"#;\n\
                 fn f<'a>(c: char) -> bool { c == '{' }\n\
                 #[cfg(test)]\nmod tests {\n    use crate::a::A;\n}\n#[cfg(test)]\nuse crate::a::B;\n",
            ),
        ];
        assert_acyclic(&files, "b names a only in tests, comments and strings");
    }

    #[test]
    fn follows_mod_declarations_inside_inline_modules() {
        let found = cycles_in(&[
            ("lib.rs", "mod a { pub mod deep; }\nmod b;\n"),
            ("a/deep.rs", "use crate::b::B;\n"),
            ("b.rs", "use crate::a::deep::D;\n"),
        ]);
        assert_eq!(
            found,
            ["crate: a,b"],
            "a::deep (declared inside an inline module) uses b"
        );
    }
}
