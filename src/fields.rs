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

/// Characters that never belong in a link people are sent to (they would
/// break it, or hide what it points to).
fn breaks_a_link(c: char) -> bool {
    c.is_whitespace() || c.is_control() || is_bidi_control(c) || "<>\"'`\\{}|^".contains(c)
}

/// The scheme of a link (`javascript` in `javascript:alert(1)`), if it
/// starts with one.
fn scheme(value: &str) -> Option<&str> {
    let (scheme, _) = value.split_once(':')?;
    let mut chars = scheme.chars();
    (chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
    .then_some(scheme)
}

/// An optional `https://` address (for example a training programme):
/// empty is `None`; the scheme is stored in lower case. Anything else,
/// `http://` and `javascript:` included, is refused with the fix.
pub fn https_url(
    field: &'static str,
    label: &str,
    value: &str,
) -> Result<Option<String>, FieldError> {
    let err = |message: String| FieldError { field, message };
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let example = "e.g. https://example.org/code-of-conduct";
    match scheme(v).map(str::to_ascii_lowercase).as_deref() {
        Some("https") => {}
        Some("http") => {
            return Err(err(format!(
                "{label} must start with https://, not http://: give the page's https:// address"
            )))
        }
        Some(other) => {
            return Err(err(format!(
                "{label} must be an https:// address, not a {other}: link ({example})"
            )))
        }
        None => {
            return Err(err(format!(
                "{label} must be an https:// address ({example})"
            )))
        }
    }
    let n = v.chars().count();
    if n > 500 {
        return Err(err(format!(
            "{label} is too long ({n} characters; at most 500)"
        )));
    }
    let rest = &v["https:".len()..];
    let host = rest
        .strip_prefix("//")
        .map(|r| r.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    if host.is_empty()
        || host.contains('@')
        || host.starts_with(['.', '-', ':'])
        || v.chars().any(breaks_a_link)
    {
        return Err(err(format!(
            "{label} is not a usable https:// address: it needs a host name after https:// and no spaces, quotes or brackets ({example})"
        )));
    }
    Ok(Some(format!("https:{rest}")))
}

/// An optional contact for raising a concern: an `https://` address, or an
/// email address (bare or as `mailto:`), stored as `mailto:ADDRESS`.
/// Empty is `None`; `javascript:` and every other kind of link are refused.
pub fn concern_contact(
    field: &'static str,
    label: &str,
    value: &str,
) -> Result<Option<String>, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let err = |message: String| FieldError { field, message };
    let examples = "e.g. https://example.org/code-of-conduct/concerns or conduct@example.org";
    let address = match scheme(v).map(str::to_ascii_lowercase).as_deref() {
        Some("https") => {
            return https_url(field, label, v).map_err(|_| {
                err(format!(
                    "{label} must be an https:// address or an email address ({examples})"
                ))
            })
        }
        Some("http") => {
            return Err(err(format!(
                "{label} must start with https://, not http://: give the page's https:// address, or an email address"
            )))
        }
        Some("mailto") => &v["mailto:".len()..],
        Some(other) => {
            return Err(err(format!(
                "{label} must be an https:// address or an email address, not a {other}: link ({examples})"
            )))
        }
        None => v,
    };
    if !address.contains('@') {
        return Err(err(format!(
            "{label} must be an https:// address or an email address ({examples})"
        )));
    }
    if address.contains('?') || address.contains(',') || address.chars().any(breaks_a_link) {
        return Err(err(format!(
            "{label} must be one email address, without spaces or ?subject= parts ({examples})"
        )));
    }
    match email(address) {
        Ok(Some(e)) => Ok(Some(format!("mailto:{e}"))),
        _ => Err(err(format!(
            "{label} must be an https:// address or an email address ({examples})"
        ))),
    }
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
    fn links_people_are_sent_to_are_https_or_email_only() {
        let url = |v| https_url("training_url", "Training link", v);
        assert_eq!(url("").unwrap(), None);
        assert_eq!(
            url(" HTTPS://example.org/training ").unwrap(),
            Some("https://example.org/training".into())
        );
        for bad in [
            "http://example.org",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "example.org/training",
            "https://",
            "https:///path",
            "https://user@evil.example",
            "https://example.org/a b",
            "https://example.org/\"onmouseover",
        ] {
            let e = url(bad).unwrap_err();
            assert_eq!(e.field, "training_url");
            assert!(e.message.contains("https://"), "{bad}: {}", e.message);
        }
        assert!(url("javascript:alert(1)")
            .unwrap_err()
            .message
            .contains("not a javascript: link"));

        let contact = |v| concern_contact("concern_contact", "Contact for concerns", v);
        assert_eq!(contact("  ").unwrap(), None);
        assert_eq!(
            contact("https://example.org/conduct").unwrap(),
            Some("https://example.org/conduct".into())
        );
        assert_eq!(
            contact("Conduct@Example.ORG").unwrap(),
            Some("mailto:Conduct@example.org".into())
        );
        assert_eq!(
            contact("MAILTO:conduct@example.org").unwrap(),
            Some("mailto:conduct@example.org".into())
        );
        for bad in [
            "javascript:alert(1)",
            "javascript:alert('a@b.c')",
            "http://example.org/conduct",
            "mailto:",
            "mailto:a@example.org?subject=x",
            "mailto:a@example.org,b@example.org",
            "vbscript:msgbox",
            "the secretary",
            "ftp://example.org",
        ] {
            let e = contact(bad).unwrap_err();
            assert!(
                e.message.contains("https://") && e.message.contains("email"),
                "{bad}: {}",
                e.message
            );
        }
        assert!(contact("javascript:alert('a@b.c')")
            .unwrap_err()
            .message
            .contains("not a javascript: link"));
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
