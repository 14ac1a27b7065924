//! The `latchgate-mock` binary: ready line, sockets, signals, exit codes.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_latchgate-mock"))
}

#[test]
fn serve_on_sockets_prints_one_ready_line_and_sigterm_removes_the_sockets() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("gate.sock");
    let admin = dir.path().join("gate-admin.sock");
    let mut child = bin()
        .args([
            "serve",
            "--socket",
            sock.to_str().unwrap(),
            "--admin-socket",
            admin.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
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
    // SAFETY: kill only sends a signal to a pid we started; no memory is touched.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    assert!(!sock.exists() && !admin.exists(), "sockets removed");
}

#[test]
fn http_flag_sets_the_public_base_to_the_bound_address() {
    let mut child = bin()
        .args([
            "serve",
            "--http",
            "127.0.0.1:0",
            "--admin-http",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["public_base_url"], v["url"]);
    assert!(v["url"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    // SAFETY: kill only sends a signal to a pid we started; no memory is touched.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert!(child.wait().unwrap().success());
}

#[test]
fn bad_flags_and_configs_exit_2_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "lease_ttl_seconds = \"soon\"\n").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["serve".into(), "--http".into(), "nonsense".into()],
            "--http",
        ),
        (
            vec!["serve".into(), "--config".into(), cfg.display().to_string()],
            "lease_ttl_seconds",
        ),
        (
            vec![
                "serve".into(),
                "--config".into(),
                "/nonexistent.toml".into(),
            ],
            "cannot read config",
        ),
        (
            vec!["serve".into(), "--mutant".into(), "skip_everything".into()],
            "unknown mutant 'skip_everything'",
        ),
        (
            vec![
                "serve".into(),
                "--fs-root".into(),
                "/nonexistent-dir".into(),
            ],
            "fs root /nonexistent-dir",
        ),
        (
            vec![
                "serve".into(),
                "--public-base-url".into(),
                "localhost".into(),
            ],
            "public base URL",
        ),
        (
            vec![
                "serve".into(),
                "--control-token".into(),
                "abc".into(),
                "--control-open".into(),
            ],
            "exclude each other",
        ),
        (
            vec!["serve".into(), "--control-token".into(), "a b".into()],
            "control token must be visible ASCII",
        ),
        (
            vec!["serve".into(), "--cap-journal".into(), "many".into()],
            "--cap-journal",
        ),
    ];
    for (args, needle) in cases {
        let out = bin()
            .args(&args)
            .env_remove("LATCHGATE_PUBLIC_BASE_URL")
            .env_remove("LATCHGATE_MOCK_CONTROL_TOKEN")
            .env_remove("LATCHGATE_MOCK_CONTROL_OPEN")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}
