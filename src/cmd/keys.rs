//! `rollcall keys init|show|rotate`.

use std::process::ExitCode;

use anyhow::Result;
use rollcall::keystore::Keystore;
use time::OffsetDateTime;

use crate::cli::KeysCommand;

pub fn run(command: KeysCommand) -> Result<ExitCode> {
    let now = OffsetDateTime::now_utc();
    match command {
        KeysCommand::Init { keys, force } => {
            let store = Keystore::new(&keys.dir);
            let signer = store.init(force, now)?;
            eprintln!(
                "Created the signing key {} (mode 0600). Keep it secret and back it up; never commit it.",
                store.secret_path().display()
            );
            eprintln!("Auditors pin this public key with `rollcall verify --key`:");
            println!("{}", signer.public());
        }
        KeysCommand::Show { keys, origin } => {
            let store = Keystore::new(&keys.dir);
            let signer = store.load()?;
            println!("{}", signer.public());
            eprintln!("keyid {}", signer.public().keyid());
            if let Some(origin) = origin {
                eprintln!("verifier key for log {origin}:");
                println!("{}", signer.public().verifier_key(&origin));
            }
            let ring = store.keyring()?;
            for k in ring.keys.iter().filter(|k| k.retired_at.is_some()) {
                eprintln!(
                    "retired {} (used {} to {})",
                    k.public_key,
                    k.created_at,
                    k.retired_at.as_deref().unwrap_or("")
                );
            }
        }
        KeysCommand::Rotate { keys } => {
            let store = Keystore::new(&keys.dir);
            let signer = store.rotate(now)?;
            eprintln!("Rotated: new lists are signed with the key below; the old public key is kept in {}.", store.keyring_path().display());
            println!("{}", signer.public());
        }
    }
    Ok(ExitCode::SUCCESS)
}
