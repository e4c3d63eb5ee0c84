//! The keys an auditor gives: one key, a C2SP verifier key, the list a
//! server publishes (`rollcall-keys.json`), or one key per line. Shared by
//! `rollcall verify` and the verify page.

use super::checkpoint::parse_verifier_key;
use super::keys::{KeyError, PublicKey};

/// Why a text given as keys holds none that can be used.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyListError {
    #[error("no keys given: paste a public key (base64 of 32 bytes, as `rollcall keys show` prints it) or the server's rollcall-keys.json")]
    Empty,
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error("a key in the keys file: {0}")]
    Published(KeyError),
}

/// `/.well-known/rollcall-keys.json` as a server publishes it (only the
/// public keys are read).
#[derive(serde::Deserialize)]
struct PublishedKeys {
    keys: Vec<PublishedKey>,
}

#[derive(serde::Deserialize)]
struct PublishedKey {
    public_key: String,
}

/// One key as an auditor may give it: the base64 of its 32 bytes, or a
/// C2SP verifier key (`name+keyid+base64`).
pub fn parse_one_key(text: &str) -> Result<PublicKey, KeyError> {
    PublicKey::parse(text).or_else(|e| parse_verifier_key(text).map(|(_, k)| k).map_err(|_| e))
}

/// The keys in a text an auditor pasted or loaded: one key, the JSON list a
/// server publishes (`rollcall-keys.json`), or one key per line (blank
/// lines and lines starting with `#` are skipped).
pub fn parse_key_list(text: &str) -> Result<Vec<PublicKey>, KeyListError> {
    if let Ok(published) = serde_json::from_str::<PublishedKeys>(text) {
        let keys = published
            .keys
            .iter()
            .map(|k| parse_one_key(&k.public_key).map_err(KeyListError::Published))
            .collect::<Result<Vec<_>, _>>()?;
        return if keys.is_empty() {
            Err(KeyListError::Empty)
        } else {
            Ok(keys)
        };
    }
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        keys.push(parse_one_key(line).map_err(|e| KeyListError::Line {
            line: n + 1,
            reason: e.to_string(),
        })?);
    }
    if keys.is_empty() {
        return Err(KeyListError::Empty);
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Signer;

    #[test]
    fn a_key_a_published_list_and_lines_of_keys_are_read() {
        let a = Signer::from_seed(&[1; 32]).public().to_base64();
        let b = Signer::from_seed(&[2; 32]).public().to_base64();
        assert_eq!(parse_key_list(&a).unwrap().len(), 1);
        let json = format!(
            r#"{{"keys":[{{"public_key":"{a}","status":"active"}},{{"public_key":"{b}"}}]}}"#
        );
        assert_eq!(parse_key_list(&json).unwrap().len(), 2);
        assert_eq!(
            parse_key_list(&format!("# ours\n{a}\n\n{b}\n"))
                .unwrap()
                .len(),
            2
        );
        assert_eq!(parse_key_list(" \n# none\n"), Err(KeyListError::Empty));
        let bad = parse_key_list(&format!("{a}\nnot-a-key\n")).unwrap_err();
        assert!(bad.to_string().starts_with("line 2: "), "{bad}");
    }
}
