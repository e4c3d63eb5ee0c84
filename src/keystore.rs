//! The server's key files under the keys directory.
//!
//! ```text
//! keys/signing.pem    current Ed25519 signing key, PKCS#8 PEM, mode 0600
//! keys/keyring.json   every public key this server has signed with, current and retired
//! ```
//!
//! The secret is written to a temporary file created with mode 0600 and
//! renamed into place, so a crash never leaves a half-written key.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::trust::keys::{PublicKey, Signer};

/// File name of the secret key.
pub const SIGNING_KEY_FILE: &str = "signing.pem";
/// File name of the public keyring.
pub const KEYRING_FILE: &str = "keyring.json";

/// Problems with the key directory, each with the fix.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    #[error("a signing key already exists at {0}; keep it, or pass --force to replace it (its public key stays in the keyring so old lists still verify)")]
    Exists(PathBuf),
    #[error("there is no signing key at {0}; create one with `rollcall keys init`")]
    Missing(PathBuf),
    #[error("{path} is readable by other users (mode {mode:o}); run `chmod 600 {path}`")]
    Permissions { path: PathBuf, mode: u32 },
    #[error("{0} is not a PKCS#8 Ed25519 private key in PEM form")]
    BadKey(PathBuf),
    #[error("{0} is not a valid keyring: {1}")]
    BadKeyring(PathBuf, String),
    #[error("cannot access {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// One public key in the keyring.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyringEntry {
    pub public_key: PublicKey,
    pub keyid: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<String>,
}

/// Every public key the server has used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keyring {
    pub keys: Vec<KeyringEntry>,
}

impl Keyring {
    /// The current (not retired) key, if any.
    pub fn current(&self) -> Option<&KeyringEntry> {
        self.keys.iter().rev().find(|k| k.retired_at.is_none())
    }

    /// All public keys, oldest first.
    pub fn public_keys(&self) -> Vec<PublicKey> {
        self.keys.iter().map(|k| k.public_key).collect()
    }
}

/// The keys directory.
#[derive(Clone, Debug)]
pub struct Keystore {
    dir: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeystoreError + '_ {
    move |e| KeystoreError::Io(path.to_owned(), e)
}

fn now_text(now: OffsetDateTime) -> String {
    now.format(&Rfc3339).unwrap_or_default()
}

impl Keystore {
    /// A keystore in `dir` (not created until a key is written).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Path of the secret key file.
    pub fn secret_path(&self) -> PathBuf {
        self.dir.join(SIGNING_KEY_FILE)
    }

    /// Path of the keyring.
    pub fn keyring_path(&self) -> PathBuf {
        self.dir.join(KEYRING_FILE)
    }

    /// Whether a signing key exists.
    pub fn has_key(&self) -> bool {
        self.secret_path().exists()
    }

    /// Creates the signing key. Refuses to replace one unless `force`.
    pub fn init(&self, force: bool, now: OffsetDateTime) -> Result<Signer, KeystoreError> {
        if self.has_key() && !force {
            return Err(KeystoreError::Exists(self.secret_path()));
        }
        self.install(Signer::generate(&mut rand_core::OsRng), now)
    }

    /// Replaces the signing key with a new one, retiring the old public key.
    pub fn rotate(&self, now: OffsetDateTime) -> Result<Signer, KeystoreError> {
        if !self.has_key() {
            return Err(KeystoreError::Missing(self.secret_path()));
        }
        self.install(Signer::generate(&mut rand_core::OsRng), now)
    }

    fn install(&self, signer: Signer, now: OffsetDateTime) -> Result<Signer, KeystoreError> {
        fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let mut ring = self.keyring()?;
        // A key that exists but is missing from the keyring is kept as retired.
        if let Ok(old) = self.load() {
            if !ring.keys.iter().any(|k| k.public_key == *old.public()) {
                ring.keys.push(KeyringEntry {
                    public_key: *old.public(),
                    keyid: old.public().keyid(),
                    created_at: now_text(now),
                    retired_at: None,
                });
            }
        }
        for k in ring.keys.iter_mut().filter(|k| k.retired_at.is_none()) {
            k.retired_at = Some(now_text(now));
        }
        ring.keys.push(KeyringEntry {
            public_key: *signer.public(),
            keyid: signer.public().keyid(),
            created_at: now_text(now),
            retired_at: None,
        });
        // Keyring first: a crash after it leaves the old key in place and
        // the new public key listed, which is harmless.
        self.write_keyring(&ring)?;
        let pem = signer
            .signing_key()
            .to_pkcs8_pem(Default::default())
            .map_err(|_| KeystoreError::BadKey(self.secret_path()))?;
        write_private(&self.secret_path(), pem.as_bytes())?;
        Ok(signer)
    }

    /// Loads the signing key, refusing a key file others can read.
    pub fn load(&self) -> Result<Signer, KeystoreError> {
        let path = self.secret_path();
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeystoreError::Missing(path))
            }
            Err(e) => return Err(KeystoreError::Io(path, e)),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeystoreError::Permissions { path, mode });
            }
        }
        #[cfg(not(unix))]
        let _ = meta;
        let pem = fs::read_to_string(&path).map_err(io(&path))?;
        let key =
            SigningKey::from_pkcs8_pem(&pem).map_err(|_| KeystoreError::BadKey(path.clone()))?;
        Ok(Signer::new(key))
    }

    /// Loads the signing key, creating one if there is none.
    pub fn load_or_init(&self, now: OffsetDateTime) -> Result<(Signer, bool), KeystoreError> {
        if self.has_key() {
            Ok((self.load()?, false))
        } else {
            Ok((self.init(false, now)?, true))
        }
    }

    /// The keyring (empty if none yet).
    pub fn keyring(&self) -> Result<Keyring, KeystoreError> {
        let path = self.keyring_path();
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| KeystoreError::BadKeyring(path, e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Keyring::default()),
            Err(e) => Err(KeystoreError::Io(path, e)),
        }
    }

    fn write_keyring(&self, ring: &Keyring) -> Result<(), KeystoreError> {
        let path = self.keyring_path();
        let mut text = serde_json::to_string_pretty(ring)
            .map_err(|e| KeystoreError::BadKeyring(path.clone(), e.to_string()))?;
        text.push('\n');
        write_atomic(&path, text.as_bytes(), 0o644)
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeystoreError> {
    write_atomic(path, bytes, 0o600)
}

/// Writes `bytes` to a temporary file with `mode`, syncs it and renames it
/// over `path`, then syncs the directory.
fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeystoreError> {
    let tmp = path.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&tmp).map_err(io(&tmp))?;
    file.write_all(bytes).map_err(io(&tmp))?;
    file.sync_all().map_err(io(&tmp))?;
    drop(file);
    fs::rename(&tmp, path).map_err(io(path))?;
    if let Some(dir) = path.parent() {
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}
