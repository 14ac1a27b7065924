//! The HTML report as a person sees it: rendered by a real headless Chromium (Debian's
//! `chromium` package; `scripts/test.sh` installs it), DOM read after the page's script ran.
//! Checks: the verdict, failures listed open with evidence and how to fix, and the verdict and
//! text filters (driven through the URL fragment the page reads). Prints a skip reason when no
//! Chromium is found, unless LATCHGATE_REQUIRE_CHROMIUM is on (CI; the reading of client/tests/support/python_env.rs).

mod support;

#[path = "../../client/tests/support/python_env.rs"]
mod python_env;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LATCHGATE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
    if found.is_none() {
        assert!(
            !python_env::switch_on("LATCHGATE_REQUIRE_CHROMIUM"),
            "LATCHGATE_REQUIRE_CHROMIUM is on but no chromium binary runs"
        );
        eprintln!("SKIPPED: no Chromium (apt-get install chromium); set LATCHGATE_REQUIRE_CHROMIUM=1 to make this a failure");
    }
    found.map(PathBuf::from)
}

/// A driver that answers hello and fails every other command: real failures with evidence.
const BROKEN_DRIVER: &str = r#"while read -r l; do
  id=$(printf '%s' "$l" | sed 's/.*"id":\([0-9]*\).*/\1/')
  case "$l" in
    *'"cmd":"hello"'*) echo "{\"id\":$id,\"ok\":{\"protocol\":1,\"sdk\":{\"name\":\"broken-sdk\",\"version\":\"9.9.9\"},\"capabilities\":[]}}" ;;
    *) echo "{\"id\":$id,\"error\":{\"kind\":\"Uncaught\",\"native\":\"boom from the broken driver\"}}" ;;
  esac
done
"#;

fn make_report(dir: &Path) -> PathBuf {
    let driver = dir.join("broken.sh");
    std::fs::write(&driver, BROKEN_DRIVER).unwrap();
    let html = dir.join("report.html");
    let out = support::conformance()
        .args([
            "run",
            "--only",
            "lease.issue.ok,dpop.typ.jwt,sdk.lease.request-shape,sdk.dpop.fresh-jti",
        ])
        .arg("--sdk")
        .arg(format!("cmd:sh {}", driver.display()))
        .arg("--html")
        .arg(&html)
        .output()
        .expect("runner starts");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the broken SDK must fail:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    html
}

/// The DOM after the page's script ran, for `file://PAGE#fragment`.
fn dump_dom(browser: &Path, page: &Path, fragment: &str, profile: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}#{fragment}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("chromium output");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The opening tag of the `<details>` element of a scenario.
fn row<'a>(dom: &'a str, id: &str) -> &'a str {
    let code = format!("<code>{id}</code>");
    let at = dom
        .find(&code)
        .unwrap_or_else(|| panic!("{id} is not on the page"));
    let start = dom[..at].rfind("<details").expect("row element");
    let end = start
        + dom[start..]
            .find("<summary>")
            .expect("summary after the row tag");
    &dom[start..end]
}

fn shown(dom: &str) -> &str {
    let at = dom.find("id=\"shown\">").expect("shown counter") + "id=\"shown\">".len();
    &dom[at..at + dom[at..].find('<').unwrap()]
}

/// True when the row of scenario `id` is hidden by the page's filters.
fn hidden(dom: &str, id: &str) -> bool {
    row(dom, id).contains("hidden=\"\"")
}

#[test]
fn html_report_in_a_real_browser_lists_failures_and_filters_them() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = make_report(dir.path());
    let profile = dir.path().join("profile");

    let dom = dump_dom(&browser, &page, "", &profile);
    for (needle, missing) in [
        ("data-ready=\"true\"", "the page's script did not run"),
        ("Not conformant", "the verdict is not shown"),
        (
            "boom from the broken driver",
            "the failure's evidence is missing",
        ),
        ("How to fix:", "the requirement's fix is missing"),
    ] {
        assert!(dom.contains(needle), "{missing}");
    }
    let failing = row(&dom, "sdk.lease.request-shape");
    assert!(
        failing.contains("data-verdict=\"fail\"") && failing.contains("open=\"\""),
        "the failure is not listed open: {failing}"
    );
    let passes = dump_dom(&browser, &page, "verdict=pass", &profile);
    let text = dump_dom(&browser, &page, "verdict=fail,pass&q=fresh-jti", &profile);
    for (dom, id, want_hidden, problem) in [
        (
            &dom,
            "sdk.lease.request-shape",
            false,
            "the failure is hidden by default",
        ),
        (&dom, "lease.issue.ok", true, "passes should start hidden"),
        (
            &passes,
            "lease.issue.ok",
            false,
            "verdict filter did not show passes",
        ),
        (
            &passes,
            "sdk.lease.request-shape",
            true,
            "verdict filter did not hide failures",
        ),
        (
            &text,
            "sdk.dpop.fresh-jti",
            false,
            "the text filter hid its match",
        ),
        (
            &text,
            "sdk.lease.request-shape",
            true,
            "the text filter kept a non-match",
        ),
    ] {
        assert_eq!(hidden(dom, id), want_hidden, "{problem}: {}", row(dom, id));
    }
    assert_eq!(shown(&text), "1", "the shown counter is wrong");
}
