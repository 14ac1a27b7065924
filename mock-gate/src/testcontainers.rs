//! The mock gate as a container (feature `testcontainers`): [`MockGateImage`] is the image that
//! `scripts/build-image.sh` builds (`latchgate-mock:<crate version>`), ready when its JSON ready
//! line is on stdout; [`MockGateEndpoints::of`] reads that line and the mapped ports.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use latchgate_mock::testcontainers::{MockGateEndpoints, MockGateImage};
//! use testcontainers::runners::AsyncRunner;
//!
//! let container = MockGateImage::default().start().await?;
//! let gate = MockGateEndpoints::of(&container).await?;
//! let client = gate.client().build()?;          // base URL on the mapped port, htu base set
//! let operator = gate.operator_client()?;       // the generated operator's credentials
//! # Ok(()) }
//! ```

use ::testcontainers::core::{ContainerPort, IntoContainerPort, WaitFor};
use ::testcontainers::{ContainerAsync, Image};
use serde::Deserialize;

/// Client listener port inside the container.
pub const CLIENT_PORT: u16 = 3000;
/// Admin listener port inside the container.
pub const ADMIN_PORT: u16 = 3001;
/// The image's repository name, as `scripts/build-image.sh` tags it.
pub const IMAGE_NAME: &str = "latchgate-mock";
/// The image's public base (the htu base of every proof), set in its Dockerfile.
pub const DEFAULT_PUBLIC_BASE_URL: &str = "http://localhost:3000";

const PORTS: [ContainerPort; 2] = [
    ContainerPort::Tcp(CLIENT_PORT),
    ContainerPort::Tcp(ADMIN_PORT),
];

/// The `latchgate-mock` image. `Default` is `latchgate-mock:<this crate's version>`; env vars
/// (`LATCHGATE_PUBLIC_BASE_URL`, `LATCHGATE_OPERATOR_API_KEY`, …, see the mock's README) can be
/// added with testcontainers' `ImageExt::with_env_var`.
#[derive(Clone, Debug)]
pub struct MockGateImage {
    name: String,
    tag: String,
}

impl Default for MockGateImage {
    fn default() -> Self {
        MockGateImage::new(IMAGE_NAME, env!("CARGO_PKG_VERSION"))
    }
}

impl MockGateImage {
    /// An image of another name or tag (a build of `scripts/image/Dockerfile`).
    pub fn new(name: impl Into<String>, tag: impl Into<String>) -> Self {
        MockGateImage {
            name: name.into(),
            tag: tag.into(),
        }
    }
}

impl Image for MockGateImage {
    fn name(&self) -> &str {
        &self.name
    }

    fn tag(&self) -> &str {
        &self.tag
    }

    fn ready_conditions(&self) -> Vec<WaitFor> {
        // The mock prints the ready line once both listeners accept connections.
        vec![WaitFor::message_on_stdout(r#""event":"ready""#)]
    }

    fn expose_ports(&self) -> &[ContainerPort] {
        &PORTS
    }
}

/// The operator member of the ready line.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ReadyOperator {
    /// Operator id (`default` when generated).
    pub id: String,
    /// Its api key.
    pub api_key: String,
    /// Thumbprint of its key.
    pub dpop_jkt: Option<String>,
    /// PKCS#8 PEM of its key (absent when the gate was given only a thumbprint).
    pub private_key_pem: Option<String>,
}

/// The mock's JSON ready line (`{"event":"ready",…}`). Members this version does not know are
/// ignored, so newer images still parse.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ReadyLine {
    /// Client listener as seen inside the container.
    pub url: Option<String>,
    /// Admin listener as seen inside the container.
    pub admin_url: Option<String>,
    /// The htu base every proof must use.
    pub public_base_url: String,
    /// Working operator credentials.
    pub operator: ReadyOperator,
    /// Token of the `/_mock/` control API, when the mock prints one.
    pub control_token: Option<String>,
}

impl ReadyLine {
    /// The first ready line of a stdout capture; `None` when there is none yet.
    pub fn find(stdout: &str) -> Option<Result<ReadyLine, EndpointsError>> {
        stdout
            .lines()
            .find(|l| l.contains(r#""event":"ready""#))
            .map(|l| serde_json::from_str(l).map_err(EndpointsError::ReadyLine))
    }
}

/// Why the endpoints of a started container could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EndpointsError {
    /// Docker could not tell the host or a mapped port, or give the logs.
    #[error("testcontainers: {0}")]
    Docker(#[from] ::testcontainers::TestcontainersError),
    /// The container's stdout holds no ready line.
    #[error("no ready line on stdout")]
    NoReadyLine,
    /// The ready line does not parse.
    #[error("unreadable ready line: {0}")]
    ReadyLine(serde_json::Error),
}

/// A started mock gate container, as seen from the host: URLs on the mapped ports and the
/// credentials of its ready line.
#[derive(Clone, Debug)]
pub struct MockGateEndpoints {
    /// Client listener, `http://HOST:PORT` on the mapped port.
    pub url: String,
    /// Admin listener on the mapped port.
    pub admin_url: String,
    /// The ready line (public base, operator credentials, control token).
    pub ready: ReadyLine,
}

impl MockGateEndpoints {
    /// Reads the mapped ports and the ready line of a started container.
    pub async fn of(container: &ContainerAsync<MockGateImage>) -> Result<Self, EndpointsError> {
        let host = container.get_host().await?;
        let client = container.get_host_port_ipv4(CLIENT_PORT.tcp()).await?;
        let admin = container.get_host_port_ipv4(ADMIN_PORT.tcp()).await?;
        let stdout = container.stdout_to_vec().await?;
        let ready = ReadyLine::find(&String::from_utf8_lossy(&stdout))
            .ok_or(EndpointsError::NoReadyLine)??;
        Ok(MockGateEndpoints {
            url: format!("http://{host}:{client}"),
            admin_url: format!("http://{host}:{admin}"),
            ready,
        })
    }

    /// A client builder for this gate: base URL on the mapped port, htu base from the ready line.
    pub fn client(&self) -> latchgate::ClientBuilder {
        latchgate::Client::builder()
            .base_url(self.url.clone())
            .public_base_url(self.ready.public_base_url.clone())
    }

    /// An operator client with the ready line's credentials, on the mapped admin port.
    pub fn operator_client(&self) -> Result<latchgate::OperatorClient, latchgate::Error> {
        let op = &self.ready.operator;
        latchgate::OperatorClient::builder()
            .base_url(self.admin_url.clone())
            .public_base_url(self.ready.public_base_url.clone())
            .api_key(op.api_key.clone())
            .key_pem(op.private_key_pem.clone().unwrap_or_default())
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_line_parses_with_unknown_members_and_log_lines_around() {
        let stdout = concat!(
            "starting\n",
            r#"{"event":"ready","url":"http://0.0.0.0:3000","admin_url":"http://0.0.0.0:3001","socket":null,"admin_socket":null,"public_base_url":"http://localhost:3000","operator":{"id":"default","api_key":"key-default-1","dpop_jkt":"jkt","private_key_pem":"PEM"},"control_token":"ct","added_later":{"x":1}}"#,
            "\n"
        );
        let ready = ReadyLine::find(stdout)
            .expect("a ready line")
            .expect("parses");
        assert_eq!(ready.public_base_url, "http://localhost:3000");
        assert_eq!(ready.operator.api_key, "key-default-1");
        assert_eq!(ready.operator.private_key_pem.as_deref(), Some("PEM"));
        assert_eq!(ready.control_token.as_deref(), Some("ct"));
    }

    #[test]
    fn no_ready_line_is_none_and_a_broken_one_says_why() {
        assert!(ReadyLine::find("log line\n").is_none());
        let err = ReadyLine::find(r#"{"event":"ready"}"#)
            .unwrap()
            .unwrap_err();
        assert!(err.to_string().contains("unreadable ready line"), "{err}");
    }

    #[test]
    fn default_image_is_the_build_image_tag() {
        let image = MockGateImage::default();
        assert_eq!(
            (image.name(), image.tag()),
            (IMAGE_NAME, env!("CARGO_PKG_VERSION"))
        );
    }
}
