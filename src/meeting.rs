//! Meetings: what a secretary may create, and how.

use rand_core::RngCore;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::fields::{self, Errors, FieldError};
pub use crate::meeting_state::{MeetingState, PresenceMode};
use crate::store::{ts, CodeVersion, MeetingRow, Store, StoreError};
use crate::trust::code::is_language_tag;
use crate::trust::log::origin_for;
use crate::trust::statement::Meeting;

/// A new meeting as the API and the console form send it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMeeting {
    pub title: String,
    #[serde(default)]
    pub committee: String,
    #[serde(default)]
    pub location: String,
    pub starts_at: String,
    pub ends_at: String,
    #[serde(default)]
    pub timezone: String,
    /// `rotating` (default) or `static`.
    #[serde(default)]
    pub presence: Option<String>,
    /// BCP 47 tags; default `["en"]`.
    #[serde(default)]
    pub languages: Option<Vec<String>>,
    /// The Code to present; default the bundled ISO Code.
    #[serde(default)]
    pub code_sha256: Option<String>,
    /// Where attendees raise a concern: an `https://` address or an email
    /// address; empty or absent: the server's default. Not signed.
    #[serde(default)]
    pub concern_contact: Option<String>,
}

/// Why a meeting cannot be created.
#[derive(Debug, thiserror::Error)]
pub enum MeetingError {
    #[error("some fields are invalid")]
    Invalid(Vec<FieldError>),
    #[error("the meeting has been opened, so its details are signed and can no longer change")]
    AlreadyOpened,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Parses an RFC 3339 time with its UTC offset.
fn parse_time(field: &'static str, label: &str, value: &str) -> Result<OffsetDateTime, FieldError> {
    OffsetDateTime::parse(value.trim(), &Rfc3339).map_err(|_| FieldError {
        field,
        message: format!(
            "{label} must be a date and time with its UTC offset, e.g. 2026-12-01T09:00:00+01:00"
        ),
    })
}

/// IANA time zone names: `UTC`, or `Area/Location` with letters, digits, `_`, `-`, `+`.
fn timezone(value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    let v = if v.is_empty() { "UTC" } else { v };
    let ok = v.len() <= 64
        && v.split('/').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))
        })
        && v.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    if ok {
        Ok(v.to_owned())
    } else {
        Err(FieldError {
            field: "timezone",
            message: "Time zone must be an IANA name such as Europe/Geneva or UTC".into(),
        })
    }
}

/// A fresh meeting id: `m-` and 10 lowercase letters and digits.
pub fn new_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    rand_core::OsRng.fill_bytes(&mut bytes);
    let tail: String = bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    format!("m-{tail}")
}

/// A meeting's fields once valid.
struct Valid {
    title: String,
    committee: String,
    location: String,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    timezone: String,
    presence: PresenceMode,
    code_sha256: String,
    languages: Vec<String>,
    versions: Vec<CodeVersion>,
    concern_contact: Option<String>,
}

/// The rules shared by creating and editing a meeting. A meeting offers
/// its Code and every translation of it loaded on the server.
async fn validate(
    store: &Store,
    input: NewMeeting,
    default_code: &str,
) -> Result<Valid, MeetingError> {
    let mut e = Errors::default();
    let title = e.take(fields::text("title", "Title", &input.title, 200, true));
    let committee = e.take(fields::text(
        "committee",
        "Committee or working group",
        &input.committee,
        120,
        false,
    ));
    let location = e.take(fields::text(
        "location",
        "Location",
        &input.location,
        200,
        false,
    ));
    let starts_at = e.take(parse_time("starts_at", "Start", &input.starts_at));
    let ends_at = e.take(parse_time("ends_at", "End", &input.ends_at));
    let timezone = e.take(timezone(&input.timezone));
    let concern_contact = e.take(fields::concern_contact(
        "concern_contact",
        "Contact for concerns",
        input.concern_contact.as_deref().unwrap_or(""),
    ));
    if let (Some(s), Some(t)) = (starts_at, ends_at) {
        if t <= s {
            e.add("ends_at", "End must be after the start");
        }
    }
    let presence = match input.presence.as_deref().map(str::parse::<PresenceMode>) {
        None => PresenceMode::default(),
        Some(Ok(mode)) => mode,
        Some(Err(_)) => {
            e.add(
                "presence",
                "Presence must be \"rotating\" (QR code on the screen) or \"static\" (printed link)",
            );
            PresenceMode::default()
        }
    };
    let mut code_sha256 = input.code_sha256.unwrap_or_else(|| default_code.to_owned());
    let code = store.code(&code_sha256).await?;
    if code.is_none() {
        e.add(
            "code_sha256",
            "No Code document with this SHA-256 is loaded on the server (load one with `rollcall code add FILE`)",
        );
    }
    // A translation chosen by mistake stands for its original.
    if let Some(original) = store.translation_of(&code_sha256).await? {
        code_sha256 = original;
    }
    let code_language = match store.code(&code_sha256).await? {
        Some(c) => c.language,
        None => "en".to_owned(),
    };
    let mut versions = vec![CodeVersion {
        sha256: code_sha256.clone(),
        language: code_language.clone(),
    }];
    for t in store.translations(&code_sha256).await? {
        if !versions.iter().any(|v| v.language == t.language) {
            versions.push(t);
        }
    }
    let offered: Vec<String> = versions.iter().map(|v| v.language.clone()).collect();
    let languages = input.languages.unwrap_or_else(|| offered.clone());
    if !languages.iter().all(|l| is_language_tag(l)) {
        e.add(
            "languages",
            "Languages must be tags such as \"en\" or \"fr\"",
        );
    } else if languages != offered {
        let list = offered
            .iter()
            .map(|l| format!("\"{l}\""))
            .collect::<Vec<_>>()
            .join(", ");
        if offered.len() == 1 {
            e.add(
                "languages",
                format!(
                    "This Code is written in {code_language:?} and has no translations loaded, so languages must be [{list}] (load one with `rollcall code add FILE --language TAG --translation-of DIGEST`)"
                ),
            );
        } else {
            e.add(
                "languages",
                format!("This Code is offered in [{list}] (the original and its translations), so languages must be exactly that"),
            );
        }
    }
    let (
        Some(title),
        Some(committee),
        Some(location),
        Some(starts_at),
        Some(ends_at),
        Some(timezone),
        Some(concern_contact),
        true,
    ) = (
        title,
        committee,
        location,
        starts_at,
        ends_at,
        timezone,
        concern_contact,
        e.is_empty(),
    )
    else {
        return Err(MeetingError::Invalid(e.0));
    };
    Ok(Valid {
        title,
        committee,
        location,
        starts_at,
        ends_at,
        timezone,
        presence,
        code_sha256,
        languages,
        versions,
        concern_contact,
    })
}

impl Valid {
    fn into_row(self, id: &str, host: &str, created_by: &str, created_at: String) -> MeetingRow {
        MeetingRow {
            meeting: Meeting {
                id: id.to_owned(),
                title: self.title,
                committee: self.committee,
                location: self.location,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                timezone: self.timezone,
            },
            code_sha256: self.code_sha256,
            languages: self.languages,
            versions: self.versions,
            presence: self.presence,
            state: MeetingState::Draft,
            origin: origin_for(host, id),
            created_by: created_by.to_owned(),
            created_at,
            opened_at: None,
            closed_at: None,
            retain_days: None,
            personal_data_erased_at: None,
            concern_contact: self.concern_contact,
        }
    }
}

/// Validates and stores a new meeting in the `draft` state.
pub async fn create(
    store: &Store,
    input: NewMeeting,
    host: &str,
    default_code: &str,
    created_by: &str,
    now: OffsetDateTime,
) -> Result<MeetingRow, MeetingError> {
    let valid = validate(store, input, default_code).await?;
    let id = new_id();
    let row = valid.into_row(&id, host, created_by, ts(now));
    store.insert_meeting(&row).await?;
    Ok(row)
}

/// Changes a meeting before it is opened, with the rules of [`create`].
/// Once opened, its signed statement fixes it: [`MeetingError::AlreadyOpened`].
pub async fn update_draft(
    store: &Store,
    current: &MeetingRow,
    input: NewMeeting,
    default_code: &str,
) -> Result<MeetingRow, MeetingError> {
    if current.state != MeetingState::Draft {
        return Err(MeetingError::AlreadyOpened);
    }
    let valid = validate(store, input, default_code).await?;
    // The log origin is fixed at creation; keep it.
    let mut row = valid.into_row(
        &current.meeting.id,
        "",
        &current.created_by,
        current.created_at.clone(),
    );
    row.origin.clone_from(&current.origin);
    if store.update_draft(&row).await? {
        Ok(row)
    } else {
        Err(MeetingError::AlreadyOpened)
    }
}

/// The meeting as the edit form starts: its current values.
pub fn as_input(row: &MeetingRow) -> NewMeeting {
    NewMeeting {
        title: row.meeting.title.clone(),
        committee: row.meeting.committee.clone(),
        location: row.meeting.location.clone(),
        starts_at: ts(row.meeting.starts_at),
        ends_at: ts(row.meeting.ends_at),
        timezone: row.meeting.timezone.clone(),
        presence: Some(row.presence.to_string()),
        languages: None,
        code_sha256: Some(row.code_sha256.clone()),
        concern_contact: row.concern_contact.clone(),
    }
}

/// Meetings as the console lists them.
#[derive(Debug, Default)]
pub struct Groups<'a> {
    /// Drafts, soonest first.
    pub upcoming: Vec<&'a MeetingRow>,
    /// Open for check-in, soonest first.
    pub open: Vec<&'a MeetingRow>,
    /// Closed, most recent first.
    pub closed: Vec<&'a MeetingRow>,
}

/// Sorts meetings into upcoming (drafts), open and closed.
pub fn group(all: &[MeetingRow]) -> Groups<'_> {
    let mut g = Groups::default();
    for m in all {
        match m.state {
            MeetingState::Draft => g.upcoming.push(m),
            MeetingState::Open => g.open.push(m),
            MeetingState::Closed => g.closed.push(m),
        }
    }
    g.upcoming.sort_by_key(|m| m.meeting.starts_at);
    g.open.sort_by_key(|m| m.meeting.starts_at);
    g.closed
        .sort_by_key(|m| std::cmp::Reverse(m.meeting.starts_at));
    g
}
