//! Meetings: what a secretary may create, and how.

use rand_core::RngCore;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::fields::{self, Errors, FieldError};
use crate::store::{ts, MeetingRow, Store, StoreError};
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
}

/// Why a meeting cannot be created.
#[derive(Debug, thiserror::Error)]
pub enum MeetingError {
    #[error("some fields are invalid")]
    Invalid(Vec<FieldError>),
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

/// Validates and stores a new meeting in the `draft` state.
pub async fn create(
    store: &Store,
    input: NewMeeting,
    host: &str,
    default_code: &str,
    created_by: &str,
    now: OffsetDateTime,
) -> Result<MeetingRow, MeetingError> {
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
    if let (Some(s), Some(t)) = (starts_at, ends_at) {
        if t <= s {
            e.add("ends_at", "End must be after the start");
        }
    }
    let presence = input.presence.unwrap_or_else(|| "rotating".into());
    if presence != "rotating" && presence != "static" {
        e.add(
            "presence",
            "Presence must be \"rotating\" (QR code on the screen) or \"static\" (printed link)",
        );
    }
    let code_sha256 = input.code_sha256.unwrap_or_else(|| default_code.to_owned());
    let code = store.code(&code_sha256).await?;
    if code.is_none() {
        e.add(
            "code_sha256",
            "No Code document with this SHA-256 is loaded on the server (load one with `rollcall code add FILE`)",
        );
    }
    // The Code is shown in its own language; translations are not yet loaded.
    let code_language = code
        .as_ref()
        .map_or_else(|| "en".to_owned(), |c| c.language.clone());
    let languages = input
        .languages
        .unwrap_or_else(|| vec![code_language.clone()]);
    if !languages.iter().all(|l| is_language_tag(l)) {
        e.add(
            "languages",
            "Languages must be tags such as \"en\" or \"fr\"",
        );
    } else if languages != [code_language.clone()] {
        e.add(
            "languages",
            format!(
                "This Code is written in {code_language:?} and has no translations loaded, so languages must be [\"{code_language}\"]"
            ),
        );
    }
    let (
        Some(title),
        Some(committee),
        Some(location),
        Some(starts_at),
        Some(ends_at),
        Some(timezone),
        true,
    ) = (
        title,
        committee,
        location,
        starts_at,
        ends_at,
        timezone,
        e.is_empty(),
    )
    else {
        return Err(MeetingError::Invalid(e.0));
    };
    let id = new_id();
    let row = MeetingRow {
        meeting: Meeting {
            id: id.clone(),
            title,
            committee,
            location,
            starts_at,
            ends_at,
            timezone,
        },
        code_sha256,
        languages,
        presence,
        state: "draft".into(),
        origin: origin_for(host, &id),
        created_by: created_by.to_owned(),
        created_at: ts(now),
        opened_at: None,
        closed_at: None,
    };
    store.insert_meeting(&row).await?;
    Ok(row)
}
