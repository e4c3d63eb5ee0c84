//! The application: what a secretary, an attendee or an operator does, one
//! action per file. Each action validates its input, applies rate limits,
//! calls the store and the log writer, and keeps the meeting cache up to
//! date; the web pages and the JSON API are adapters that translate
//! requests into these calls and [`Error`]s into answers. The command line
//! runs offline, without a log writer, and shares the export steps
//! ([`export`]).

mod actor;
mod amend_check_in;
mod cache;
mod check_in;
mod checkpoint;
mod close_meeting;
mod create_meeting;
mod delete_meeting;
mod edit_meeting;
mod erase_personal_data;
mod error;
pub mod export;
mod links;
mod meetings;
mod notes;
mod open_meeting;
mod rate_limit;
mod record_by_hand;
mod retention;
mod roster;
mod sessions;

use std::sync::Arc;

pub use actor::Actor;
pub use amend_check_in::{AmendInput, REASON_MAX_CHARS};
pub use cache::MeetingCache;
pub use checkpoint::LatestCheckpoint;
pub use close_meeting::Closed;
pub use error::Error;
pub use export::VerifiedList;
pub use links::CheckInLink;
pub use notes::NOTES_MAX_CHARS;
pub use rate_limit::RateLimiter;
pub use record_by_hand::ByHand;
pub use retention::MAX_RETENTION_DAYS;
pub use roster::{
    expected_absent, DelegationSummary, MatchedBy, Present, RosterImported, RosterView, RowStatus,
    RowView,
};
pub use sessions::SessionInput;

use crate::keystore::KeyringEntry;
use crate::metrics::Metrics;
use crate::presence::PresenceKey;
use crate::store::{MeetingRow, Store};
use crate::trust::keys::{PublicKey, Signer};
use crate::writer::{Logs, Writer};

/// Settings the application needs, parsed once at start-up.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Base URL printed in QR codes and links, without a trailing slash.
    pub public_url: String,
    /// How long a rotating QR code stays valid after its 30-second window.
    pub presence_grace: time::Duration,
    /// Days after a meeting closes that its attendees' personal data are
    /// kept, unless the meeting says otherwise.
    pub retain_personal_data: u32,
    /// Where attendees raise a concern when their meeting names no contact
    /// of its own (`--concern-url`): an `https://` URL or a `mailto:`
    /// address, already checked.
    pub concern_contact: Option<String>,
}

/// Everything an action may use: the store, the log writer, the keys and
/// the in-memory state shared by all requests.
pub struct App {
    pub store: Store,
    pub writer: Writer,
    pub logs: Logs,
    pub signer: Arc<Signer>,
    /// Every public key the server has signed with, current last.
    pub keyring: Vec<KeyringEntry>,
    pub presence: PresenceKey,
    pub settings: Settings,
    pub metrics: Arc<Metrics>,
    pub check_in_limit: RateLimiter,
    pub meetings: MeetingCache,
    /// How many remote check-ins each meeting's log holds, read as it grows.
    pub remote_counts: meetings::RemoteCounts,
    pub receipts: crate::receipt_id::ReceiptIds,
    /// Fonts for the PDF list, scanned once at start-up.
    pub fonts: Arc<crate::export::fonts::FontLibrary>,
}

impl App {
    /// All public keys, for verifying what this server signed.
    pub fn public_keys(&self) -> Vec<PublicKey> {
        let mut keys: Vec<PublicKey> = self.keyring.iter().map(|k| k.public_key).collect();
        if !keys.contains(self.signer.public()) {
            keys.push(*self.signer.public());
        }
        keys
    }

    /// A meeting as stored now.
    pub async fn meeting(&self, id: &str) -> Result<MeetingRow, Error> {
        self.store
            .meeting(id)
            .await?
            .ok_or(Error::NotFound(Missing::Meeting))
    }

    /// A meeting from the cache the check-in path reads.
    pub async fn cached_meeting(&self, id: &str) -> Result<Arc<MeetingRow>, Error> {
        self.meetings
            .get(&self.store, id)
            .await?
            .ok_or(Error::NotFound(Missing::Meeting))
    }

    /// The digest of the bundled Code, stored if needed: the default Code
    /// of new meetings.
    pub async fn default_code(&self, now: time::OffsetDateTime) -> Result<String, Error> {
        Ok(self
            .store
            .put_code(&crate::trust::code::CodeDocument::iso(), now)
            .await?)
    }

    /// Where the attendees of a meeting raise a concern: the meeting's own
    /// contact, else the server's default, else nowhere.
    pub fn concern_contact<'a>(&'a self, meeting: &'a MeetingRow) -> Option<&'a str> {
        meeting
            .concern_contact
            .as_deref()
            .or(self.settings.concern_contact.as_deref())
    }

    /// The host part used in log origins.
    pub fn origin_host(&self) -> String {
        let url = &self.settings.public_url;
        url.split_once("://")
            .map_or(url.as_str(), |(_, r)| r)
            .trim_end_matches('/')
            .to_owned()
    }
}

/// What an id did not name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    Meeting,
    Receipt,
    Session,
}

impl Missing {
    /// The word for it in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Missing::Meeting => "meeting",
            Missing::Receipt => "receipt",
            Missing::Session => "session",
        }
    }
}

/// An application on a fresh database in a temporary directory, with a
/// running log writer, for the actions' tests.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use time::OffsetDateTime;

    use super::{Actor, App, RateLimiter, Settings};
    use crate::meeting::NewMeeting;
    use crate::store::{MeetingRow, Store};
    use crate::trust::keys::Signer;
    use crate::writer::{Logs, Writer};

    /// The application and the directory its database lives in.
    pub struct TestApp {
        pub app: App,
        _dir: tempfile::TempDir,
    }

    impl std::ops::Deref for TestApp {
        type Target = App;

        fn deref(&self) -> &App {
            &self.app
        }
    }

    /// An application allowing `check_ins_per_minute` from one address.
    pub async fn app(check_ins_per_minute: u32) -> TestApp {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = Store::open(&dir.path().join("rollcall.db"))
            .await
            .expect("the database");
        let signer = Arc::new(Signer::generate(&mut rand_core::OsRng));
        let logs = Logs::default();
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let receipts = crate::receipt_id::ReceiptIds::new([3; 32]);
        let (writer, _) = Writer::start(
            store.clone(),
            signer.clone(),
            logs.clone(),
            metrics.clone(),
            receipts.clone(),
            std::time::Duration::from_millis(50),
        )
        .await
        .expect("the log writer");
        TestApp {
            app: App {
                store,
                writer,
                logs,
                signer,
                keyring: Vec::new(),
                presence: crate::presence::PresenceKey::new([7; 32]),
                settings: Settings {
                    public_url: "https://rollcall.example".into(),
                    presence_grace: time::Duration::minutes(10),
                    retain_personal_data: 30,
                    concern_contact: None,
                },
                metrics,
                check_in_limit: RateLimiter::new(check_ins_per_minute, check_ins_per_minute),
                meetings: Default::default(),
                remote_counts: Default::default(),
                receipts,
                fonts: Arc::new(crate::export::fonts::FontLibrary::new(None, false)),
            },
            _dir: dir,
        }
    }

    /// The secretary the tests act as.
    pub fn secretary() -> Actor {
        Actor::Secretary {
            email: "secretary@example.org".into(),
        }
    }

    /// A draft meeting created by a secretary.
    pub async fn draft(app: &App, title: &str) -> MeetingRow {
        app.create_meeting(
            NewMeeting {
                title: title.into(),
                starts_at: "2026-12-01T09:00:00+01:00".into(),
                ends_at: "2026-12-01T17:00:00+01:00".into(),
                ..NewMeeting::default()
            },
            &secretary(),
            OffsetDateTime::now_utc(),
        )
        .await
        .expect("a valid meeting")
    }
}
