//! All integration tests, in one binary.

mod cli;
mod support;
mod trust;
