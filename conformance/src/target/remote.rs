//! `url:URL` and `socket:PATH`: a gate someone else started. One gate serves every scenario, so
//! scenarios that would change it for good are skipped.

use super::{
    operator_creds, AcquireError, Acquired, GateEnv, RemoteOptions, TargetError, TargetProvider,
};
use crate::http::Endpoint;
use futures::future::BoxFuture;

/// A gate reachable at a fixed address.
pub struct RemoteTarget {
    env: GateEnv,
}

impl RemoteTarget {
    /// Builds the target; the operator key is a PEM file path or PEM text.
    pub fn new(client: Endpoint, opts: &RemoteOptions) -> Result<Self, TargetError> {
        let public_base = match (&opts.public_base, &client) {
            (Some(p), _) => p.trim_end_matches('/').to_string(),
            (None, Endpoint::Tcp(u)) => u.trim_end_matches('/').to_string(),
            (None, Endpoint::Unix(_)) => "http://localhost:3000".to_string(),
        };
        let operator = operator_creds(opts.operator.as_ref())?;
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
                fs_root: opts.fs_root.clone(),
            },
        })
    }
}

impl TargetProvider for RemoteTarget {
    fn describe(&self) -> String {
        format!("{} (public base {})", self.env.client, self.env.public_base)
    }

    fn acquire(&self) -> BoxFuture<'_, Result<Acquired, AcquireError>> {
        let env = self.env.clone();
        Box::pin(async move {
            Ok(Acquired {
                env,
                guard: Box::new(()),
            })
        })
    }
}
