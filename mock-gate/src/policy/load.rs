//! Reading a policy directory: its `.rego` modules (recursively, sorted by path) and its
//! `data.json`, with errors that name the file and the line.

use std::path::{Path, PathBuf};

use super::{PolicyData, PolicyError};

/// One Rego source file.
#[derive(Debug, Clone)]
pub struct RegoModule {
    /// File name shown in errors.
    pub name: String,
    /// Source text.
    pub text: String,
}

/// The built-in quickstart policy.
pub fn quickstart_modules() -> Vec<RegoModule> {
    vec![RegoModule {
        name: "quickstart.rego".into(),
        text: include_str!("quickstart.rego").into(),
    }]
}

/// The quickstart policy data (`mock-gate/fixtures/quickstart/policy.json`).
pub fn quickstart_data() -> PolicyData {
    PolicyData::from_json(include_str!("../../fixtures/quickstart/policy.json"))
        .expect("embedded quickstart policy is valid")
}

/// A policy directory: every `*.rego` file under it, and `data.json` when present.
#[derive(Debug, Clone)]
pub struct PolicyDir {
    /// The modules.
    pub modules: Vec<RegoModule>,
    /// `DIR/data.json`, parsed.
    pub data: Option<PolicyData>,
}

/// Reads `dir`.
pub fn load_dir(dir: &Path) -> Result<PolicyDir, PolicyError> {
    let mut files = Vec::new();
    collect_rego(dir, &mut files)?;
    if files.is_empty() {
        return Err(PolicyError::NoRego(dir.to_path_buf()));
    }
    files.sort();
    let mut modules = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|source| PolicyError::ReadModule {
            path: f.clone(),
            source,
        })?;
        modules.push(RegoModule {
            name: f.display().to_string(),
            text,
        });
    }
    let data_path = dir.join("data.json");
    let data = if data_path.is_file() {
        Some(read_data(&data_path)?)
    } else {
        None
    };
    Ok(PolicyDir { modules, data })
}

/// Reads a policy data file; errors name the file, line and column.
pub fn read_data(path: &Path) -> Result<PolicyData, PolicyError> {
    let text = std::fs::read_to_string(path).map_err(|source| PolicyError::ReadData {
        path: path.to_path_buf(),
        source,
    })?;
    PolicyData::from_json(&text).map_err(|source| PolicyError::Data {
        path: path.to_path_buf(),
        source,
    })
}

fn collect_rego(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), PolicyError> {
    let unreadable = |source| PolicyError::ReadDir {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.is_dir() {
            collect_rego(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "rego") {
            out.push(path);
        }
    }
    Ok(())
}

/// A regorus error (`\n--> FILE:LINE:COL\n <source excerpt>\nerror: MESSAGE`) as one line
/// `FILE:LINE:COL: MESSAGE` followed by the excerpt; other errors unchanged.
pub fn rego_error(raw: &str) -> String {
    let text = raw.trim_start_matches('\n');
    let Some(rest) = text.strip_prefix("--> ") else {
        return raw.to_string();
    };
    let mut lines: Vec<&str> = rest.lines().collect();
    let location = lines.remove(0);
    let message = match lines.last() {
        Some(l) if l.starts_with("error: ") => {
            let m = l.trim_start_matches("error: ");
            lines.pop();
            m
        }
        _ => "",
    };
    format!("{location}: {message}\n{}", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(d.path().join(name), text).unwrap();
        }
        d
    }

    fn engine_error(files: &[(&str, &str)]) -> String {
        let d = dir_with(files);
        let p = load_dir(d.path())
            .and_then(|p| super::super::PolicyEngine::new(&p.modules, &p.data.unwrap_or_default()));
        p.expect_err("the policy should not load").to_string()
    }

    #[test]
    fn a_syntax_error_names_the_file_and_line() {
        let e = engine_error(&[(
            "team.rego",
            "package latchgate\n\nimport rego.v1\n\ndecision := {\"allow\": true\n",
        )]);
        let first = e.lines().next().unwrap_or("");
        assert!(first.contains("team.rego:"), "file missing from {e:?}");
        assert!(
            first.contains(":6:") || first.contains(":5:"),
            "line missing from {e:?}"
        );
    }

    #[test]
    fn a_rule_conflict_found_at_warm_up_names_the_file_and_line() {
        let e = engine_error(&[(
            "conflict.rego",
            "package latchgate\n\nimport rego.v1\n\ndecision := {\"allow\": true}\n\ndecision := {\"allow\": false}\n",
        )]);
        assert!(e.contains("policy failed to evaluate during warmup"), "{e}");
        assert!(e.contains("conflict.rego:"), "file missing from {e:?}");
    }

    /// A valid module beside a `data.json` with a syntax error on line 2.
    const BAD_DATA_JSON: [(&str, &str); 2] = [
        ("p.rego", "package latchgate\n"),
        ("data.json", "{\n  \"acl\": {,\n}"),
    ];

    #[test]
    fn bad_data_json_names_the_file_and_line() {
        let e = engine_error(&BAD_DATA_JSON);
        assert!(e.contains("data.json"), "{e}");
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn bad_data_json_is_a_data_error_with_its_path() {
        let d = dir_with(&BAD_DATA_JSON);
        let e = load_dir(d.path()).unwrap_err();
        assert!(
            matches!(&e, PolicyError::Data { path, source: crate::policy::PolicyDataError::Json(_) }
                if path.ends_with("data.json")),
            "{e:?}"
        );
    }

    #[test]
    fn a_dir_without_rego_is_refused() {
        let d = dir_with(&[("data.json", "{}")]);
        let e = load_dir(d.path()).unwrap_err().to_string();
        assert!(e.contains("holds no .rego file"), "{e}");
    }
}
