//! Command-line interface definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// rollcall: signed attendance lists with the Code of Conduct attached.
#[derive(Debug, Parser)]
#[command(name = "rollcall", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, show or rotate the server's Ed25519 signing key.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Verify a signed attendance list (bundle) or an attendee's receipt, offline.
    ///
    /// Exit status: 0 valid, 1 invalid, 2 unreadable file or bad usage.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct KeysDir {
    /// Directory holding the signing key and the keyring.
    #[arg(
        long = "keys",
        env = "ROLLCALL_KEYS",
        default_value = "keys",
        value_name = "DIR"
    )]
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create the signing key (mode 0600) and print its public key.
    Init {
        #[command(flatten)]
        keys: KeysDir,
        /// Replace an existing signing key (its public key stays in the keyring).
        #[arg(long)]
        force: bool,
    },
    /// Print the public key auditors pin, and every retired key.
    Show {
        #[command(flatten)]
        keys: KeysDir,
        /// Also print the C2SP verifier key for this log origin
        /// (e.g. `example.org/rollcall/meetings/MEETING_ID`).
        #[arg(long, value_name = "ORIGIN")]
        origin: Option<String>,
    },
    /// Make a new signing key; old public keys are kept so old lists still verify.
    Rotate {
        #[command(flatten)]
        keys: KeysDir,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle (.json) or receipt (.json) to check.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// A trusted public key (base64, as `rollcall keys show` prints it) or a
    /// file holding keys, one per line. Repeat for several keys.
    #[arg(long = "key", value_name = "KEY")]
    pub keys: Vec<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}
