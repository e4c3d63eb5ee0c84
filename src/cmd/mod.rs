//! One module per command.

pub mod admin;
pub mod keys;
pub mod serve;
pub mod verify;
