//! Personal data: which committed fields each reader of an export sees
//! (disclosure profiles), erasure on request, and erasure on schedule
//! (retention).
//!
//! Attendee fields are signed only as salted commitments (FORMAT.md §6), so
//! leaving a disclosure out of a file, or deleting it from the database,
//! never touches a signature: every list stays valid.

use std::str::FromStr;

use time::OffsetDateTime;

use crate::store::{Store, StoreError};
use crate::trust::bundle::{Bundle, Entry};
use crate::trust::disclosure::Disclosure;
use crate::trust::statement::{Predicate, RollcallStatement};

/// A committed attendee field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Name,
    Organization,
    Country,
    Email,
}

impl Field {
    pub const ALL: [Field; 4] = [
        Field::Name,
        Field::Organization,
        Field::Country,
        Field::Email,
    ];

    /// The field's name in statements and disclosures.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Organization => "organization",
            Field::Country => "country",
            Field::Email => "email",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// What an export discloses of each attendee.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Disclose {
    /// For lists circulated to participants: name, organisation, country
    /// or national body (and role, which is never committed); the email
    /// only of attendees who agreed to show it.
    #[default]
    Circulated,
    /// The secretary's archive copy: every field.
    Full,
    /// Exactly these fields.
    Fields(Vec<Field>),
}

/// A disclosure profile that is not one of the known ones.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "disclose {0:?} is not a disclosure profile: use circulated (name, organisation, country; the \
     email only with the attendee's consent), full (every field, for the secretary's archive), or \
     fields separated by commas from name, organization, country, email"
)]
pub struct DiscloseError(pub String);

impl FromStr for Disclose {
    type Err = DiscloseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "" | "circulated" => Ok(Disclose::Circulated),
            "full" => Ok(Disclose::Full),
            list => {
                let mut fields = Vec::new();
                for part in list.split(',') {
                    let field = Field::parse(part.trim()).ok_or_else(|| DiscloseError(s.into()))?;
                    if !fields.contains(&field) {
                        fields.push(field);
                    }
                }
                fields.sort();
                Ok(Disclose::Fields(fields))
            }
        }
    }
}

impl Disclose {
    /// The profile as it is written in a query or on the command line.
    pub fn label(&self) -> String {
        match self {
            Disclose::Circulated => "circulated".into(),
            Disclose::Full => "full".into(),
            Disclose::Fields(f) => f.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(","),
        }
    }

    /// Whether the export may carry personal data beyond what attendees
    /// agreed to circulate (every email): such a file is labelled so.
    pub fn is_archive(&self) -> bool {
        match self {
            Disclose::Circulated => false,
            Disclose::Full => true,
            Disclose::Fields(f) => f.contains(&Field::Email),
        }
    }

    /// Whether `field` of an attendee who agreed to circulate `consented`
    /// is disclosed.
    fn keeps(&self, field: &str, consented: &[String]) -> bool {
        match self {
            Disclose::Full => true,
            Disclose::Fields(f) => f.iter().any(|f| f.as_str() == field),
            Disclose::Circulated => {
                matches!(field, "name" | "organization" | "country")
                    || consented.iter().any(|c| c == field)
            }
        }
    }

    /// Leaves out of `bundle` every disclosure this profile does not show.
    /// Signatures, commitments and proofs are untouched, so it verifies.
    pub fn apply(&self, bundle: &mut Bundle) {
        if *self == Disclose::Full {
            return;
        }
        for entry in &mut bundle.entries {
            self.apply_entry(entry);
        }
    }

    fn apply_entry(&self, entry: &mut Entry) {
        if entry.disclosures.is_empty() {
            return;
        }
        let consented = consented_fields(entry);
        entry
            .disclosures
            .retain(|d| Disclosure::parse(d).is_ok_and(|d| self.keeps(&d.field, &consented)));
    }
}

/// The fields the attendee of a check-in entry agreed, in the signed
/// check-in, to show on circulated lists.
fn consented_fields(entry: &Entry) -> Vec<String> {
    let Ok(payload) = crate::trust::encoding::unb64(&entry.envelope.payload) else {
        return Vec::new();
    };
    match RollcallStatement::parse(&payload) {
        Ok(RollcallStatement {
            predicate: Predicate::CheckIn(p),
            ..
        }) => p.circulate.unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Which fields an erasure deletes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Erase {
    /// The optional email only.
    #[default]
    Email,
    /// Every committed field: name, organisation, country, email.
    All,
}

impl Erase {
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Erase::Email => &["email"],
            Erase::All => &["name", "organization", "country", "email"],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Erase::Email => "email",
            Erase::All => "all",
        }
    }
}

/// Fields to erase that are not `email` or `all`.
#[derive(Debug, thiserror::Error)]
#[error("--fields {0:?} is not email or all")]
pub struct EraseError(pub String);

impl FromStr for Erase {
    type Err = EraseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "email" => Ok(Erase::Email),
            "all" => Ok(Erase::All),
            other => Err(EraseError(other.into())),
        }
    }
}

/// Who asked for an erasure, as it is recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErasedBy {
    /// A secretary, from the console (their account's email).
    Secretary(String),
    /// The attendee, from their receipt page.
    Attendee,
    /// An operator, with `rollcall erase` on the server.
    Operator,
    /// The retention job.
    Retention,
}

impl ErasedBy {
    pub fn as_str(&self) -> &str {
        match self {
            ErasedBy::Secretary(email) => email,
            ErasedBy::Attendee => "attendee",
            ErasedBy::Operator => "operator",
            ErasedBy::Retention => "retention",
        }
    }
}

/// Why an erasure was not done. Nothing was changed in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum PersonalDataError {
    #[error("there is no meeting {0:?}")]
    UnknownMeeting(String),
    #[error("there is no check-in with receipt {0:?} in this meeting")]
    UnknownReceipt(String),
    #[error("no check-in of this meeting recorded that email (or its email was already erased)")]
    UnknownEmail,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an erasure did: for each check-in (its position in the log), the
/// fields erased now (empty when they were already gone).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    pub check_ins: Vec<(u64, Vec<String>)>,
    /// Whether the write-ahead log could be truncated at once, so that no
    /// earlier copy of the erased values is left in the database files.
    pub purged: bool,
}

impl Erased {
    /// How many fields were erased in all.
    pub fn count(&self) -> usize {
        self.check_ins.iter().map(|(_, f)| f.len()).sum()
    }
}

/// Erases `what` of the check-ins at `indices` of a meeting, records each
/// erasure, then removes earlier copies from the database files.
pub async fn erase(
    store: &Store,
    meeting_id: &str,
    indices: &[u64],
    what: Erase,
    by: &ErasedBy,
    now: OffsetDateTime,
) -> Result<Erased, PersonalDataError> {
    let mut out = Erased::default();
    for &idx in indices {
        let fields = store
            .erase(meeting_id, idx, what.fields(), by.as_str(), now)
            .await?
            .ok_or_else(|| PersonalDataError::UnknownReceipt(idx.to_string()))?;
        out.check_ins.push((idx, fields));
    }
    out.purged = out.count() == 0 || store.purge_erased().await?;
    Ok(out)
}

/// The check-ins of a meeting that recorded `email`.
pub async fn check_ins_with_email(
    store: &Store,
    meeting_id: &str,
    email: &str,
) -> Result<Vec<u64>, PersonalDataError> {
    if store.meeting(meeting_id).await?.is_none() {
        return Err(PersonalDataError::UnknownMeeting(meeting_id.into()));
    }
    let found = store
        .check_ins_with_email(meeting_id, &crate::fields::email_key(email.trim()))
        .await?;
    if found.is_empty() {
        return Err(PersonalDataError::UnknownEmail);
    }
    Ok(found)
}

/// The default for `--retain-personal-data`: a year after a meeting closes,
/// long enough for its report to be approved at the next meeting and for a
/// concern under the Code to be raised and handled.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;

/// When a closed meeting's personal data are (or were) due for erasure.
pub fn erasure_due(
    closed_at: OffsetDateTime,
    retain_days: Option<i64>,
    default_days: u32,
) -> OffsetDateTime {
    closed_at + time::Duration::days(retain_days.unwrap_or(i64::from(default_days)))
}

/// The retention job: erases every field of every check-in of the meetings
/// closed longer ago than their retention, as of `now`. Returns the
/// meetings erased. Run at start (catching up on what came due while the
/// server was stopped) and then periodically.
pub async fn retention(
    store: &Store,
    default_days: u32,
    now: OffsetDateTime,
) -> Result<Vec<(String, Erased)>, PersonalDataError> {
    let mut done = Vec::new();
    for due in store.retention_due(default_days, now).await? {
        let erased = erase(
            store,
            &due.meeting_id,
            &due.check_ins,
            Erase::All,
            &ErasedBy::Retention,
            now,
        )
        .await?;
        store.mark_retention_done(&due.meeting_id, now).await?;
        done.push((due.meeting_id, erased));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_from_their_names_and_field_lists() {
        assert_eq!("circulated".parse(), Ok(Disclose::Circulated));
        assert_eq!("".parse(), Ok(Disclose::Circulated));
        assert_eq!("full".parse(), Ok(Disclose::Full));
        assert_eq!(
            "email, name,name".parse(),
            Ok(Disclose::Fields(vec![Field::Name, Field::Email]))
        );
        let e = "name,phone".parse::<Disclose>().unwrap_err();
        assert!(e.to_string().contains("name, organization, country, email"));
        assert!(Disclose::Full.is_archive());
        assert!(!Disclose::Circulated.is_archive());
        assert!(!"name,country".parse::<Disclose>().unwrap().is_archive());
        assert!("name,email".parse::<Disclose>().unwrap().is_archive());
    }

    #[test]
    fn circulated_lists_show_the_email_only_with_consent() {
        let p = Disclose::Circulated;
        assert!(p.keeps("name", &[]));
        assert!(!p.keeps("email", &[]));
        assert!(p.keeps("email", &["email".into()]));
        assert!(!Disclose::Fields(vec![Field::Name]).keeps("email", &["email".into()]));
    }
}
