//! Parsing of the text people type: names, organisations, titles, emails.
//!
//! Every field is Unicode-normalised (NFC), trimmed, has its inner runs of
//! whitespace collapsed, and is refused if it holds control characters or
//! bidirectional overrides (which can make a name display as something
//! else), or is too long. Errors name the field and say how to fix it.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::role::Role;

/// A problem with one field, for the form and the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// Collects field errors.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError {
            field,
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs a parse, recording its error.
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self.0)
        }
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A single line of text: NFC, trimmed, whitespace collapsed, no control
/// characters or bidi overrides, 1..=`max` characters (or empty if not
/// `required`).
pub fn text(
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<String, FieldError> {
    let err = |message: String| FieldError { field, message };
    let normal: String = value.nfc().collect();
    if let Some(c) = normal
        .chars()
        .find(|&c| c.is_control() && !c.is_whitespace())
    {
        return Err(err(format!(
            "{label} contains an invisible control character (U+{:04X}); please retype it",
            c as u32
        )));
    }
    if normal.chars().any(is_bidi_control) {
        return Err(err(format!(
            "{label} contains a text-direction override character, which can disguise text; please retype it"
        )));
    }
    let collapsed = normal.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = collapsed.chars().count();
    if required && n == 0 {
        return Err(err(format!("{label} is required")));
    }
    if n > max {
        return Err(err(format!(
            "{label} is too long ({n} characters; at most {max})"
        )));
    }
    Ok(collapsed)
}

/// Multi-line text (notes): NFC, line endings normalised, trimmed, no
/// control characters but line feeds and tabs, no bidi overrides,
/// 1..=`max` characters.
pub fn multiline(
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) -> Result<String, FieldError> {
    let err = |message: String| FieldError { field, message };
    let normal: String = value
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .nfc()
        .collect();
    let normal = normal.trim().to_owned();
    if let Some(c) = normal
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(err(format!(
            "{label} contains an invisible control character (U+{:04X}); please retype it",
            c as u32
        )));
    }
    if normal.chars().any(is_bidi_control) {
        return Err(err(format!("{label} contains a text-direction override character, which can disguise text; please retype it")));
    }
    let n = normal.chars().count();
    if n == 0 {
        return Err(err(format!("{label} must not be empty")));
    }
    if n > max {
        return Err(err(format!(
            "{label} is too long ({n} characters; at most {max})"
        )));
    }
    Ok(normal)
}

/// An optional email address, lower-cased domain, basic syntax only.
pub fn email(value: &str) -> Result<Option<String>, FieldError> {
    let v = text("email", "Email", value, 254, false)?;
    if v.is_empty() {
        return Ok(None);
    }
    let err = || FieldError {
        field: "email",
        message: "Email must look like name@example.org (or leave it empty)".into(),
    };
    let (local, domain) = v.rsplit_once('@').ok_or_else(err)?;
    if local.is_empty()
        || domain.is_empty()
        || !domain.contains('.')
        || v.contains(' ')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(err());
    }
    Ok(Some(format!("{local}@{}", domain.to_lowercase())))
}

/// The key that recognises the same email twice.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// One of the roles ([`Role::ALL`]).
pub fn role(value: &str) -> Result<Role, FieldError> {
    value.trim().parse().map_err(|_| FieldError {
        field: "role",
        message: format!(
            "Role must be one of: {}",
            Role::ALL.map(Role::as_str).join(", ")
        ),
    })
}

/// Human label of a role's word (the word itself if it names none).
pub fn role_label(key: &str) -> &str {
    match key.parse::<Role>() {
        Ok(role) => role.label(),
        Err(_) => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_normalised_and_hostile_text_refused() {
        assert_eq!(
            text("name", "Name", "  Ade\u{301}le   Dupont ", 50, true).unwrap(),
            "Ad\u{e9}le Dupont"
        );
        assert!(text("name", "Name", "Eve\u{202E}gnp.exe", 50, true)
            .unwrap_err()
            .message
            .contains("direction"));
        assert!(text("name", "Name", "a\u{0}b", 50, true)
            .unwrap_err()
            .message
            .contains("control"));
        assert!(text("name", "Name", "   ", 50, true)
            .unwrap_err()
            .message
            .contains("required"));
        assert!(text("name", "Name", &"x".repeat(51), 50, true)
            .unwrap_err()
            .message
            .contains("too long"));
        assert_eq!(
            text("name", "Name", "<script>", 50, true).unwrap(),
            "<script>",
            "escaped on output, not mangled"
        );
    }

    #[test]
    fn emails_and_roles() {
        assert_eq!(
            email("Ada@Example.ORG").unwrap(),
            Some("Ada@example.org".into())
        );
        assert_eq!(email("").unwrap(), None);
        assert!(email("not-an-email").is_err());
        assert!(role("delegate").is_ok());
        assert!(role("king").is_err());
    }
}
