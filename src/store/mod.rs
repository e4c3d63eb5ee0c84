//! Storage: one database through sqlx, either an embedded SQLite file
//! (WAL, `synchronous=FULL`; the default) or a PostgreSQL server
//! (`synchronous_commit` on), chosen by [`Database`].
//!
//! Every SQL statement lives here. The statements are written once, in the
//! SQL both databases share, with `$1`-style parameters, and run on either
//! pool by [`with_pool!`]. Everything but log appends goes through
//! [`Store`]; log appends go through the single writer task ([`writer`]),
//! which commits them in groups through the [`log::LogStore`] interface
//! (SQLite: [`log::SqliteLog`]).

mod copy;
pub mod log;
mod personal;
mod sessions;

pub use sessions::{SessionDef, SessionState};
pub mod roster;

pub use copy::{Copied, CopyError};
pub use personal::{ErasureRow, RetentionDue};

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::meeting_state::{MeetingState, PresenceMode, UnknownWord};
use crate::trust::code::CodeDocument;
use crate::trust::log_core::SignedCheckpoint;
use crate::trust::statement::Meeting;

/// Storage failures. The cause is logged; clients see only that storage failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Unsupported(&'static str),
}

impl StoreError {
    /// Whether the failure is the disk being full or read-only, which
    /// clears up on its own once space or permission returns.
    pub fn is_unavailable(&self) -> bool {
        use sqlx::postgres::PgDatabaseError;
        if let StoreError::Db(
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed,
        ) = self
        {
            return true;
        }
        if let StoreError::Db(sqlx::Error::Database(e)) = self {
            if let Some(pg) = e.try_downcast_ref::<PgDatabaseError>() {
                // PostgreSQL's SQLSTATE classes: 08 connection exception,
                // 53 insufficient resources (disk full, out of memory, too
                // many connections), 57P01-57P03 the server shutting down or
                // starting, 25006 a read-only transaction (a standby).
                let code = pg.code();
                return code.starts_with("08")
                    || code.starts_with("53")
                    || matches!(code, "57P01" | "57P02" | "57P03" | "25006");
            }
        }
        // SQLite's primary result codes (the low byte of extended codes):
        // SQLITE_READONLY 8, SQLITE_IOERR 10, SQLITE_FULL 13,
        // SQLITE_CANTOPEN 14.
        if let StoreError::Db(sqlx::Error::Database(e)) = self {
            if let Some(code) = e.code().and_then(|c| c.parse::<i64>().ok()) {
                return matches!(code & 0xff, 8 | 10 | 13 | 14);
            }
        }
        if let StoreError::Db(sqlx::Error::Io(_)) = self {
            return true;
        }
        let text = self.to_string().to_ascii_lowercase();
        text.contains("full")
            || text.contains("readonly")
            || text.contains("read-only")
            || text.contains("disk i/o")
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// RFC 3339 text of a time.
pub fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn parse_ts(s: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| StoreError::Corrupt(format!("time {s:?}: {e}")))
}

/// A meeting as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingRow {
    pub meeting: Meeting,
    pub code_sha256: String,
    pub languages: Vec<String>,
    /// The versions of the Code offered, the original (`code_sha256`) first.
    pub versions: Vec<CodeVersion>,
    pub presence: PresenceMode,
    pub state: MeetingState,
    pub origin: String,
    pub created_by: String,
    pub created_at: String,
    pub opened_at: Option<String>,
    pub closed_at: Option<String>,
    /// Days after closing that its personal data are kept; `None`: the
    /// server's default.
    pub retain_days: Option<i64>,
    /// When the retention job erased its personal data.
    pub personal_data_erased_at: Option<String>,
    /// Where its attendees raise a concern (an `https://` URL or a
    /// `mailto:` address); `None`: the server's default. Not signed.
    pub concern_contact: Option<String>,
}

impl EntryRow {
    /// The DSSE envelope of the entry, rebuilt around the exact stored
    /// payload bytes and signature.
    pub fn envelope(&self) -> crate::trust::envelope::Envelope {
        use crate::trust::encoding::b64;
        use crate::trust::envelope::{Envelope, EnvelopeSignature, IN_TOTO_PAYLOAD_TYPE};
        Envelope {
            payload: b64(&self.payload),
            payload_type: IN_TOTO_PAYLOAD_TYPE.to_owned(),
            signatures: vec![EnvelopeSignature {
                keyid: Some(self.keyid.clone()),
                sig: b64(&self.signature),
            }],
        }
    }
}

/// One version of a meeting's Code: the original or a translation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CodeVersion {
    pub sha256: String,
    pub language: String,
}

impl MeetingRow {
    /// The offered version in this language, if any.
    pub fn version_in(&self, language: &str) -> Option<&CodeVersion> {
        self.versions.iter().find(|v| v.language == language)
    }

    /// The version with this digest, if the meeting offers it.
    pub fn version(&self, sha256: &str) -> Option<&CodeVersion> {
        self.versions.iter().find(|v| v.sha256 == sha256)
    }
}

/// A stored log entry.
#[derive(Clone, Debug)]
pub struct EntryRow {
    pub meeting_id: String,
    pub idx: u64,
    pub kind: String,
    pub payload: Vec<u8>,
    /// Ed25519 signature over PAE(in-toto payload type, payload).
    pub signature: Vec<u8>,
    pub keyid: String,
    pub disclosures: String,
    /// JSON array of the committed fields whose disclosures were erased.
    pub erased: String,
    pub leaf: [u8; 32],
    pub created_at: String,
}

/// What [`Store::delete_draft`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftDeletion {
    /// The draft is gone, and nothing of it is left.
    Deleted,
    /// There is no meeting with this id.
    NotFound,
    /// The meeting has been opened: its log is signed, and kept.
    NotDraft,
}

/// A loaded Code document (not a translation), as the console offers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeRow {
    pub sha256: String,
    /// The file name it was loaded from.
    pub name: String,
    pub language: String,
    pub title: String,
    /// Its training programme (an `https://` URL), if it has one.
    pub training_url: Option<String>,
}

/// How much a database holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Totals {
    pub meetings: i64,
    /// Log entries, in all meetings.
    pub entries: i64,
}

/// What signing in checks: an enabled account and its password hash.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub user_id: i64,
    pub password_hash: String,
}

/// An API token's name and when it last authenticated a request.
#[derive(Clone, Debug)]
pub struct TokenUse {
    pub name: String,
    pub last_used: Option<OffsetDateTime>,
}

/// A signed-in secretary's session.
#[derive(Clone, Debug)]
pub struct SessionRow {
    pub user_id: i64,
    pub email: String,
    pub csrf: String,
    pub created_at: i64,
    pub last_seen: i64,
}

/// A secretary account, as `rollcall user list` shows it.
#[derive(Clone, Debug)]
pub struct UserRow {
    pub email: String,
    pub created_at: OffsetDateTime,
    /// When the account was disabled; `None` while it may sign in.
    pub disabled_at: Option<OffsetDateTime>,
    /// Sessions still within their idle and absolute limits.
    pub active_sessions: i64,
}

/// An API token, as `rollcall token list` shows it (never its hash).
#[derive(Clone, Debug)]
pub struct TokenRow {
    pub name: String,
    pub created_at: OffsetDateTime,
    /// When it last authenticated a request, to within a minute.
    pub last_used: Option<OffsetDateTime>,
}

/// Where the data are: an SQLite file or a PostgreSQL database.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(std::path::PathBuf),
    /// A `postgres://` URL (its password, if any, is never printed).
    Postgres(String),
}

/// Why a `--database` value was refused.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a database URL: give postgres://USER@HOST/DATABASE (or postgresql://…) for PostgreSQL, or sqlite://PATH for an SQLite file")]
pub struct BadDatabaseUrl(String);

impl FromStr for Database {
    type Err = BadDatabaseUrl;
    fn from_str(s: &str) -> std::result::Result<Self, BadDatabaseUrl> {
        let s = s.trim();
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Database::Postgres(s.to_owned()));
        }
        match s.strip_prefix("sqlite://") {
            Some(path) if !path.is_empty() => Ok(Database::Sqlite(path.into())),
            _ => Err(BadDatabaseUrl(redact(s))),
        }
    }
}

/// A URL with its password replaced by `***`.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            Database::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

/// The pool of one of the two databases.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code (the same SQL) on whichever pool `$db` holds: the
/// body is compiled once for each database, `$pool` being that pool.
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:block) => {
        match $db {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Reading typed columns from a row of either database.
trait Columns {
    fn text(&self, column: &str) -> Result<String>;
    fn opt_text(&self, column: &str) -> Result<Option<String>>;
    fn int(&self, column: &str) -> Result<i64>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>>;
    fn bytes(&self, column: &str) -> Result<Vec<u8>>;
}

macro_rules! columns_of {
    ($row:ty) => {
        impl Columns for $row {
            fn text(&self, column: &str) -> Result<String> {
                Ok(self.try_get(column)?)
            }
            fn opt_text(&self, column: &str) -> Result<Option<String>> {
                Ok(self.try_get(column)?)
            }
            fn int(&self, column: &str) -> Result<i64> {
                Ok(self.try_get(column)?)
            }
            fn opt_int(&self, column: &str) -> Result<Option<i64>> {
                Ok(self.try_get(column)?)
            }
            fn bytes(&self, column: &str) -> Result<Vec<u8>> {
                Ok(self.try_get(column)?)
            }
        }
    };
}
columns_of!(sqlx::sqlite::SqliteRow);
columns_of!(sqlx::postgres::PgRow);

/// The database.
#[derive(Clone, Debug)]
pub struct Store {
    db: Pool,
}

/// A stored word (a state, a mode) parsed into its enum.
fn word<T: FromStr<Err = UnknownWord>>(s: String) -> Result<T> {
    s.parse()
        .map_err(|e: UnknownWord| StoreError::Corrupt(e.to_string()))
}

fn meeting_row(r: &impl Columns) -> Result<MeetingRow> {
    let languages: String = r.text("languages")?;
    let languages: Vec<String> = serde_json::from_str(&languages)
        .map_err(|e| StoreError::Corrupt(format!("languages: {e}")))?;
    let code_sha256: String = r.text("code_sha256")?;
    let versions: Option<String> = r.opt_text("versions")?;
    Ok(MeetingRow {
        meeting: Meeting {
            id: r.text("id")?,
            title: r.text("title")?,
            committee: r.text("committee")?,
            location: r.text("location")?,
            starts_at: parse_ts(&r.text("starts_at")?)?,
            ends_at: parse_ts(&r.text("ends_at")?)?,
            timezone: r.text("timezone")?,
        },
        versions: match versions {
            Some(v) => serde_json::from_str(&v)
                .map_err(|e| StoreError::Corrupt(format!("versions: {e}")))?,
            None => vec![CodeVersion {
                sha256: code_sha256.clone(),
                language: languages.first().cloned().unwrap_or_else(|| "en".into()),
            }],
        },
        code_sha256,
        languages,
        presence: word(r.text("presence")?)?,
        state: word(r.text("state")?)?,
        origin: r.text("origin")?,
        created_by: r.text("created_by")?,
        created_at: r.text("created_at")?,
        opened_at: r.opt_text("opened_at")?,
        closed_at: r.opt_text("closed_at")?,
        retain_days: r.opt_int("retain_days")?,
        personal_data_erased_at: r.opt_text("personal_data_erased_at")?,
        concern_contact: r.opt_text("concern_contact")?,
    })
}

fn entry_row(r: &impl Columns) -> Result<EntryRow> {
    let leaf: Vec<u8> = r.bytes("leaf")?;
    let idx: i64 = r.int("idx")?;
    Ok(EntryRow {
        meeting_id: r.text("meeting_id")?,
        idx: idx as u64,
        kind: r.text("kind")?,
        payload: r.bytes("payload")?,
        signature: r.bytes("signature")?,
        keyid: r.text("keyid")?,
        disclosures: r.text("disclosures")?,
        erased: r.text("erased")?,
        leaf: leaf
            .try_into()
            .map_err(|_| StoreError::Corrupt("leaf hash is not 32 bytes".into()))?,
        created_at: r.text("created_at")?,
    })
}

impl Store {
    /// Opens (creating if needed) the database and migrates it.
    pub async fn connect(db: &Database) -> Result<Self> {
        match db {
            Database::Sqlite(path) => Self::open(path).await,
            Database::Postgres(url) => Self::open_postgres(url).await,
        }
    }

    /// Opens (creating if needed) the SQLite database at `path` and
    /// migrates it.
    pub async fn open(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Deleted content is overwritten with zeros, so what is erased
            // is gone from the database file, not only unlinked.
            .pragma("secure_delete", "ON")
            // No connection copies the write-ahead log into the database
            // file when committing (SQLite's default, every 1000 pages):
            // that made the commit that crossed the mark wait for the copy
            // and its fsync, and the check-ins in it with it (0.4-0.65 s).
            // The server copies it in the background instead
            // (`checkpoint_wal`); the last connection to close copies the rest.
            .pragma("wal_autocheckpoint", "0")
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self {
            db: Pool::Sqlite(pool),
        })
    }

    /// Connects to the PostgreSQL database at `url` and migrates it. The
    /// migrations take PostgreSQL's advisory lock, so instances starting
    /// at the same moment apply them once.
    pub async fn open_postgres(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?
            .application_name("rollcall")
            // A check-in is acknowledged only once it is durable.
            .options([("synchronous_commit", "on")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // While the server is away, requests fail fast (503) instead
            // of queueing; connections are made again once it is back.
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self {
            db: Pool::Postgres(pool),
        })
    }

    /// Whether other processes may append to the same logs (PostgreSQL:
    /// several instances on one database). An SQLite file has one server.
    pub fn is_shared(&self) -> bool {
        matches!(self.db, Pool::Postgres(_))
    }

    /// Writes a consistent copy of the whole database to `path` (a new
    /// file), while others keep reading and writing (`VACUUM INTO`).
    pub async fn backup_to(&self, path: &Path) -> Result<()> {
        let Pool::Sqlite(pool) = &self.db else {
            return Err(StoreError::Unsupported(
                "rollcall backup copies an SQLite database; back up PostgreSQL with its own tools (pg_dump, or the base backups and WAL archive you already run)",
            ));
        };
        {
            let target = path.to_str().ok_or_else(|| {
                StoreError::Corrupt(format!("{} is not a UTF-8 path", path.display()))
            })?;
            sqlx::query("VACUUM INTO ?")
                .bind(target)
                .execute(pool)
                .await?;
            Ok(())
        }
    }

    /// SQLite's own check of the database file: `None` if it is sound,
    /// else its first complaints.
    pub async fn integrity_problems(&self) -> Result<Option<String>> {
        let Pool::Sqlite(pool) = &self.db else {
            return Ok(None);
        };
        {
            let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check(10)")
                .fetch_all(pool)
                .await?;
            Ok(match rows.as_slice() {
                [ok] if ok == "ok" => None,
                _ => Some(rows.join("; ")),
            })
        }
    }

    /// How many meetings and log entries the database holds.
    pub async fn totals(&self) -> Result<Totals> {
        with_pool!(&self.db, |pool| {
            let meetings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meetings")
                .fetch_one(pool)
                .await?;
            let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entries")
                .fetch_one(pool)
                .await?;
            Ok(Totals { meetings, entries })
        })
    }

    /// Opens an existing database file read-only, as it is (no migration):
    /// for checking a backup.
    pub async fn open_read_only(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .read_only(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(Self {
            db: Pool::Sqlite(pool),
        })
    }

    pub(crate) fn pools(&self) -> &Pool {
        &self.db
    }

    /// The SQLite pool, if the store is SQLite (for tests that alter the
    /// database by hand).
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.db {
            Pool::Sqlite(p) => Some(p),
            Pool::Postgres(_) => None,
        }
    }

    /// Copies what the write-ahead log holds into the SQLite database file
    /// without waiting for, or blocking, anyone (a passive checkpoint), off
    /// the log writer's commit path; returns how many pages the log held.
    /// PostgreSQL runs its own checkpoints.
    pub async fn checkpoint_wal(&self) -> Result<i64> {
        let Pool::Sqlite(pool) = &self.db else {
            return Ok(0);
        };
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(pool)
            .await?;
        Ok(row.try_get(1)?)
    }

    /// Cheap liveness check.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(&self.db, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
            Ok(())
        })
    }

    // ---- Code documents ----

    /// Stores a Code document (idempotent); returns its digest.
    pub async fn put_code(&self, code: &CodeDocument, now: OffsetDateTime) -> Result<String> {
        with_pool!(&self.db, |pool| {
            let digest = code.digest().to_hex();
            sqlx::query(
                "INSERT INTO codes (sha256, name, language, title, text, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(&digest)
            .bind(&code.name)
            .bind(&code.language)
            .bind(code.title())
            .bind(&code.text)
            .bind(ts(now))
            .execute(pool)
            .await?;
            Ok(digest)
        })
    }

    /// Records that the Code `translation` translates `original`.
    pub async fn set_translation_of(&self, translation: &str, original: &str) -> Result<()> {
        with_pool!(&self.db, |pool| {
            sqlx::query("UPDATE codes SET translation_of = $1 WHERE sha256 = $2")
                .bind(original)
                .bind(translation)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// The original a Code translates, if it is a translation.
    pub async fn translation_of(&self, sha256: &str) -> Result<Option<String>> {
        with_pool!(&self.db, |pool| {
            Ok(
                sqlx::query_scalar("SELECT translation_of FROM codes WHERE sha256 = $1")
                    .bind(sha256)
                    .fetch_optional(pool)
                    .await?
                    .flatten(),
            )
        })
    }

    /// The translations of a Code, by language.
    pub async fn translations(&self, sha256: &str) -> Result<Vec<CodeVersion>> {
        with_pool!(&self.db, |pool| {
            let rows = sqlx::query(
            "SELECT sha256, language FROM codes WHERE translation_of = $1 ORDER BY language, created_at",
        )
        .bind(sha256)
        .fetch_all(pool)
        .await?;
            rows.iter()
                .map(|r| {
                    Ok(CodeVersion {
                        sha256: r.try_get("sha256")?,
                        language: r.try_get("language")?,
                    })
                })
                .collect()
        })
    }

    /// A Code document by digest.
    pub async fn code(&self, sha256: &str) -> Result<Option<CodeDocument>> {
        with_pool!(&self.db, |pool| {
            let row = sqlx::query("SELECT name, language, text FROM codes WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(pool)
                .await?;
            row.map(|r| {
                Ok(CodeDocument {
                    name: r.try_get("name")?,
                    language: r.try_get("language")?,
                    text: r.try_get("text")?,
                })
            })
            .transpose()
        })
    }

    /// Sets (or, with `None`, removes) the link to a Code's training
    /// programme; `false` if no Code has this digest. The link is not part
    /// of the Code: its digest covers the text alone.
    pub async fn set_training_url(&self, sha256: &str, url: Option<&str>) -> Result<bool> {
        with_pool!(&self.db, |pool| {
            let r = sqlx::query("UPDATE codes SET training_url = $1 WHERE sha256 = $2")
                .bind(url)
                .bind(sha256)
                .execute(pool)
                .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    /// The link to a Code's training programme, if it has one.
    pub async fn training_url(&self, sha256: &str) -> Result<Option<String>> {
        with_pool!(&self.db, |pool| {
            Ok(
                sqlx::query_scalar("SELECT training_url FROM codes WHERE sha256 = $1")
                    .bind(sha256)
                    .fetch_optional(pool)
                    .await?
                    .flatten(),
            )
        })
    }

    /// Every loaded Code document that is not a translation.
    pub async fn codes(&self) -> Result<Vec<CodeRow>> {
        with_pool!(&self.db, |pool| {
            let rows = sqlx::query(
                "SELECT sha256, name, language, title, training_url FROM codes WHERE translation_of IS NULL
             ORDER BY created_at, sha256",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(CodeRow {
                        sha256: r.try_get("sha256")?,
                        name: r.try_get("name")?,
                        language: r.try_get("language")?,
                        title: r.try_get("title")?,
                        training_url: r.try_get("training_url")?,
                    })
                })
                .collect()
        })
    }

    // ---- Settings ----

    pub async fn setting(&self, key: &str) -> Result<Option<Vec<u8>>> {
        with_pool!(&self.db, |pool| {
            Ok(
                sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_optional(pool)
                    .await?,
            )
        })
    }

    pub async fn set_setting(&self, key: &str, value: &[u8]) -> Result<()> {
        with_pool!(&self.db, |pool| {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Stores `value` unless the setting exists; returns the stored value
    /// (the first writer's, when several start at once).
    pub async fn first_setting(&self, key: &str, value: &[u8]) -> Result<Vec<u8>> {
        with_pool!(&self.db, |pool| {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(value)
            .execute(pool)
            .await?;
            Ok(
                sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    pub async fn delete_setting(&self, key: &str) -> Result<()> {
        with_pool!(&self.db, |pool| {
            sqlx::query("DELETE FROM settings WHERE key = $1")
                .bind(key)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    // ---- Users, sessions, tokens ----

    pub async fn user_count(&self) -> Result<i64> {
        with_pool!(&self.db, |pool| {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
                .fetch_one(pool)
                .await?)
        })
    }

    /// Creates a user; `false` if the email is taken.
    pub async fn create_user(
        &self,
        email: &str,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> Result<bool> {
        with_pool!(&self.db, |pool| {
            let r = sqlx::query(
            "INSERT INTO users (email, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING",
        )
        .bind(email)
        .bind(password_hash)
        .bind(ts(now))
        .execute(pool)
        .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    /// The account that may sign in with this email: a disabled account
    /// is as unknown as a missing one.
    pub async fn enabled_user(&self, email: &str) -> Result<Option<Credentials>> {
        with_pool!(&self.db, |pool| {
            let row = sqlx::query(
                "SELECT id, password_hash FROM users WHERE email = $1 AND disabled_at IS NULL",
            )
            .bind(email)
            .fetch_optional(pool)
            .await?;
            row.map(|r| {
                Ok(Credentials {
                    user_id: r.try_get("id")?,
                    password_hash: r.try_get("password_hash")?,
                })
            })
            .transpose()
        })
    }

    /// Every secretary account, by email. A session counts as active if it
    /// was seen at or after `seen_since` and created at or after
    /// `created_since` (unix seconds).
    pub async fn users(&self, seen_since: i64, created_since: i64) -> Result<Vec<UserRow>> {
        with_pool!(&self.db, |pool| {
            let rows = sqlx::query(
                "SELECT u.email, u.created_at, u.disabled_at,
                    (SELECT COUNT(*) FROM sessions s
                     WHERE s.user_id = u.id AND s.last_seen >= $1 AND s.created_at >= $2)
                    AS active_sessions
             FROM users u ORDER BY u.email",
            )
            .bind(seen_since)
            .bind(created_since)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let disabled_at: Option<String> = r.try_get("disabled_at")?;
                    Ok(UserRow {
                        email: r.try_get("email")?,
                        created_at: parse_ts(r.try_get("created_at")?)?,
                        disabled_at: disabled_at.as_deref().map(parse_ts).transpose()?,
                        active_sessions: r.try_get("active_sessions")?,
                    })
                })
                .collect()
        })
    }

    /// When the account with this email was disabled: `None` if there is
    /// no such account, `Some(None)` if it is enabled.
    pub async fn user_disabled_at(&self, email: &str) -> Result<Option<Option<OffsetDateTime>>> {
        with_pool!(&self.db, |pool| {
            let row: Option<Option<String>> =
                sqlx::query_scalar("SELECT disabled_at FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(pool)
                    .await?;
            row.map(|d| d.as_deref().map(parse_ts).transpose())
                .transpose()
        })
    }

    /// Disables an account (keeping the first time it was disabled) and
    /// deletes its sessions, in one transaction. `None` if there is no such
    /// account, else the number of sessions ended.
    pub async fn disable_user(&self, email: &str, now: OffsetDateTime) -> Result<Option<u64>> {
        self.update_user_ending_sessions(
            "UPDATE users SET disabled_at = COALESCE(disabled_at, $1) WHERE email = $2",
            &ts(now),
            email,
        )
        .await
    }

    /// Lets a disabled account sign in again; `false` if there is no such
    /// account.
    pub async fn enable_user(&self, email: &str) -> Result<bool> {
        with_pool!(&self.db, |pool| {
            let r = sqlx::query("UPDATE users SET disabled_at = NULL WHERE email = $1")
                .bind(email)
                .execute(pool)
                .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    /// Sets an account's password hash and deletes its sessions, in one
    /// transaction. `None` if there is no such account, else the number of
    /// sessions ended.
    pub async fn set_password(&self, email: &str, password_hash: &str) -> Result<Option<u64>> {
        self.update_user_ending_sessions(
            "UPDATE users SET password_hash = $1 WHERE email = $2",
            password_hash,
            email,
        )
        .await
    }

    /// Runs `update` on the account with `email` (its parameters: `value`,
    /// then the email) and deletes the account's sessions, in one
    /// transaction. `None` if there is no such account, else the number of
    /// sessions ended.
    async fn update_user_ending_sessions(
        &self,
        update: &str,
        value: &str,
        email: &str,
    ) -> Result<Option<u64>> {
        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin().await?;
            let updated = sqlx::query(update)
                .bind(value)
                .bind(email)
                .execute(&mut *tx)
                .await?;
            if updated.rows_affected() == 0 {
                return Ok(None);
            }
            let ended = sqlx::query(
                "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = $1)",
            )
            .bind(email)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(ended.rows_affected()))
        })
    }

    /// Creates a session for a user whose password was just checked against
    /// `password_hash`. `false` (and no session) if the account was disabled
    /// or its password changed in the meantime.
    pub async fn create_session(
        &self,
        id_hash: &[u8],
        user_id: i64,
        password_hash: &str,
        csrf: &str,
        now: i64,
    ) -> Result<bool> {
        with_pool!(&self.db, |pool| {
            let r = sqlx::query(
                "INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen)
             SELECT $1, id, $2, $3, $4 FROM users
             WHERE id = $5 AND password_hash = $6 AND disabled_at IS NULL",
            )
            .bind(id_hash)
            .bind(csrf)
            .bind(now)
            .bind(now)
            .bind(user_id)
            .bind(password_hash)
            .execute(pool)
            .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    /// The session with this id hash, if its account is enabled.
    pub async fn session(&self, id_hash: &[u8]) -> Result<Option<SessionRow>> {
        with_pool!(&self.db, |pool| {
            let row = sqlx::query(
                "SELECT s.user_id, u.email, s.csrf, s.created_at, s.last_seen
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = $1 AND u.disabled_at IS NULL",
            )
            .bind(id_hash)
            .fetch_optional(pool)
            .await?;
            row.map(|r| {
                Ok(SessionRow {
                    user_id: r.try_get("user_id")?,
                    email: r.try_get("email")?,
                    csrf: r.try_get("csrf")?,
                    created_at: r.try_get("created_at")?,
                    last_seen: r.try_get("last_seen")?,
                })
            })
            .transpose()
        })
    }

    pub async fn touch_session(&self, id_hash: &[u8], now: i64) -> Result<()> {
        with_pool!(&self.db, |pool| {
            sqlx::query("UPDATE sessions SET last_seen = $1 WHERE id_hash = $2")
                .bind(now)
                .bind(id_hash)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Deletes every session last seen before `seen_before` or created
    /// before `created_before` (expired ones); returns how many.
    pub async fn delete_expired_sessions(
        &self,
        seen_before: i64,
        created_before: i64,
    ) -> Result<u64> {
        with_pool!(&self.db, |pool| {
            let r = sqlx::query("DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2")
                .bind(seen_before)
                .bind(created_before)
                .execute(pool)
                .await?;
            Ok(r.rows_affected())
        })
    }

    pub async fn delete_session(&self, id_hash: &[u8]) -> Result<()> {
        with_pool!(&self.db, |pool| {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Creates an API token; `false` if the name is taken.
    pub async fn create_token(
        &self,
        name: &str,
        token_hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<bool> {
        with_pool!(&self.db, |pool| {
            let r = sqlx::query(
            "INSERT INTO api_tokens (name, token_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(token_hash)
        .bind(ts(now))
        .execute(pool)
        .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    /// The name of the token with this hash and when it was last used (an
    /// unreadable time counts as never, so the next use rewrites it).
    pub async fn token(&self, token_hash: &[u8]) -> Result<Option<TokenUse>> {
        with_pool!(&self.db, |pool| {
            let row = sqlx::query("SELECT name, last_used FROM api_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(pool)
                .await?;
            row.map(|r| {
                let last_used: Option<String> = r.try_get("last_used")?;
                Ok(TokenUse {
                    name: r.try_get("name")?,
                    last_used: last_used.and_then(|t| OffsetDateTime::parse(&t, &Rfc3339).ok()),
                })
            })
            .transpose()
        })
    }

    /// Records that the token with this hash authenticated a request.
    pub async fn token_used(&self, token_hash: &[u8], now: OffsetDateTime) -> Result<()> {
        with_pool!(&self.db, |pool| {
            sqlx::query("UPDATE api_tokens SET last_used = $1 WHERE token_hash = $2")
                .bind(ts(now))
                .bind(token_hash)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Every API token, oldest first.
    pub async fn tokens(&self) -> Result<Vec<TokenRow>> {
        with_pool!(&self.db, |pool| {
            let rows = sqlx::query(
                "SELECT name, created_at, last_used FROM api_tokens ORDER BY created_at, name",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let last_used: Option<String> = r.try_get("last_used")?;
                    Ok(TokenRow {
                        name: r.try_get("name")?,
                        created_at: parse_ts(r.try_get("created_at")?)?,
                        last_used: last_used.as_deref().map(parse_ts).transpose()?,
                    })
                })
                .collect()
        })
    }

    /// Deletes the token with this name; `false` if there is none. The
    /// server looks tokens up on every request, so it is refused at once.
    pub async fn revoke_token(&self, name: &str) -> Result<bool> {
        with_pool!(&self.db, |pool| {
            let r = sqlx::query("DELETE FROM api_tokens WHERE name = $1")
                .bind(name)
                .execute(pool)
                .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    // ---- Meetings ----

    pub async fn insert_meeting(&self, m: &MeetingRow) -> Result<()> {
        with_pool!(&self.db, |pool| {
            sqlx::query(
            "INSERT INTO meetings (id, title, committee, location, starts_at, ends_at, timezone,
               code_sha256, languages, versions, presence, state, origin, created_by, created_at,
               concern_contact)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(&m.meeting.id)
        .bind(&m.meeting.title)
        .bind(&m.meeting.committee)
        .bind(&m.meeting.location)
        .bind(ts(m.meeting.starts_at))
        .bind(ts(m.meeting.ends_at))
        .bind(&m.meeting.timezone)
        .bind(&m.code_sha256)
        .bind(serde_json::to_string(&m.languages).unwrap_or_else(|_| "[]".into()))
        .bind(serde_json::to_string(&m.versions).unwrap_or_else(|_| "[]".into()))
        .bind(m.presence.as_str())
        .bind(m.state.as_str())
        .bind(&m.origin)
        .bind(&m.created_by)
        .bind(&m.created_at)
        .bind(&m.concern_contact)
        .execute(pool)
        .await?;
            Ok(())
        })
    }

    /// Rewrites a draft meeting's schedule and Code; `false` (and nothing
    /// changed) if the meeting is no longer a draft.
    pub async fn update_draft(&self, m: &MeetingRow) -> Result<bool> {
        with_pool!(&self.db, |pool| {
            let r = sqlx::query(
            "UPDATE meetings SET title = $1, committee = $2, location = $3, starts_at = $4, ends_at = $5,
               timezone = $6, code_sha256 = $7, languages = $8, versions = $9, presence = $10,
               concern_contact = $11
             WHERE id = $12 AND state = 'draft'",
        )
        .bind(&m.meeting.title)
        .bind(&m.meeting.committee)
        .bind(&m.meeting.location)
        .bind(ts(m.meeting.starts_at))
        .bind(ts(m.meeting.ends_at))
        .bind(&m.meeting.timezone)
        .bind(&m.code_sha256)
        .bind(serde_json::to_string(&m.languages).unwrap_or_else(|_| "[]".into()))
        .bind(serde_json::to_string(&m.versions).unwrap_or_else(|_| "[]".into()))
        .bind(m.presence.as_str())
        .bind(&m.concern_contact)
        .bind(&m.meeting.id)
        .execute(pool)
        .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    /// Deletes a meeting created by mistake, if it is still a draft: in one
    /// statement, so that it cannot be opened in between. A draft has no log
    /// entries and no checkpoints (nothing else refers to a meeting); a
    /// meeting that has any, whatever its state, is never deleted.
    pub async fn delete_draft(&self, id: &str) -> Result<DraftDeletion> {
        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin().await?;
            // Its sessions go with it (the same condition, so a meeting with
            // a log keeps them).
            sqlx::query(
                "DELETE FROM meeting_sessions WHERE meeting_id = $1
               AND EXISTS (SELECT 1 FROM meetings WHERE id = $1 AND state = 'draft')
               AND NOT EXISTS (SELECT 1 FROM entries WHERE meeting_id = $1)
               AND NOT EXISTS (SELECT 1 FROM checkpoints WHERE meeting_id = $1)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let r = sqlx::query(
                "DELETE FROM meetings WHERE id = $1 AND state = 'draft'
               AND NOT EXISTS (SELECT 1 FROM entries WHERE meeting_id = meetings.id)
               AND NOT EXISTS (SELECT 1 FROM checkpoints WHERE meeting_id = meetings.id)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            if r.rows_affected() == 1 {
                return Ok(DraftDeletion::Deleted);
            }
            // Not deleted: a meeting still there has something signed (it was
            // opened, and meetings never go back to being drafts).
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM meetings WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await?;
            Ok(if exists.is_some() {
                DraftDeletion::NotDraft
            } else {
                DraftDeletion::NotFound
            })
        })
    }

    pub async fn meeting(&self, id: &str) -> Result<Option<MeetingRow>> {
        with_pool!(&self.db, |pool| {
            sqlx::query("SELECT * FROM meetings WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(meeting_row)
                .transpose()
        })
    }

    /// All meetings, newest first.
    pub async fn meetings(&self) -> Result<Vec<MeetingRow>> {
        with_pool!(&self.db, |pool| {
            sqlx::query("SELECT * FROM meetings ORDER BY starts_at DESC, id")
                .fetch_all(pool)
                .await?
                .iter()
                .map(meeting_row)
                .collect()
        })
    }

    /// Meetings that are open (their logs are loaded at start-up).
    pub async fn open_meetings(&self) -> Result<Vec<MeetingRow>> {
        with_pool!(&self.db, |pool| {
            sqlx::query("SELECT * FROM meetings WHERE state = 'open'")
                .fetch_all(pool)
                .await?
                .iter()
                .map(meeting_row)
                .collect()
        })
    }

    // ---- Entries and checkpoints ----

    /// Every entry of a meeting's log, in order.
    pub async fn entries(&self, meeting_id: &str) -> Result<Vec<EntryRow>> {
        with_pool!(&self.db, |pool| {
            sqlx::query("SELECT * FROM entries WHERE meeting_id = $1 ORDER BY idx")
                .bind(meeting_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(entry_row)
                .collect()
        })
    }

    /// The leaf hashes of a meeting's log, in order.
    pub async fn leaves(&self, meeting_id: &str) -> Result<Vec<[u8; 32]>> {
        with_pool!(&self.db, |pool| {
            let rows: Vec<Vec<u8>> =
                sqlx::query_scalar("SELECT leaf FROM entries WHERE meeting_id = $1 ORDER BY idx")
                    .bind(meeting_id)
                    .fetch_all(pool)
                    .await?;
            rows.into_iter()
                .map(|l| {
                    l.try_into()
                        .map_err(|_| StoreError::Corrupt("leaf hash is not 32 bytes".into()))
                })
                .collect()
        })
    }

    /// The leaf hashes of a meeting's log from index `from` on.
    pub async fn leaves_from(&self, meeting_id: &str, from: u64) -> Result<Vec<[u8; 32]>> {
        with_pool!(&self.db, |pool| {
            let rows: Vec<Vec<u8>> = sqlx::query_scalar(
                "SELECT leaf FROM entries WHERE meeting_id = $1 AND idx >= $2 ORDER BY idx",
            )
            .bind(meeting_id)
            .bind(from as i64)
            .fetch_all(pool)
            .await?;
            rows.into_iter()
                .map(|l| {
                    l.try_into()
                        .map_err(|_| StoreError::Corrupt("leaf hash is not 32 bytes".into()))
                })
                .collect()
        })
    }

    /// Entry `idx` of a meeting's log.
    pub async fn entry(&self, meeting_id: &str, idx: u64) -> Result<Option<EntryRow>> {
        with_pool!(&self.db, |pool| {
            sqlx::query("SELECT * FROM entries WHERE meeting_id = $1 AND idx = $2")
                .bind(meeting_id)
                .bind(idx as i64)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(entry_row)
                .transpose()
        })
    }

    /// Every (size, note) checkpoint of a meeting, oldest first.
    pub async fn checkpoints(&self, meeting_id: &str) -> Result<Vec<SignedCheckpoint>> {
        with_pool!(&self.db, |pool| {
            let rows = sqlx::query(
                "SELECT size, note FROM checkpoints WHERE meeting_id = $1 ORDER BY size",
            )
            .bind(meeting_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(SignedCheckpoint {
                        size: r.try_get::<i64, _>("size")? as u64,
                        note: r.try_get("note")?,
                    })
                })
                .collect()
        })
    }

    /// Reads meeting `id`'s entries from index `from` on: the index after
    /// the last one read (`from` when there is none), and how many of them
    /// are check-ins made with the remote link. The signed payload says
    /// so: `"presence":{"method":"remote"}` cannot appear in it otherwise,
    /// as quotes inside JSON strings are escaped.
    pub async fn remote_check_ins_from(&self, id: &str, from: i64) -> Result<(i64, i64)> {
        const NEEDLE: &[u8] = br#""presence":{"method":"remote"}"#;
        let sql = |find: &str| {
            format!(
                "SELECT COALESCE(MAX(idx) + 1, $2) AS next, \
                 COALESCE(SUM(CASE WHEN kind = 'check-in' AND {find} > 0 THEN 1 ELSE 0 END), 0) AS n \
                 FROM entries WHERE meeting_id = $1 AND idx >= $2"
            )
        };
        let (next, n): (i64, i64) = match &self.db {
            Pool::Sqlite(pool) => {
                let r = sqlx::query(&sql("instr(payload, $3)"))
                    .bind(id)
                    .bind(from)
                    .bind(NEEDLE)
                    .fetch_one(pool)
                    .await?;
                (r.try_get("next")?, r.try_get("n")?)
            }
            Pool::Postgres(pool) => {
                let r = sqlx::query(&sql("position($3::bytea in payload)"))
                    .bind(id)
                    .bind(from)
                    .bind(NEEDLE)
                    .fetch_one(pool)
                    .await?;
                (r.try_get("next")?, r.try_get("n")?)
            }
        };
        Ok((next, n))
    }

    /// Check-ins of one meeting, struck ones left out: read from that
    /// meeting's entries only.
    pub async fn check_in_count(&self, meeting_id: &str) -> Result<i64> {
        with_pool!(&self.db, |pool| {
            let n: Option<i64> = sqlx::query_scalar(
                "SELECT CAST(SUM(CASE kind WHEN 'check-in' THEN 1 WHEN 'strike' THEN -1 ELSE 0 END) AS BIGINT)
                 FROM entries WHERE meeting_id = $1",
            )
            .bind(meeting_id)
            .fetch_one(pool)
            .await?;
            Ok(n.unwrap_or(0))
        })
    }

    /// Number of check-ins per meeting id, struck ones left out.
    pub async fn check_in_counts(&self) -> Result<std::collections::HashMap<String, i64>> {
        with_pool!(&self.db, |pool| {
            // A strike names one check-in, once: it is taken off the count.
            let rows = sqlx::query(
                "SELECT meeting_id, CAST(SUM(CASE kind WHEN 'check-in' THEN 1 ELSE -1 END) AS BIGINT) AS n
                 FROM entries WHERE kind IN ('check-in', 'strike') GROUP BY meeting_id",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("meeting_id")?, r.try_get("n")?)))
                .collect()
        })
    }
}
