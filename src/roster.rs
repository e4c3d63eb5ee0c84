//! The roster of expected participants: parsed from the registration
//! system's CSV (every refused row with its line number and why), and its
//! canonical form, whose SHA-256 the log commits to (docs/FORMAT.md §5.8).
//! The rows are personal data: they are stored, never signed.

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::role::Role;
use crate::trust::digest::Sha256Digest;

/// The header of the canonical form, in its order.
pub const CANONICAL_HEADER: &str = "name,organization,country,role,email";
/// The most rows a roster may have.
pub const MAX_ROWS: usize = 5_000;
/// The largest CSV file accepted, in bytes.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// One expected participant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub name: String,
    pub organization: String,
    pub country: String,
    pub role: Role,
    pub email: Option<String>,
}

impl Expected {
    /// The row in the canonical form, without its line end.
    pub fn canonical_line(&self) -> String {
        [
            self.name.as_str(),
            self.organization.as_str(),
            self.country.as_str(),
            self.role.as_str(),
            self.email.as_deref().unwrap_or(""),
        ]
        .iter()
        .map(|v| quote(v))
        .collect::<Vec<_>>()
        .join(",")
    }
}

/// A field as RFC 4180 writes it: quoted, its quotes doubled, only when it
/// holds a comma, a quote or a line end.
fn quote(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

/// A roster: its rows in canonical order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roster {
    rows: Vec<Expected>,
}

/// A line of the CSV that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RefusedRow {
    /// Its line number in the file (the header is line 1).
    pub line: usize,
    pub reason: String,
}

/// Why a CSV cannot be read as a roster at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error("the file is larger than {} MB; split the roster or remove columns rollcall does not use", MAX_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("the first line must name the columns: name, organisation, country (or national body), role and, optionally, email; {0}")]
    Header(String),
    #[error(
        "line {0}: a quoted field is not closed; close its quote, or double the quotes inside it"
    )]
    Unclosed(usize),
    #[error("the roster has more than {MAX_ROWS} rows")]
    TooManyRows,
    #[error("no row could be imported; fix the rows refused and import the file again")]
    NoRows { refused: Vec<RefusedRow> },
}

/// NFC, surrounding white space trimmed and inner runs of it made one space.
pub fn clean(v: &str) -> String {
    v.nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What matches a name or an organisation: [`clean`], lower-cased.
pub fn key(v: &str) -> String {
    clean(v).to_lowercase()
}

/// Splits RFC 4180 CSV into records, each with the line it starts on.
/// Accepts CRLF or LF line ends, and a byte-order mark.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, RosterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut was_quoted = false;
        loop {
            let Some(c) = chars.next() else {
                if quoted {
                    return Err(RosterError::Unclosed(start));
                }
                break;
            };
            if quoted {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => quoted = false,
                    '\n' => {
                        line += 1;
                        field.push('\n');
                    }
                    c => field.push(c),
                }
                continue;
            }
            match c {
                '"' if field.is_empty() && !was_quoted => {
                    quoted = true;
                    was_quoted = true;
                }
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    was_quoted = false;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' => {
                    line += 1;
                    break;
                }
                c => field.push(c),
            }
        }
        fields.push(field);
        if fields.iter().any(|f| !f.trim().is_empty()) {
            out.push((start, fields));
        }
    }
    Ok(out)
}

/// The columns a roster needs, found in the header.
struct Columns {
    name: usize,
    organization: usize,
    country: usize,
    role: usize,
    email: Option<usize>,
}

fn columns(header: &[String]) -> Result<Columns, RosterError> {
    let find = |names: &[&str]| {
        header.iter().position(|h| {
            let h = key(h).replace(['_', '-'], " ");
            names.contains(&h.as_str())
        })
    };
    let name = find(&["name", "full name", "nom"]);
    let organization = find(&["organization", "organisation", "org"]);
    let country = find(&[
        "country",
        "national body",
        "country or national body",
        "nsb",
        "pays",
    ]);
    let role = find(&["role", "rôle"]);
    let email = find(&["email", "e mail", "courriel"]);
    let missing: Vec<&str> = [
        ("name", name),
        ("organisation", organization),
        ("country", country),
        ("role", role),
    ]
    .iter()
    .filter(|(_, c)| c.is_none())
    .map(|(n, _)| *n)
    .collect();
    match (name, organization, country, role) {
        (Some(name), Some(organization), Some(country), Some(role)) => Ok(Columns {
            name,
            organization,
            country,
            role,
            email,
        }),
        _ => Err(RosterError::Header(format!(
            "this one has no column {}",
            missing.join(", ")
        ))),
    }
}

/// One record as a row, or why not.
fn row(c: &Columns, f: &[String]) -> Result<Expected, String> {
    let get = |i: usize| clean(f.get(i).map(String::as_str).unwrap_or(""));
    let (name, organization, country, role) = (
        get(c.name),
        get(c.organization),
        get(c.country),
        get(c.role),
    );
    let email = c.email.map(get).filter(|e| !e.is_empty());
    let mut why = Vec::new();
    for (label, v, max) in [
        ("name", &name, 200),
        ("organisation", &organization, 200),
        ("country or national body", &country, 120),
    ] {
        if v.is_empty() {
            why.push(format!("the {label} is empty; fill it in"));
        } else if v.chars().count() > max {
            why.push(format!(
                "the {label} is longer than {max} characters; shorten it"
            ));
        } else if v.chars().any(char::is_control) {
            why.push(format!("the {label} holds a control character; remove it"));
        }
    }
    let by_label = Role::ALL
        .into_iter()
        .find(|r| key(r.label()) == key(&role) || r.as_str() == key(&role));
    let role = match by_label.ok_or(()).or_else(|()| crate::fields::role(&role)) {
        Ok(r) => Some(r),
        Err(e) => {
            why.push(format!("role {role:?}: {}", e.message));
            None
        }
    };
    if let Some(e) = &email {
        if !matches!(crate::fields::email(e), Ok(Some(_))) {
            why.push(format!(
                "email {e:?} is not an email address; correct it or leave it empty"
            ));
        }
    }
    match (role, why.is_empty()) {
        (Some(role), true) => Ok(Expected {
            name,
            organization,
            country,
            role,
            email: email.map(|e| e.to_lowercase()),
        }),
        _ => Err(why.join("; ")),
    }
}

impl Roster {
    /// Reads the registration system's CSV: the rows imported, and every
    /// row refused with its line number and why (a duplicate email, or the
    /// same name and organisation twice, included).
    pub fn parse_csv(text: &str) -> Result<(Roster, Vec<RefusedRow>), RosterError> {
        if text.len() > MAX_BYTES {
            return Err(RosterError::TooLarge);
        }
        let mut recs = records(text)?.into_iter();
        let Some((_, header)) = recs.next() else {
            return Err(RosterError::Header("the file is empty".into()));
        };
        let cols = columns(&header)?;
        let mut rows: Vec<Expected> = Vec::new();
        let mut refused = Vec::new();
        let mut emails = std::collections::HashMap::new();
        let mut people = std::collections::HashMap::new();
        for (line, f) in recs {
            match row(&cols, &f) {
                Ok(r) => {
                    if let Some(first) = r.email.as_ref().and_then(|e| emails.get(e)) {
                        refused.push(RefusedRow {
                            line,
                            reason: format!(
                                "the email is already on line {first}; keep one of the two rows"
                            ),
                        });
                        continue;
                    }
                    let person = (key(&r.name), key(&r.organization));
                    if let Some(first) = people.get(&person) {
                        refused.push(RefusedRow {
                            line,
                            reason: format!("the same name and organisation are already on line {first}; keep one of the two rows"),
                        });
                        continue;
                    }
                    if let Some(e) = &r.email {
                        emails.insert(e.clone(), line);
                    }
                    people.insert(person, line);
                    rows.push(r);
                }
                Err(reason) => refused.push(RefusedRow { line, reason }),
            }
            if rows.len() > MAX_ROWS {
                return Err(RosterError::TooManyRows);
            }
        }
        if rows.is_empty() {
            return Err(RosterError::NoRows { refused });
        }
        Ok((Roster::from_rows(rows), refused))
    }

    /// A roster of these rows, put in canonical order.
    pub fn from_rows(mut rows: Vec<Expected>) -> Roster {
        rows.sort_by_cached_key(Expected::canonical_line);
        Roster { rows }
    }

    /// Its rows, in canonical order.
    pub fn rows(&self) -> &[Expected] {
        &self.rows
    }

    /// The canonical form: UTF-8 CSV (RFC 4180) with the header
    /// [`CANONICAL_HEADER`], values NFC with white space collapsed, emails
    /// lower-cased, rows sorted by their bytes, every line ending in LF.
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = String::from(CANONICAL_HEADER);
        out.push('\n');
        for r in &self.rows {
            out.push_str(&r.canonical_line());
            out.push('\n');
        }
        out.into_bytes()
    }

    /// SHA-256 of the canonical form.
    pub fn sha256(&self) -> Sha256Digest {
        Sha256Digest(Sha256::digest(self.canonical()).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_export_is_read_and_its_bad_rows_are_refused_with_their_lines() {
        let csv = "Name,Organisation,National body,Role,E-mail\r\n\
                   Ada Lovelace,Analytical Engines,GB,delegate,ADA@example.org\r\n\
                   \"Hopper, Grace\",US Navy,US,head-of-delegation,\r\n\
                   ,Nobody Inc,FR,delegate,\r\n\
                   Alan Turing,Bletchley,GB,king,alan@example\r\n\
                   Ada  Lovelace,analytical engines,GB,expert,\r\n";
        let (roster, refused) = Roster::parse_csv(csv).unwrap();
        assert_eq!(roster.rows().len(), 2);
        assert_eq!(
            refused.iter().map(|r| r.line).collect::<Vec<_>>(),
            [4, 5, 6]
        );
        assert!(refused[0].reason.contains("name is empty"));
        assert!(refused[1].reason.contains("role \"king\""));
        assert!(refused[1].reason.contains("not an email"));
        assert!(refused[2].reason.contains("line 2"));
        assert_eq!(
            String::from_utf8(roster.canonical()).unwrap(),
            "name,organization,country,role,email\n\
             \"Hopper, Grace\",US Navy,US,head-of-delegation,\n\
             Ada Lovelace,Analytical Engines,GB,delegate,ada@example.org\n",
            "sorted by their bytes: a quote sorts before letters"
        );
    }

    #[test]
    fn the_canonical_form_does_not_depend_on_row_order_or_unicode_form() {
        let a = Roster::parse_csv(
            "name,organization,country,role\nZoë,X,FR,expert\nAmy,Y,DE,delegate\n",
        )
        .unwrap()
        .0;
        let b = Roster::parse_csv(
            "role,country,organization,name\ndelegate,DE,Y,Amy\nexpert,FR,X,Zoe\u{308}\n",
        )
        .unwrap()
        .0;
        assert_eq!(a.sha256(), b.sha256());
    }

    #[test]
    fn a_file_without_the_needed_columns_or_rows_is_refused_whole() {
        assert!(matches!(
            Roster::parse_csv("name,email\nAda,ada@example.org\n"),
            Err(RosterError::Header(h)) if h.contains("organisation, country, role")
        ));
        assert!(matches!(
            Roster::parse_csv("name,organization,country,role\n\"Ada,X,GB,delegate\n"),
            Err(RosterError::Unclosed(2))
        ));
        assert!(matches!(
            Roster::parse_csv("name,organization,country,role\n,X,GB,delegate\n"),
            Err(RosterError::NoRows { refused }) if refused.len() == 1
        ));
    }
}
