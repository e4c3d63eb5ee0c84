//! rollcall: signed, verifiable attendance lists with the Code of Conduct attached.
//!
//! * [`trust`]: formats, signing and the offline verifier (pure, no I/O).
//! * [`keystore`]: the server's key files.

pub mod app;
pub mod checkin;
pub mod export;
pub mod fields;
pub mod http;
pub mod i18n;
pub mod keystore;
pub mod markup;
pub mod meeting;
pub mod meeting_state;
pub mod metrics;
pub mod personal;
pub mod presence;
pub mod qr;
pub mod receipt_id;
pub mod store;
pub use rollcall_trust as trust;
