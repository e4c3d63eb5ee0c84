//! Errors turned into responses, in one place: [`ApiError`] for JSON
//! clients, [`PageError`] for browsers. Internal causes are logged, never
//! shown to clients.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::app::{self, Missing};
use crate::checkin::CheckInError;
use crate::export::ExportError;
use crate::fields::FieldError;
use crate::meeting::MeetingError;
use crate::presence::PresenceError;
use crate::store::StoreError;
use crate::writer::WriteError;

/// An API error: a status, a stable code and a message that names the
/// problem and the fix.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// 422 naming every invalid field.
    pub fn invalid(fields: Vec<FieldError>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_fields",
            message: fields
                .iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
            fields,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("There is no {what} with this id"),
        )
    }

    /// 409 for deleting a meeting that is no longer a draft.
    pub fn not_draft() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "meeting_not_draft",
            "Only a draft can be deleted: this meeting has been opened, so its log is signed and kept. If it was opened by mistake, record that in notes while it is open, then close it",
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Send a valid API token as `Authorization: Bearer TOKEN` (create one with `rollcall token create --name NAME`)",
        )
    }

    pub fn too_many() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests from this address; wait a moment and try again",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on the server; nothing was recorded. Try again, and tell the secretary if it persists",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": {"code": self.code, "message": self.message}});
        if !self.fields.is_empty() {
            body["error"]["fields"] = json!(self.fields);
        }
        let mut res = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS
            || self.status == StatusCode::SERVICE_UNAVAILABLE
        {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage error");
        if e.is_unavailable() {
            Self::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", "Storage is unavailable (the database is unreachable, or its disk is full or read-only), so nothing was recorded; try again in a minute, and tell the secretary if it persists")
        } else {
            Self::internal()
        }
    }
}

use crate::trust::log_core::{AmendRefused, SessionRefused};

impl From<WriteError> for ApiError {
    fn from(e: WriteError) -> Self {
        let (status, code) = match e {
            WriteError::UnknownMeeting => (StatusCode::NOT_FOUND, "not_found"),
            WriteError::NotOpen => (StatusCode::CONFLICT, "meeting_not_open"),
            WriteError::Closed => (StatusCode::GONE, "meeting_closed"),
            WriteError::AlreadyOpened => (StatusCode::CONFLICT, "already_opened"),
            WriteError::Expired => (StatusCode::GONE, "qr_expired"),
            WriteError::EmailTaken => (StatusCode::CONFLICT, "email_taken"),
            WriteError::Amendment(AmendRefused::NotACheckIn(_)) => {
                (StatusCode::NOT_FOUND, "not_a_check_in")
            }
            WriteError::Amendment(AmendRefused::Struck(_)) => (StatusCode::CONFLICT, "struck"),
            WriteError::Amendment(AmendRefused::NotYetRecorded(_)) => {
                (StatusCode::CONFLICT, "not_yet_recorded")
            }
            WriteError::Amendment(
                AmendRefused::NothingToCorrect | AmendRefused::StrikeWithValues,
            ) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_amendment"),
            WriteError::Session(SessionRefused::AnotherOpen(_)) => {
                (StatusCode::CONFLICT, "session_open")
            }
            WriteError::Session(SessionRefused::AlreadyOpened(_)) => {
                (StatusCode::CONFLICT, "session_already_opened")
            }
            WriteError::Session(SessionRefused::NotOpen(_)) => {
                (StatusCode::CONFLICT, "session_not_open")
            }
            WriteError::BetweenSessions => (StatusCode::CONFLICT, "between_sessions"),
            WriteError::Delegations(_) => (StatusCode::CONFLICT, "not_a_check_in"),
            WriteError::Moved => (StatusCode::CONFLICT, "log_moved"),
            WriteError::Unavailable | WriteError::ShuttingDown => {
                (StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable")
            }
            WriteError::Storage => {
                return Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_failed",
                    e.to_string() + "; try again",
                );
            }
        };
        Self::new(status, code, capitalise(&e.to_string()))
    }
}

impl From<PresenceError> for ApiError {
    fn from(e: PresenceError) -> Self {
        let status = match e {
            PresenceError::Expired => StatusCode::GONE,
            _ => StatusCode::FORBIDDEN,
        };
        let code = match e {
            PresenceError::Expired => "qr_expired",
            PresenceError::WrongMode => "wrong_link",
            PresenceError::ForgedRemote => "invalid_remote_link",
            _ => "invalid_token",
        };
        Self::new(status, code, capitalise(&e.to_string()))
    }
}

impl From<CheckInError> for ApiError {
    fn from(e: CheckInError) -> Self {
        match e {
            CheckInError::Invalid(fields) => Self::invalid(fields),
            CheckInError::Presence(p) => p.into(),
            CheckInError::WrongCode { .. } => Self::new(
                StatusCode::CONFLICT,
                "wrong_code",
                capitalise(&e.to_string()),
            ),
            CheckInError::Write(w) => w.into(),
        }
    }
}

impl From<MeetingError> for ApiError {
    fn from(e: MeetingError) -> Self {
        match e {
            MeetingError::Invalid(fields) => Self::invalid(fields),
            MeetingError::AlreadyOpened => Self::new(
                StatusCode::CONFLICT,
                "already_opened",
                capitalise(&e.to_string()),
            ),
            MeetingError::Store(s) => s.into(),
        }
    }
}

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::UnknownMeeting => Self::not_found("meeting"),
            ExportError::UnknownReceipt => Self::not_found("receipt"),
            ExportError::NotOpened => Self::new(
                StatusCode::CONFLICT,
                "meeting_not_open",
                capitalise(&e.to_string()),
            ),
            ExportError::Store(s) => s.into(),
            ExportError::Corrupt(_) => {
                tracing::error!(error = %e, "export failed");
                Self::internal()
            }
        }
    }
}

impl From<app::Error> for ApiError {
    fn from(e: app::Error) -> Self {
        match e {
            app::Error::NotFound(Missing::Meeting) => Self::not_found("meeting"),
            app::Error::NotFound(Missing::Receipt) => Self::not_found("receipt"),
            app::Error::NotFound(Missing::Session) => Self::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "The meeting has no session with this number; define it first",
            ),
            app::Error::NotDraft => Self::not_draft(),
            app::Error::RateLimited => Self::too_many(),
            app::Error::NoCheckpointYet => Self::new(
                StatusCode::CONFLICT,
                "meeting_not_open",
                "The meeting has no checkpoint yet; it gets one within seconds of opening",
            ),
            app::Error::SizeOutOfRange { size } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_size",
                format!("`from` must be a tree size between 1 and the current size {size}"),
            ),
            app::Error::Invalid(fields) => Self::invalid(fields),
            app::Error::Internal(_) => Self::internal(),
            app::Error::Meeting(e) => e.into(),
            app::Error::CheckIn(e) => e.into(),
            app::Error::Presence(e) => e.into(),
            app::Error::Write(e) => e.into(),
            app::Error::Export(e) => e.into(),
            app::Error::Store(e) => e.into(),
            app::Error::Roster(crate::roster::RosterError::NoRows { refused }) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_roster",
                format!(
                    "No row of the roster could be imported; fix these rows and import the file again: {}",
                    refused
                        .iter()
                        .map(|r| format!("line {}: {}", r.line, r.reason))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            ),
            app::Error::Roster(e) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_roster",
                capitalise(&e.to_string()),
            ),
            app::Error::NoRoster => Self::new(
                StatusCode::CONFLICT,
                "no_roster",
                "This meeting has no roster; import one first (POST the CSV to its roster)",
            ),
            app::Error::NoSuchRosterRow(n) => Self::new(
                StatusCode::NOT_FOUND,
                "no_roster_row",
                format!("The roster has no row {n}; rows are numbered from 1 in the roster view"),
            ),
            app::Error::NotPresent(_) => Self::new(
                StatusCode::CONFLICT,
                "not_a_check_in",
                capitalise(&e.to_string()),
            ),
            app::Error::RosterErased => Self::new(
                StatusCode::GONE,
                "roster_erased",
                capitalise(&e.to_string()),
            ),
        }
    }
}

/// Upper-cases the first letter of a message.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// An error answered to a browser: the error page in the site's frame,
/// never JSON. Its status is the one the API gives for the same refusal.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, title: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            title: title.into(),
            message: message.into(),
        }
    }

    /// A refused action, under a heading saying what was not done.
    pub fn refused(title: &str, e: impl Into<ApiError>) -> Self {
        let e = e.into();
        Self::new(e.status, title, e.message)
    }

    /// A failure on the server.
    pub fn internal() -> Self {
        ApiError::internal().into()
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        let title = match e.status {
            StatusCode::NOT_FOUND => crate::i18n::t("error.not_found.title"),
            StatusCode::SERVICE_UNAVAILABLE => crate::i18n::t("auth.unavailable.title"),
            _ => crate::i18n::t("error.title"),
        };
        Self::refused(title, e)
    }
}

impl From<app::Error> for PageError {
    fn from(e: app::Error) -> Self {
        ApiError::from(e).into()
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        page_error(self.status, &self.title, &self.message).into_response()
    }
}

/// A plain HTML error page.
pub fn page_error(status: StatusCode, title: &str, message: &str) -> (StatusCode, Html<String>) {
    (
        status,
        Html(super::pages::simple_page(title, message).into_string()),
    )
}
