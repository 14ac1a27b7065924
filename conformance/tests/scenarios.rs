//! Every scenario of the catalogue as a test: the Rust SDK (`latchgate`) against the in-process
//! mock. `cargo test -p latchgate-conformance --test scenarios -- --list` lists them;
//! `cargo test -p latchgate-conformance --test scenarios -- dpop.typ` runs a few.

fn main() -> std::process::ExitCode {
    latchgate_conformance::harness::main(latchgate_conformance::Run::new())
}
