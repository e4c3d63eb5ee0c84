//! rollcall: signed, verifiable attendance lists with the Code of Conduct attached.
//!
//! * [`trust`]: formats, signing and the offline verifier (pure, no I/O).
//! * [`keystore`]: the server's key files.

pub mod keystore;
pub mod trust;
