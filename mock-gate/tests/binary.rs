//! The `latchgate-mock` binary: ready line, sockets, signals, exit codes.

mod support;

use support::{mock_command, Served};

#[test]
fn serve_on_sockets_prints_one_ready_line_and_sigterm_removes_the_sockets() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("gate.sock");
    let admin = dir.path().join("gate-admin.sock");
    let mut served = Served::start(
        &[
            "--socket",
            sock.to_str().unwrap(),
            "--admin-socket",
            admin.to_str().unwrap(),
        ],
        &[],
    );
    let (v, line) = (&served.ready, &served.line);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 8, "ready line members: {keys:?}");
    assert!(
        line.starts_with(r#"{"event":"ready","url":null,"admin_url":null,"socket":""#),
        "{line}"
    );
    assert_eq!(v["public_base_url"], "http://localhost:3000");
    assert_eq!(v["operator"]["id"], "default");
    assert!(
        v["control_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("mock-ctl-")),
        "generated control token in the ready line: {line}"
    );
    assert!(sock.exists() && admin.exists());
    let status = served.stop_with(libc::SIGTERM);
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    assert!(!sock.exists() && !admin.exists(), "sockets removed");
}

#[test]
fn http_flag_sets_the_public_base_to_the_bound_address() {
    let mut served = Served::on_loopback(&[], &[]);
    let v = &served.ready;
    assert_eq!(v["public_base_url"], v["url"]);
    assert!(v["url"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    assert!(served.stop_with(libc::SIGINT).success());
}

#[test]
fn bad_flags_and_configs_exit_2_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "lease_ttl_seconds = \"soon\"\n").unwrap();
    let cfg = cfg.display().to_string();
    let cases: [(&[&str], &str); 9] = [
        (&["--http", "nonsense"], "--http"),
        (&["--config", &cfg], "lease_ttl_seconds"),
        (&["--config", "/nonexistent.toml"], "cannot read config"),
        (
            &["--mutant", "skip_everything"],
            "unknown mutant 'skip_everything'",
        ),
        (
            &["--fs-root", "/nonexistent-dir"],
            "fs root /nonexistent-dir",
        ),
        (&["--public-base-url", "localhost"], "public base URL"),
        (
            &["--control-token", "abc", "--control-open"],
            "exclude each other",
        ),
        (
            &["--control-token", "a b"],
            "control token must be visible ASCII",
        ),
        (&["--cap-journal", "many"], "--cap-journal"),
    ];
    for (args, needle) in cases {
        let out = mock_command(&["serve"]).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "serve {args:?}: {err}");
        assert!(err.contains(needle), "serve {args:?}: {err}");
    }
}
