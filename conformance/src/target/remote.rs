//! `url:URL` and `socket:PATH`: a gate someone else started. One gate serves every scenario, so
//! scenarios that would change it for good are skipped.

use super::{Acquired, GateEnv, OperatorCreds, RemoteOptions, TargetProvider};
use crate::http::Endpoint;
use futures::future::BoxFuture;
use latchgate::crypto::dpop::DpopKey;
use std::sync::Arc;

/// A gate reachable at a fixed address.
pub struct RemoteTarget {
    env: GateEnv,
}

impl RemoteTarget {
    /// Builds the target; the operator key is a PEM file path or PEM text.
    pub fn new(client: Endpoint, opts: &RemoteOptions) -> Result<Self, String> {
        let public_base = match (&opts.public_base, &client) {
            (Some(p), _) => p.trim_end_matches('/').to_string(),
            (None, Endpoint::Tcp(u)) => u.trim_end_matches('/').to_string(),
            (None, Endpoint::Unix(_)) => "http://localhost:3000".to_string(),
        };
        let operator = match &opts.operator {
            None => None,
            Some((token, key)) => {
                let pem = if key.contains("-----BEGIN") {
                    key.clone()
                } else {
                    std::fs::read_to_string(key)
                        .map_err(|e| format!("--operator-key {key}: {e}"))?
                };
                let key = DpopKey::from_pem(&pem)
                    .map_err(|e| format!("--operator-key: not a P-256 private key: {e}"))?;
                Some(OperatorCreds {
                    api_key: token.clone(),
                    key: Arc::new(key),
                })
            }
        };
        Ok(RemoteTarget {
            env: GateEnv {
                client,
                admin: opts.admin.clone(),
                public_base,
                operator,
                clock: None,
                disposable: false,
                faults: false,
                control_token: opts.control_token.clone(),
            },
        })
    }
}

impl TargetProvider for RemoteTarget {
    fn describe(&self) -> String {
        format!("{} (public base {})", self.env.client, self.env.public_base)
    }

    fn acquire(&self) -> BoxFuture<'_, Result<Acquired, String>> {
        let env = self.env.clone();
        Box::pin(async move {
            Ok(Acquired {
                env,
                guard: Box::new(()),
            })
        })
    }
}
