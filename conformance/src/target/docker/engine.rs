//! Is a Docker engine reachable, must it be, and which image reference to start.

use crate::target::TargetError;

/// Env switch that turns "no Docker engine" from a skip into an error (exit 2 in the CLI).
pub const REQUIRE_DOCKER_ENV: &str = "LATCHGATE_REQUIRE_DOCKER";

/// True when `LATCHGATE_REQUIRE_DOCKER` is set to something other than empty, `0` or `false`.
pub fn docker_required_by_env() -> bool {
    std::env::var(REQUIRE_DOCKER_ENV)
        .map(|v| !matches!(v.trim(), "" | "0" | "false" | "no"))
        .unwrap_or(false)
}

/// Why no Docker engine can be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// testcontainers could not set up its Docker client.
    #[error("no Docker client: {0}")]
    NoClient(Box<dyn std::error::Error + Send + Sync>),
    /// The engine did not answer the ping.
    #[error("no Docker engine reachable ({0})")]
    Unreachable(Box<dyn std::error::Error + Send + Sync>),
    /// The ping got no answer within 5 s.
    #[error("no Docker engine reachable (ping timed out after 5 s)")]
    PingTimeout,
}

/// Pings the engine testcontainers would use (`DOCKER_HOST`, `~/.testcontainers.properties`,
/// else the default socket). The error says why it is unreachable.
pub async fn engine_available() -> Result<(), EngineError> {
    let docker = testcontainers::core::client::docker_client_instance()
        .await
        .map_err(|e| EngineError::NoClient(Box::new(e)))?;
    match tokio::time::timeout(std::time::Duration::from_secs(5), docker.ping()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(EngineError::Unreachable(Box::new(e))),
        Err(_) => Err(EngineError::PingTimeout),
    }
}

/// Splits `NAME[:TAG]` (a registry port is not a tag); a missing tag is `latest`. Digest
/// references are refused because testcontainers addresses images as `name:tag`.
pub fn split_image(image: &str) -> Result<(String, String), TargetError> {
    if image.contains('@') {
        return Err(TargetError::ImageDigest(image.to_string()));
    }
    let last_segment = image.rsplit('/').next().unwrap_or(image);
    let (name, tag) = match last_segment.rsplit_once(':') {
        Some((_, tag)) => (&image[..image.len() - tag.len() - 1], tag),
        None => (image, "latest"),
    };
    if name.is_empty() || tag.is_empty() || image.chars().any(char::is_whitespace) {
        return Err(TargetError::ImageReference(image.to_string()));
    }
    Ok((name.to_string(), tag.to_string()))
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn split_image_defaults_the_tag_to_latest() {
        assert_eq!(
            split_image("latchgate-mock").unwrap(),
            ("latchgate-mock".into(), "latest".into())
        );
    }

    #[test]
    fn split_image_keeps_a_registry_port_in_the_name() {
        assert_eq!(
            split_image("localhost:5000/latchgate/gate:0.2.0").unwrap(),
            ("localhost:5000/latchgate/gate".into(), "0.2.0".into())
        );
        assert_eq!(
            split_image("localhost:5000/gate").unwrap(),
            ("localhost:5000/gate".into(), "latest".into())
        );
    }

    #[test]
    fn split_image_refuses_digests_and_empty_parts() {
        assert!(split_image("gate@sha256:abc")
            .unwrap_err()
            .to_string()
            .contains("digest"));
        assert!(split_image("gate:").is_err());
        assert!(split_image(":1").is_err());
    }
}
