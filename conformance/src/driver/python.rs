//! The `python` driver: `conformance/drivers/python/driver.py` (embedded in the binary) run by the
//! interpreter of a venv holding the PyPI `latchgate` package.
//!
//! Interpreter: `--python PATH`, else `$LATCHGATE_PYTHON`, else `<workspace>/target/py/latchgate-<version>/bin/python`,
//! which the runner creates with `scripts/python-env.sh` when it is missing.

use super::{DriverError, DriverFactory, DriverOptions, DriverSession, ProcessDriver};
use futures::future::BoxFuture;
use std::path::{Path, PathBuf};

const DRIVER_SOURCE: &str = include_str!("../../drivers/python/driver.py");

/// The Python driver: a process driver plus the temp dir holding the script.
pub struct PythonDriver {
    inner: ProcessDriver,
    _dir: tempfile::TempDir,
}

impl DriverFactory for PythonDriver {
    fn spec(&self) -> String {
        self.inner.spec()
    }

    fn start(&self) -> BoxFuture<'_, Result<Box<dyn DriverSession>, DriverError>> {
        self.inner.start()
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Finds (or creates) the interpreter and writes the driver script.
pub fn python_driver(opts: &DriverOptions) -> Result<PythonDriver, DriverError> {
    let version = if opts.python_sdk_version.is_empty() {
        "0.2.0"
    } else {
        opts.python_sdk_version.as_str()
    };
    let python = match &opts.python {
        Some(p) => p.clone(),
        None => match std::env::var_os("LATCHGATE_PYTHON").filter(|v| !v.is_empty()) {
            Some(p) if version == "0.2.0" => PathBuf::from(p),
            _ => ensure_venv(version)?,
        },
    };
    if !python.exists() {
        return Err(DriverError::NoInterpreter(python));
    }
    let dir = tempfile::tempdir().map_err(DriverError::TempDir)?;
    let script = dir.path().join("driver.py");
    std::fs::write(&script, DRIVER_SOURCE).map_err(DriverError::WriteScript)?;
    let argv = vec![
        python.display().to_string(),
        "-u".into(),
        script.display().to_string(),
    ];
    let timeout = opts.command_timeout;
    Ok(PythonDriver {
        inner: ProcessDriver::new("python".into(), argv, timeout),
        _dir: dir,
    })
}

fn ensure_venv(version: &str) -> Result<PathBuf, DriverError> {
    let root = workspace_root();
    let default = root.join(format!("target/py/latchgate-{version}/bin/python"));
    let script = root.join("scripts/python-env.sh");
    if !script.exists() {
        if default.exists() {
            return Ok(default);
        }
        return Err(DriverError::NoVenv(version.to_string()));
    }
    let out = std::process::Command::new("bash")
        .arg(&script)
        .env("LATCHGATE_PY_VERSION", version)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|source| DriverError::VenvScript {
            script: script.clone(),
            source,
        })?;
    if !out.status.success() {
        return Err(DriverError::VenvFailed {
            script,
            version: version.to_string(),
            status: out.status,
        });
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}
