//! Check-ins: the rules between what an attendee sends and what the log
//! writer records.

use serde::Deserialize;

use crate::fields::{self, Errors, FieldError};
use crate::presence::PresenceError;
use crate::store::MeetingRow;
use crate::writer::{CheckInRequest, WriteError};

/// A check-in as the JSON API receives it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInInput {
    /// The presence token from the QR code or link.
    pub token: String,
    pub name: String,
    #[serde(default)]
    pub organization: String,
    #[serde(default)]
    pub country: String,
    pub role: String,
    #[serde(default)]
    pub email: Option<String>,
    /// Must be `true`: the attendee acknowledges the Code.
    #[serde(default)]
    pub acknowledged: bool,
    /// SHA-256 of the Code text the attendee was shown.
    pub code_sha256: String,
    /// Language the Code was shown in; default the language of the
    /// version `code_sha256` names (the original or a translation).
    #[serde(default)]
    pub language: Option<String>,
    /// The attendee agrees to their email being shown on lists circulated
    /// to other participants (signed into the check-in). Default: no.
    #[serde(default)]
    pub share_email: bool,
}

/// Why a check-in was not recorded. Nothing is stored in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum CheckInError {
    #[error("some fields are invalid")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Presence(#[from] PresenceError),
    #[error("the Code of Conduct you were shown ({shown}) is not the one this meeting presents; reload the page and read it again")]
    WrongCode { shown: String },
    #[error("{0}")]
    Write(#[from] WriteError),
}

/// Validates a check-in against its meeting; returns the request for the writer.
pub fn validate(
    meeting: &MeetingRow,
    input: &CheckInInput,
    presence: crate::trust::statement::Presence,
    device_key: Option<String>,
) -> Result<CheckInRequest, CheckInError> {
    let mut e = Errors::default();
    let name = e.take(fields::text("name", "Name", &input.name, 200, true));
    let organization = e.take(fields::text(
        "organization",
        "Organisation",
        &input.organization,
        200,
        true,
    ));
    let country = e.take(fields::text(
        "country",
        "Country or national body",
        &input.country,
        120,
        true,
    ));
    let role = e.take(fields::role(&input.role));
    let email = e.take(fields::email(input.email.as_deref().unwrap_or("")));
    if !input.acknowledged {
        e.add(
            "acknowledged",
            "Please tick the box to confirm you have read the Code of Conduct and will uphold it",
        );
    }
    // The version shown: by digest; its language is the version's own.
    let shown = input.code_sha256.trim();
    let Some(version) = meeting.version(shown) else {
        if !e.is_empty() {
            return Err(CheckInError::Invalid(e.0));
        }
        return Err(CheckInError::WrongCode {
            shown: shown.chars().take(64).collect(),
        });
    };
    let language = input
        .language
        .clone()
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| version.language.clone());
    if language != version.language {
        e.add(
            "language",
            format!(
                "The Code version you were shown is in {:?}, not {language:?}; this meeting offers the Code in: {}",
                version.language,
                meeting.languages.join(", ")
            ),
        );
    }
    let code_sha256 = version.sha256.clone();
    let (Some(name), Some(organization), Some(country), Some(role), Some(email), true) =
        (name, organization, country, role, email, e.is_empty())
    else {
        return Err(CheckInError::Invalid(e.0));
    };
    // A shared phone may check in several people: the device recognises a
    // repeat only for the same name.
    let device_key = device_key.map(|d| {
        use sha2::Digest;
        let h = sha2::Sha256::digest(format!("{d}\n{}", name.to_lowercase()).as_bytes());
        crate::trust::encoding::b64url(&h)
    });
    Ok(CheckInRequest {
        name_key: name.to_lowercase(),
        meeting_id: meeting.meeting.id.clone(),
        email_key: email.as_deref().map(fields::email_key),
        name,
        organization,
        country,
        email,
        role,
        language,
        code_sha256,
        presence,
        device_key,
        share_email: input.share_email,
    })
}
