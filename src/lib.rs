//! rollcall: signed, verifiable attendance lists with the Code of Conduct attached.
//!
//! The layers, each using only those below it:
//!
//! * [`http`]: an adapter. It turns requests into calls to [`app`], and
//!   its errors into JSON errors or error pages, each in one place. The
//!   command line (`src/cmd`) works offline on the store and the exports.
//! * [`app`]: what a secretary, an attendee or an operator does, one action
//!   per file; it owns validation, rate limits and the meeting cache.
//! * [`writer`]: the log writer: batches, plans and signs entries through
//!   the trust core's `log_core` and hands each group to the store.
//! * [`store`]: every SQL statement, the log's behind `store::log::LogStore`;
//!   [`export`]: bundles, receipts and the printable list.
//! * [`trust`]: formats, signing and the offline verifier (pure, no I/O).
//! * [`keystore`]: the server's key files.

pub mod app;
pub mod checkin;
pub mod export;
pub mod fields;
pub mod http;
pub mod i18n;
pub mod keystore;
pub mod local_time;
pub mod markup;
pub mod meeting;
pub mod meeting_state;
pub mod metrics;
pub mod personal;
pub mod presence;
pub mod qr;
pub mod receipt_id;
pub mod role;
pub mod roster;
pub mod store;
pub mod verify_page;
pub mod writer;
pub use rollcall_trust as trust;
