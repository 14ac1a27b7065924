//! `docker:IMAGE`: a gate image started through testcontainers, one container for the whole run.
//!
//! Works with any image that speaks the gate protocol on port 3000 (client) and 3001 (admin):
//! `latchgate-mock` (built by `scripts/build-image.sh`) or a real LatchGate image. The container is
//! given the public base and, when the run has operator credentials, the operator api key and key
//! thumbprint through the real gate's env names (`LATCHGATE_PUBLIC_BASE_URL`,
//! `LATCHGATE_OPERATOR_API_KEY`, `LATCHGATE_OPERATOR_DPOP_JKT`), plus any `--docker-env`. Ready means
//! `/readyz` answers 200 on the mapped port; a ready line on stdout (the mock's) supplies the public
//! base and operator credentials the run was not given. The container is removed by
//! [`DockerTarget::shutdown`], on drop, and on Ctrl-C/SIGTERM (then the process exits 130).

mod engine;
mod ready;

pub use engine::{
    docker_required_by_env, engine_available, split_image, EngineError, REQUIRE_DOCKER_ENV,
};
pub use ready::{LogBuffer, ReadyLine};

use super::{
    load_operator, operator_creds, AcquireError, Acquired, GateEnv, OperatorCreds, TargetError,
    TargetProvider,
};
use crate::http::Endpoint;
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;
use testcontainers::core::{ContainerPort, IntoContainerPort};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, ContainerRequest, GenericImage, ImageExt};
use tokio::sync::{Mutex, OnceCell};

/// Client listener port inside the container.
pub const CLIENT_PORT: u16 = 3000;
/// Admin listener port inside the container.
pub const ADMIN_PORT: u16 = 3001;
/// Public base given to the container when the run names none (the gate's own default).
pub const DEFAULT_PUBLIC_BASE: &str = "http://localhost:3000";

/// How to start the image.
#[derive(Clone, Debug)]
pub struct DockerOptions {
    /// `NAME[:TAG]`.
    pub image: String,
    /// `--public-base-url`: given to the container and used as the htu base.
    pub public_base: Option<String>,
    /// `--operator-token` and `--operator-key` (PEM file or PEM text).
    pub operator: Option<(String, String)>,
    /// `--docker-env KEY=VALUE`, passed to the container as is.
    pub env: Vec<(String, String)>,
    /// How long the container may take to become ready.
    pub startup_timeout: Duration,
    /// Echo the container's log lines to stderr as they come (`--docker-logs`).
    pub echo_logs: bool,
    /// `--control-token`: given to the container as `LATCHGATE_MOCK_CONTROL_TOKEN`; without it
    /// the token is read from the ready line.
    pub control_token: Option<String>,
}

impl DockerOptions {
    /// Options for `image` with the defaults (60 s to become ready, logs kept for failures only).
    pub fn new(image: impl Into<String>) -> Self {
        DockerOptions {
            image: image.into(),
            public_base: None,
            operator: None,
            env: Vec::new(),
            startup_timeout: Duration::from_secs(60),
            echo_logs: false,
            control_token: None,
        }
    }
}

type Container = ContainerAsync<GenericImage>;

/// The `docker:IMAGE` target; the container starts on the first [`TargetProvider::acquire`].
pub struct DockerTarget {
    opts: DockerOptions,
    operator: Option<OperatorCreds>,
    env: OnceCell<Result<GateEnv, String>>,
    container: Arc<Mutex<Option<Container>>>,
    container_id: std::sync::Mutex<Option<String>>,
    logs: LogBuffer,
    on_signal: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl DockerTarget {
    /// Checks the options (image reference, operator key); starts nothing yet.
    pub fn new(opts: DockerOptions) -> Result<Self, TargetError> {
        split_image(&opts.image)?;
        let operator = operator_creds(opts.operator.as_ref())?;
        Ok(DockerTarget {
            logs: LogBuffer::new(opts.echo_logs),
            opts,
            operator,
            env: OnceCell::new(),
            container: Arc::default(),
            container_id: std::sync::Mutex::new(None),
            on_signal: std::sync::Mutex::new(None),
        })
    }

    /// The id of the container, once started.
    pub fn container_id(&self) -> Option<String> {
        self.container_id.lock().ok()?.clone()
    }

    /// Everything the container wrote so far.
    pub fn logs(&self) -> String {
        self.logs.text()
    }

    /// Removes the container (idempotent) and stops watching for Ctrl-C.
    pub async fn shutdown(&self) {
        if let Some(c) = self.container.lock().await.take() {
            if let Err(e) = c.rm().await {
                eprintln!("latchgate-conformance: could not remove the container: {e}");
            }
        }
        if let Some(task) = self.on_signal.lock().ok().and_then(|mut t| t.take()) {
            task.abort();
        }
    }

    /// Ends a run: prints the container's logs when something failed, then removes it.
    pub async fn finish(&self, failed: bool) {
        if failed && self.container_id().is_some() {
            eprintln!(
                "--- logs of container {} ({}) ---\n{}\n--- end of container logs ---",
                self.container_id().unwrap_or_default(),
                self.opts.image,
                self.logs()
            );
        }
        self.shutdown().await;
    }

    async fn start(&self) -> Result<GateEnv, String> {
        let (client, admin) = self.launch().await?;
        let alive = || self.running();
        let want_line = self.operator.is_none()
            || self.opts.public_base.is_none()
            || self.opts.control_token.is_none();
        let line = match ready::wait_ready(
            &client,
            &self.logs,
            want_line,
            self.opts.startup_timeout,
            alive,
        )
        .await
        {
            Ok(line) => line,
            Err(e) => return Err(self.fail(e).await),
        };
        self.env(client, admin, line)
    }

    /// The container request: the image, its ports, labels and environment, and the log consumer.
    fn request(&self) -> Result<ContainerRequest<GenericImage>, String> {
        let (name, tag) = split_image(&self.opts.image).map_err(|e| e.to_string())?;
        let mut request = GenericImage::new(name, tag)
            .with_exposed_port(CLIENT_PORT.tcp())
            .with_exposed_port(ADMIN_PORT.tcp())
            .with_startup_timeout(self.opts.startup_timeout)
            .with_label("org.latchgate.conformance", "docker-target");
        let env = container_env(
            self.opts.public_base.as_deref(),
            self.operator.as_ref(),
            self.opts.control_token.as_deref(),
        );
        for (k, v) in env {
            request = request.with_env_var(k, v);
        }
        for (k, v) in &self.opts.env {
            request = request.with_env_var(k, v);
        }
        let logs = self.logs.clone();
        Ok(request.with_log_consumer(move |f: &testcontainers::core::logs::LogFrame| logs.push(f)))
    }

    /// Starts the container and reads where its client and admin ports are mapped.
    async fn launch(&self) -> Result<(Endpoint, Endpoint), String> {
        let container = self
            .request()?
            .start()
            .await
            .map_err(|e| self.with_logs(format!("docker:{}: {e}", self.opts.image)))?;
        let id = container.id().to_string();
        if let Ok(mut slot) = self.container_id.lock() {
            *slot = Some(id.clone());
        }
        let host = container.get_host().await.map_err(|e| e.to_string());
        let client = container.get_host_port_ipv4(CLIENT_PORT.tcp()).await;
        let admin = container
            .get_host_port_ipv4(ContainerPort::Tcp(ADMIN_PORT))
            .await;
        *self.container.lock().await = Some(container);
        self.watch_signals(id);
        match (host, client, admin) {
            (Ok(h), Ok(c), Ok(a)) => Ok((
                Endpoint::Tcp(format!("http://{h}:{c}")),
                Endpoint::Tcp(format!("http://{h}:{a}")),
            )),
            (h, c, a) => {
                let why = format!("{:?} {:?} {:?}", h.err(), c.err(), a.err());
                let exited = !self.running().await;
                Err(self
                    .fail(if exited {
                        "the container exited before it was ready".to_string()
                    } else {
                        format!("ports 3000/3001 not mapped: {why}")
                    })
                    .await)
            }
        }
    }

    /// The gate as the suite sees it: given options first, else what the ready line says.
    fn env(
        &self,
        client: Endpoint,
        admin: Endpoint,
        line: Option<ReadyLine>,
    ) -> Result<GateEnv, String> {
        let operator = match (&self.operator, &line) {
            (Some(op), _) => Some(op.clone()),
            (
                None,
                Some(ReadyLine {
                    operator: Some(o), ..
                }),
            ) => match &o.private_key_pem {
                Some(pem) => Some(load_operator(&o.api_key, pem).map_err(|e| e.to_string())?),
                None => None,
            },
            _ => None,
        };
        let control_token = self
            .opts
            .control_token
            .clone()
            .or_else(|| line.as_ref().and_then(|l| l.control_token.clone()));
        let public_base = self
            .opts
            .public_base
            .clone()
            .or_else(|| line.map(|l| l.public_base_url))
            .unwrap_or_else(|| DEFAULT_PUBLIC_BASE.to_string());
        Ok(GateEnv {
            client,
            admin: Some(admin),
            public_base: public_base.trim_end_matches('/').to_string(),
            operator,
            clock: None,
            disposable: false,
            faults: false,
            control_token,
            fs_root: None,
        })
    }

    async fn running(&self) -> bool {
        match self.container.lock().await.as_ref() {
            Some(c) => c.is_running().await.unwrap_or(false),
            None => false,
        }
    }

    /// The failure message for a start that went wrong, with the container's complete logs as
    /// Docker kept them (the streamed copy may lag behind a container that just exited); then
    /// removes the container.
    async fn fail(&self, why: String) -> String {
        let mut logs = String::new();
        if let Some(c) = self.container.lock().await.as_ref() {
            for (name, bytes) in [
                ("stdout", c.stdout_to_vec().await),
                ("stderr", c.stderr_to_vec().await),
            ] {
                let text = bytes
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    logs.push_str(&format!("{name}: {line}\n"));
                }
            }
        }
        self.shutdown().await;
        let msg = format!("docker:{}: {why}", self.opts.image);
        if logs.is_empty() {
            format!("{msg}\n(the container wrote no logs)")
        } else {
            format!("{msg}\n--- container logs ---\n{logs}--- end of container logs ---")
        }
    }

    fn with_logs(&self, msg: String) -> String {
        let logs = self.logs();
        if logs.is_empty() {
            format!("{msg}\n(the container wrote no logs)")
        } else {
            format!("{msg}\n--- container logs ---\n{logs}\n--- end of container logs ---")
        }
    }

    /// Removes the container when the run is interrupted, then exits 130 as a shell would.
    fn watch_signals(&self, id: String) {
        let slot = self.container.clone();
        let task = tokio::spawn(async move {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(t) => t,
                    Err(_) => return,
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            eprintln!("latchgate-conformance: interrupted; removing container {id}");
            if let Some(c) = slot.lock().await.take() {
                let _ = c.rm().await;
            }
            std::process::exit(130);
        });
        if let Ok(mut t) = self.on_signal.lock() {
            *t = Some(task);
        }
    }
}

impl Drop for DockerTarget {
    fn drop(&mut self) {
        if let Ok(mut t) = self.on_signal.lock() {
            if let Some(task) = t.take() {
                task.abort();
            }
        }
    }
}

impl TargetProvider for DockerTarget {
    fn describe(&self) -> String {
        format!("docker:{} (one container for the run)", self.opts.image)
    }

    fn acquire(&self) -> BoxFuture<'_, Result<Acquired, AcquireError>> {
        Box::pin(async move {
            let started = self.env.get_or_init(|| self.start()).await.clone();
            let env = started.map_err(AcquireError::Container)?;
            Ok(Acquired {
                env,
                guard: Box::new(()),
            })
        })
    }
}

/// The env a container gets from the run: the public base and, with operator credentials, the
/// api key and the key's thumbprint (the real gate's names, which the mock honours too), and the
/// mock's control token when the run names one.
pub fn container_env(
    public_base: Option<&str>,
    operator: Option<&OperatorCreds>,
    control_token: Option<&str>,
) -> Vec<(String, String)> {
    let mut env = vec![(
        "LATCHGATE_PUBLIC_BASE_URL".to_string(),
        public_base.unwrap_or(DEFAULT_PUBLIC_BASE).to_string(),
    )];
    if let Some(op) = operator {
        env.push(("LATCHGATE_OPERATOR_API_KEY".into(), op.api_key.clone()));
        env.push(("LATCHGATE_OPERATOR_DPOP_JKT".into(), op.key.thumbprint()));
    }
    if let Some(t) = control_token {
        env.push(("LATCHGATE_MOCK_CONTROL_TOKEN".into(), t.to_string()));
    }
    env
}
