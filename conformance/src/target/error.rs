//! Why a `--target` value, or the target it names, cannot be used. The messages name the option.

use latchgate::crypto::dpop::KeyError;

/// Why a `--target` value cannot be parsed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetSpecError {
    /// `url:URL` whose URL does not parse.
    #[error("--target url:{url}: {source}")]
    Url {
        /// What followed `url:`.
        url: String,
        /// Why it does not parse.
        source: url::ParseError,
    },
    /// `url:URL` that is not an http(s) URL with a host.
    #[error("--target url:{0}: expected an http(s) URL with a host")]
    NotHttp(String),
    /// `url:https://…`: the raw client speaks plain HTTP only.
    #[error("--target url:{0}: https targets are not supported by the raw client; use http")]
    Https(String),
    /// `socket:` with no path.
    #[error("--target socket:PATH needs a path")]
    NoSocketPath,
    /// `docker:` with no image.
    #[error("--target docker:IMAGE needs an image")]
    NoImage,
    /// None of the known kinds.
    #[error("--target '{0}': expected mock, url:URL, socket:PATH or docker:IMAGE")]
    Unknown(String),
}

/// Why a target cannot be built from its spec and options.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// `--operator-key` names a file that cannot be read.
    #[error("--operator-key {path}: {source}")]
    OperatorKeyFile {
        /// The path given.
        path: String,
        /// Why it cannot be read.
        source: std::io::Error,
    },
    /// `--operator-key` (or a ready line's key) is not a P-256 private key.
    #[error("--operator-key: not a P-256 private key: {0}")]
    OperatorKey(#[from] KeyError),
    /// `docker:NAME@DIGEST`: testcontainers addresses images as `name:tag`.
    #[error("--target docker:{0}: digest references are not supported; tag the image first (docker tag {0} NAME:TAG)")]
    ImageDigest(String),
    /// `docker:IMAGE` that is not `NAME[:TAG]`.
    #[error("--target docker:{0}: expected NAME[:TAG]")]
    ImageReference(String),
    /// `docker:IMAGE` in a build without the `docker` feature.
    #[error(
        "--target docker:IMAGE: this latchgate-conformance was built without its `docker` feature"
    )]
    NoDockerFeature,
}

/// Why a target could not hand out a gate for a scenario.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AcquireError {
    /// The mock's filesystem root cannot be created.
    #[error("fs root: {0}")]
    FsRoot(std::io::Error),
    /// The mock's filesystem fixture cannot be written.
    #[error("{0}")]
    Fixture(std::io::Error),
    /// The in-process mock did not start.
    #[error("mock gate did not start: {0}")]
    MockStart(latchgate_mock::StartError),
    /// The in-process mock has no client listener.
    #[error("mock has no client URL")]
    NoClientUrl,
    /// The container did not start or become ready (the message carries its logs).
    #[error("{0}")]
    Container(String),
}
