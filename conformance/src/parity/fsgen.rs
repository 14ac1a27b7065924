//! Generated values: fs paths that probe the sensitive-path globs (dots, nested `secrets`,
//! `.ssh`, `.env`, glob characters, unicode, traversal, absolute, very long) and request bodies
//! per quickstart action schema, valid and invalid (wrong types, missing, extra members).

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

const FIXED: [&str; 40] = [
    "README.md",
    "notes/plan.txt",
    "config/secrets/api.txt",
    "home/.ssh/id_rsa.pub",
    "my.app/.env",
    ".env",
    ".env.local",
    "a.b/.env.prod",
    "secrets/key",
    "a/secrets/b/c.txt",
    "x.y/secrets/z",
    ".ssh/id_rsa",
    "src/.ssh/k",
    "src/main.rs",
    "docs/a/b.md",
    "docs/v1.2/notes.md",
    "x.md",
    "a.b/secrets/",
    "Cargo.toml",
    "latchgate.toml",
    "sub.d/latchgate.toml",
    ".latchgate/key",
    ".git/config",
    "a.b/.git/config",
    ".aws/credentials",
    "my.app/.aws/x",
    ".kube/config",
    "../etc/passwd",
    "src/../../etc/passwd",
    "/etc/passwd",
    "./README.md",
    "src/./a.rs",
    "docs//a.md",
    "*.md",
    "src/**",
    "src/[a].rs",
    "docs/?.md",
    "ünïcödé.md",
    "docs/日本.md",
    "src\\win.rs",
];

const SEGMENTS: [&str; 16] = [
    "src", "docs", "secrets", ".ssh", ".env", "my.app", "config", "home", "a.b", ".hidden", "x",
    "*", "**", "..", ".", "notes",
];

const LEAVES: [&str; 9] = [
    "README.md",
    "a.txt",
    ".env",
    "id_rsa",
    "k.toml",
    "x.md",
    ".env.dev",
    "api.txt",
    "",
];

/// A generated fs path.
pub fn path(rng: &mut ChaCha8Rng) -> String {
    match rng.gen_range(0..10) {
        0..=4 => FIXED.choose(rng).unwrap_or(&"README.md").to_string(),
        5 => format!("{}.md", "a".repeat(rng.gen_range(200..300))),
        6 => format!("docs/{}", "b/".repeat(rng.gen_range(100..2100))),
        _ => {
            let depth = rng.gen_range(1..=4);
            let mut parts: Vec<&str> = (0..depth)
                .map(|_| *SEGMENTS.choose(rng).unwrap_or(&"x"))
                .collect();
            parts.push(LEAVES.choose(rng).unwrap_or(&"a.txt"));
            let p = parts.join("/");
            if rng.gen_bool(0.1) {
                format!("/{p}")
            } else {
                p
            }
        }
    }
}

/// A generated request body for `action`.
pub fn params(rng: &mut ChaCha8Rng, action: &str) -> Value {
    let valid = match action {
        "fs_read" => json!({"operation": "read", "path": "README.md"}),
        "fs_write" => {
            json!({"operation": "write", "path": "src/lgc-{nonce}.txt", "content_base64": "aGk=", "mode": "create"})
        }
        "http_fetch" => json!({"url": "https://lgc-{nonce}.example.com/x"}),
        "http_post" => json!({"url": "https://lgc-{nonce}.example.com/post", "body": "{}"}),
        _ => json!({}),
    };
    mutate(rng, valid)
}

fn mutate(rng: &mut ChaCha8Rng, mut v: Value) -> Value {
    let keys: Vec<String> = v
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let key = keys.choose(rng).cloned();
    let wrong = [
        json!(1),
        json!(true),
        json!(null),
        json!([]),
        json!({}),
        json!(""),
        json!("x".repeat(5000)),
    ];
    match (rng.gen_range(0..9), key) {
        (0, _) => v,
        (1, Some(k)) => {
            v.as_object_mut().map(|o| o.remove(&k));
            v
        }
        (2, Some(k)) => {
            v[k.as_str()] = wrong.choose(rng).cloned().unwrap_or_default();
            v
        }
        (3, _) => {
            v["extra"] = json!("x");
            v
        }
        (4, _) => json!([v]),
        (5, _) => json!(null),
        (6, _) => json!("text"),
        (7, Some(k)) if k == "url" => {
            v["url"] = json!(*[
                "http://127.0.0.1/",
                "http://localhost:1/x",
                "file:///etc/passwd",
                "ftp://lgc.example/x",
                "not a url",
                "http://[::1]/",
                "https://lgc-{nonce}.example.com:0/x",
            ]
            .choose(rng)
            .unwrap_or(&"not a url"));
            v
        }
        (7, Some(k)) if k == "operation" => {
            v["operation"] = json!("delete");
            v
        }
        _ => json!({}),
    }
}
