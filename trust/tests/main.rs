//! The trust crate's tests, in one binary: the formats against their
//! published vectors, bundles and receipts as recorded, tampering, and
//! translations of the Code. Tests that need the server or the `rollcall`
//! binary live in the root crate's tests/.

mod amendments;
mod bundle;
mod roster;
mod sessions;
mod support;
mod tampering;
mod translations;
mod vectors;
