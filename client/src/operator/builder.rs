use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Inner, OperatorClient};
use crate::connection::{shared_setters, Role, Settings};
use crate::crypto::dpop::DpopKey;
use crate::error::Error;
use crate::secret::Secret;

/// Configures an [`OperatorClient`].
///
/// Transport: [`base_url`](Self::base_url) (admin TCP, default port 3001) or
/// [`socket`](Self::socket); by default the admin socket `gate-admin.sock` next to the
/// client socket. The htu base: [`public_base_url`](Self::public_base_url), then
/// `LATCHGATE_PUBLIC_BASE_URL`, then `http://localhost:3000` — never the admin address.
#[derive(Debug, Default)]
pub struct OperatorClientBuilder {
    settings: Settings,
    api_key: Option<Secret>,
    key: Option<DpopKey>,
    key_pem: Option<Secret>,
    key_file: Option<PathBuf>,
}

impl OperatorClientBuilder {
    shared_setters!(
        listener: "admin listener",
        socket: "the admin socket, `gate-admin.sock`",
        long: "approve" => approve_timeout,
        clock: "proof `iat`"
    );

    /// The operator API key (a secret: never logged or shown).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(Secret::new(key.into()));
        self
    }

    /// The operator's P-256 key.
    pub fn key(mut self, key: DpopKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The operator's P-256 key as PEM (PKCS#8 or SEC1).
    pub fn key_pem(mut self, pem: impl Into<String>) -> Self {
        self.key_pem = Some(Secret::new(pem.into()));
        self
    }

    /// A PEM file holding the operator's P-256 key; a warning is logged when group or others
    /// may read it.
    pub fn key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.key_file = Some(path.into());
        self
    }

    /// Validate and create the client (no I/O other than reading a key file).
    pub fn build(self) -> Result<OperatorClient, Error> {
        let link = self.settings.connect(Role::Operator)?;
        let api_key = match self.api_key {
            Some(key) if !key.is_empty() => key,
            _ => {
                return Err(Error::invalid_input(
                    "api_key",
                    "an operator API key is required",
                ))
            }
        };
        let key = match (self.key, self.key_pem, self.key_file) {
            (Some(key), None, None) => key,
            (None, Some(pem), None) => parse_pem(pem.expose(), "key_pem")?,
            (None, None, Some(path)) => load_key_file(&path)?,
            (None, None, None) => {
                return Err(Error::invalid_input(
                    "key",
                    "an operator P-256 key is required",
                ))
            }
            _ => {
                return Err(Error::invalid_input(
                    "key",
                    "give exactly one of key, key_pem and key_file",
                ))
            }
        };
        Ok(OperatorClient {
            inner: Arc::new(Inner { link, api_key, key }),
        })
    }
}

fn parse_pem(pem: &str, field: &str) -> Result<DpopKey, Error> {
    // The parser's message names the formats it tried; it never echoes key material.
    DpopKey::from_pem(pem).map_err(|e| Error::invalid_input(field, e.to_string()))
}

fn load_key_file(path: &Path) -> Result<DpopKey, Error> {
    let pem = std::fs::read_to_string(path).map_err(|e| {
        Error::invalid_input("key_file", format!("cannot read {}: {e}", path.display()))
    })?;
    warn_if_readable_by_others(path);
    parse_pem(&pem, "key_file")
}

fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                file = %path.display(),
                mode = format!("{:o}", mode & 0o777),
                "the operator key file can be read by group or others; chmod 600 it"
            );
        }
    }
}
