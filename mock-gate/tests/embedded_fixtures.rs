//! The crate embeds its own copy of the quickstart preset (`mock-gate/fixtures/quickstart/`, so the
//! published crate is self-contained); the workspace's `fixtures/quickstart/` is the source, kept
//! for SDK authors and the container image. The copy must be identical.

use std::path::Path;

#[test]
fn the_embedded_quickstart_files_are_identical_to_the_workspace_fixtures() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = crate_dir.join("../fixtures/quickstart");
    let copy = crate_dir.join("fixtures/quickstart");
    let mut names: Vec<String> = std::fs::read_dir(&copy)
        .expect("mock-gate/fixtures/quickstart exists")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "fs_read.yaml",
            "fs_write.yaml",
            "http_fetch.yaml",
            "http_post.yaml",
            "policy.json"
        ],
        "the embedded copy holds the five files fixtures.rs includes"
    );
    for name in &names {
        let a = std::fs::read(source.join(name))
            .unwrap_or_else(|e| panic!("fixtures/quickstart/{name}: {e}"));
        let b = std::fs::read(copy.join(name)).expect("copy readable");
        assert!(
            a == b,
            "mock-gate/fixtures/quickstart/{name} differs from fixtures/quickstart/{name}: copy the source over it"
        );
    }
}
