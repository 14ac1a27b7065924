//! The `latchgate-conformance` binary; see the library's `cli` module.

fn main() {
    std::process::exit(latchgate_conformance::cli::main());
}
