//! Code of Conduct documents, identified by the SHA-256 of their exact bytes.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::digest::Sha256Digest;

/// The ISO Code of Conduct for the technical work, as rollcall ships it.
pub const ISO_CODE_OF_CONDUCT: &str = include_str!("../../codes/iso-code-of-conduct.md");

/// The file name under which the bundled Code is attested.
pub const ISO_CODE_NAME: &str = "iso-code-of-conduct.md";

/// A Code document: normalised text, the name it is attested under and the
/// language it is written in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeDocument {
    /// File-like name used as the in-toto subject name.
    pub name: String,
    /// BCP 47 language tag of the text.
    pub language: String,
    /// The normalised UTF-8 text (Markdown).
    pub text: String,
}

/// Why a text cannot be a Code document.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodeError {
    #[error("the Code document is empty")]
    Empty,
    #[error(
        "the Code document contains a control character (U+{0:04X}); only line feeds are allowed"
    )]
    ControlCharacter(u32),
    #[error(
        "the Code document name {0:?} must be 1-100 characters of letters, digits, '.', '-' or '_'"
    )]
    BadName(String),
    #[error("the language tag {0:?} is not a BCP 47 tag such as \"en\" or \"fr-CA\"")]
    BadLanguage(String),
}

/// Normalises a Code text once, on import: strips a byte-order mark, turns
/// CRLF and CR into LF, applies Unicode NFC, removes trailing whitespace at
/// the end of the text and ends it with exactly one LF.
pub fn normalise(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out: String = text.nfc().collect();
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

impl CodeDocument {
    /// Builds a Code document from text, normalising it.
    pub fn new(name: &str, language: &str, text: &str) -> Result<Self, CodeError> {
        if name.is_empty()
            || name.chars().count() > 100
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(CodeError::BadName(name.to_owned()));
        }
        if !is_language_tag(language) {
            return Err(CodeError::BadLanguage(language.to_owned()));
        }
        let text = normalise(text);
        if text.trim().is_empty() {
            return Err(CodeError::Empty);
        }
        if let Some(c) = text
            .chars()
            .find(|&c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(CodeError::ControlCharacter(c as u32));
        }
        Ok(Self {
            name: name.to_owned(),
            language: language.to_owned(),
            text,
        })
    }

    /// The ISO Code of Conduct in English, as bundled.
    pub fn iso() -> Self {
        Self {
            name: ISO_CODE_NAME.to_owned(),
            language: "en".to_owned(),
            text: ISO_CODE_OF_CONDUCT.to_owned(),
        }
    }

    /// SHA-256 of the exact UTF-8 bytes of the text.
    pub fn digest(&self) -> Sha256Digest {
        Sha256Digest::of(self.text.as_bytes())
    }

    /// The title: the first Markdown level-1 heading, else the first line.
    pub fn title(&self) -> &str {
        title_of(&self.text)
    }
}

/// The first Markdown level-1 heading of a text, else its first line.
pub fn title_of(text: &str) -> &str {
    text.lines()
        .find_map(|l| l.strip_prefix("# "))
        .or_else(|| text.lines().next())
        .unwrap_or("")
        .trim()
}

/// A loose check for BCP 47 tags: 2-3 letter primary subtag, then
/// alphanumeric subtags of 1-8 characters.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_code_is_already_normal() {
        assert_eq!(normalise(ISO_CODE_OF_CONDUCT), ISO_CODE_OF_CONDUCT);
        assert_eq!(
            CodeDocument::iso().title(),
            "ISO Code of Conduct for the technical work"
        );
    }

    #[test]
    fn normalisation_fixes_line_endings_nfc_and_trailing_newlines() {
        let doc =
            CodeDocument::new("c.md", "fr", "\u{feff}# Cafe\u{301}\r\nLigne\rfin\n\n\n").unwrap();
        assert_eq!(doc.text, "# Caf\u{e9}\nLigne\nfin\n");
        assert_eq!(
            doc.digest(),
            Sha256Digest::of("# Caf\u{e9}\nLigne\nfin\n".as_bytes())
        );
    }

    #[test]
    fn bad_codes_are_refused_with_reasons() {
        assert_eq!(
            CodeDocument::new("c.md", "en", " \n"),
            Err(CodeError::Empty)
        );
        assert_eq!(
            CodeDocument::new("c.md", "en", "a\u{7}b"),
            Err(CodeError::ControlCharacter(7))
        );
        assert!(CodeDocument::new("../etc", "en", "x").is_err());
        assert!(CodeDocument::new("c.md", "English", "x").is_err());
    }
}
