//! The trust core: formats, signing and verification. No I/O, no clock.
//!
//! | module | what it holds |
//! |---|---|
//! | [`code`] | Code of Conduct documents and their digests |
//! | [`statement`] | in-toto Statements and rollcall's predicates |
//! | [`disclosure`] | salted commitments to attendee fields (SD-JWT disclosures) |
//! | [`envelope`] | DSSE envelopes |
//! | [`merkle`] | RFC 6962 / 9162 Merkle trees and proofs |
//! | [`checkpoint`] | C2SP checkpoints in signed notes |
//! | [`log`] | log origins and meeting ids |
//! | [`bundle`] | the signed attendance list and the receipt |
//! | [`log_core`] | the one way logs are built: planning, statements, checkpoints, bundles and receipts |
//! | [`recorder`] | records a meeting's log in memory, through [`log_core`] |
//! | [`keys`] | Ed25519 public keys and the signer |
//! | [`key_list`] | the keys an auditor gives (a key, a list, rollcall-keys.json) |
//! | [`verify`] | the offline verifier |
//! | [`pdf_attachment`] | takes the bundle out of a printed list (PDF) |

// The auditor's trusted base: no unsafe code anywhere in it.
#![forbid(unsafe_code)]

pub mod bundle;
pub mod checkpoint;
pub mod code;
pub mod digest;
pub mod disclosure;
pub mod encoding;
pub mod envelope;
pub mod key_list;
pub mod keys;
pub mod log;
pub mod log_core;
pub mod merkle;
pub mod pdf_attachment;
pub mod recorder;
pub mod statement;
pub mod verify;
