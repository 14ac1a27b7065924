//! `latchgate-mock` binary.
fn main() {}
