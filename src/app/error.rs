//! The application's error: why an action was refused or failed. The web
//! layer turns it into a JSON error (`http::error`) or an error page, each
//! in one place.

use crate::checkin::CheckInError;
use crate::export::ExportError;
use crate::fields::FieldError;
use crate::meeting::MeetingError;
use crate::presence::PresenceError;
use crate::store::StoreError;
use crate::writer::WriteError;

use super::Missing;

/// Why an action was refused or failed. Nothing was changed in any case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("there is no {} with this id", .0.noun())]
    NotFound(Missing),
    /// Deleting a meeting that has been opened: its log is signed and kept.
    #[error("only a draft can be deleted")]
    NotDraft,
    /// The client sent too many requests; it may try again shortly.
    #[error("too many requests from this address; wait a moment and try again")]
    RateLimited,
    /// The meeting's log has no checkpoint yet: it gets one within seconds
    /// of opening.
    #[error("the meeting has no checkpoint yet; it gets one within seconds of opening")]
    NoCheckpointYet,
    /// A tree size outside the log, which holds `size` entries.
    #[error("a tree size must be between 1 and the current size {size}")]
    SizeOutOfRange { size: u64 },
    /// Fields that break the rules, each with its advice.
    #[error("some fields are invalid")]
    Invalid(Vec<FieldError>),
    /// What the server stored does not verify, or cannot be written out.
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Meeting(MeetingError),
    #[error(transparent)]
    CheckIn(CheckInError),
    #[error(transparent)]
    Presence(#[from] PresenceError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Export(ExportError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The roster file cannot be imported.
    #[error(transparent)]
    Roster(crate::roster::RosterError),
    /// The meeting has no roster.
    #[error("this meeting has no roster; import one first")]
    NoRoster,
    /// The roster has no row with this number.
    #[error("the roster has no row {0}")]
    NoSuchRosterRow(u64),
    /// A match decision names no check-in that counts.
    #[error("entry {0} is not a check-in that counts (it is another kind of entry, was struck, or is still being recorded); pick a check-in from the roster page")]
    NotPresent(u64),
    /// Rows were erased: the canonical form can no longer be given.
    #[error("some of the roster's rows were erased with their personal data, so its canonical form can no longer be given")]
    RosterErased,
}

impl Error {
    /// The invalid fields, when that is why.
    pub fn fields(&self) -> &[FieldError] {
        match self {
            Error::Invalid(f)
            | Error::Meeting(MeetingError::Invalid(f))
            | Error::CheckIn(CheckInError::Invalid(f)) => f,
            _ => &[],
        }
    }
}

impl From<MeetingError> for Error {
    fn from(e: MeetingError) -> Self {
        match e {
            MeetingError::Invalid(f) => Error::Invalid(f),
            MeetingError::Store(s) => Error::Store(s),
            other => Error::Meeting(other),
        }
    }
}

impl From<CheckInError> for Error {
    fn from(e: CheckInError) -> Self {
        match e {
            CheckInError::Invalid(f) => Error::Invalid(f),
            CheckInError::Presence(p) => Error::Presence(p),
            CheckInError::Write(w) => Error::Write(w),
            other => Error::CheckIn(other),
        }
    }
}

impl From<ExportError> for Error {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::UnknownMeeting => Error::NotFound(Missing::Meeting),
            ExportError::UnknownReceipt => Error::NotFound(Missing::Receipt),
            ExportError::Store(s) => Error::Store(s),
            other => Error::Export(other),
        }
    }
}
