//! What a gate is configured with: settings fixed at start, the binary's TOML file, operator
//! credentials, and the embedded quickstart preset.

#[cfg(feature = "cli")]
pub mod file;
pub mod operator_key;
pub mod quickstart;
pub mod settings;
