//! Shared by the fuzz targets of the `latchgate` SDK and of the mock gate: JSON values and
//! edits built from fuzz input, and a gate that answers what the input says.

pub mod fake_gate;
pub mod json;
