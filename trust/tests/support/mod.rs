//! Shared helpers: a meeting recorded with the trust core, and the
//! published vectors.

#![allow(dead_code)]

mod recorded;
pub use recorded::*;

use std::path::Path;

/// A published vector from trust/tests/vectors.
pub fn vector(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors")
            .join(name),
    )
    .unwrap()
}
