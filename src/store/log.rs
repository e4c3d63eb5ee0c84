//! What the log writer needs from a database, as one interface
//! ([`LogStore`]): the open logs to resume, a group of appends committed
//! all or nothing, and checkpoints saved. [`SqliteLog`] implements it on
//! SQLite; another database implements the same trait.

use sqlx::pool::PoolConnection;
use sqlx::{QueryBuilder, Row, Sqlite};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{ts, MeetingRow, Result, Store};
use crate::trust::code::CodeDocument;
use crate::trust::merkle::Hash;

/// An entry already in a log, as the writer resumes it.
#[derive(Clone, Debug)]
pub struct LoggedEntry {
    pub idx: u64,
    pub kind: String,
    pub email_key: Option<String>,
    pub device_key: Option<String>,
    /// The encoded disclosures beside the entry (none once erased).
    pub disclosures: Vec<String>,
    /// When it was committed, if the stored time is readable.
    pub created_at: Option<OffsetDateTime>,
}

/// A meeting's log as stored: its entries, leaf hashes and the size of its
/// latest checkpoint.
#[derive(Clone, Debug, Default)]
pub struct StoredLog {
    pub entries: Vec<LoggedEntry>,
    pub leaves: Vec<Hash>,
    /// Size of the latest checkpoint (0 without one).
    pub checkpointed: u64,
}

/// One signed entry to append.
#[derive(Clone, Copy, Debug)]
pub struct NewRow<'a> {
    pub meeting_id: &'a str,
    pub idx: u64,
    pub kind: &'a str,
    pub payload: &'a [u8],
    pub signature: &'a [u8; 64],
    pub disclosures: &'a [String],
    pub leaf: &'a Hash,
    pub email_key: Option<&'a str>,
    pub device_key: Option<&'a str>,
}

/// A meeting closed by a group, with its final signed checkpoint.
#[derive(Clone, Copy, Debug)]
pub struct Closed<'a> {
    pub meeting_id: &'a str,
    pub size: u64,
    pub note: &'a str,
}

/// A group of appends, committed all or nothing.
#[derive(Clone, Debug)]
pub struct GroupCommit<'a> {
    pub entries: Vec<NewRow<'a>>,
    /// DSSE keyid of the key that signed the entries.
    pub keyid: &'a str,
    /// Draft meetings this group opens (its entry 0 is among `entries`).
    pub opened: Vec<&'a str>,
    pub closed: Vec<Closed<'a>>,
    pub at: OffsetDateTime,
}

/// What the log writer needs from a database.
// The writer drives its store on its own single-threaded runtime, so the
// futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait LogStore {
    /// Meetings that are open: their logs are resumed.
    async fn open_meetings(&mut self) -> Result<Vec<MeetingRow>>;
    /// A meeting's log as stored.
    async fn load_log(&mut self, meeting_id: &str) -> Result<StoredLog>;
    async fn meeting(&mut self, meeting_id: &str) -> Result<Option<MeetingRow>>;
    async fn code(&mut self, sha256: &str) -> Result<Option<CodeDocument>>;
    /// Appends a group's entries, opens and closes its meetings and stores
    /// their final checkpoints, all in one transaction: on error nothing
    /// of it is recorded.
    async fn commit_group(&mut self, group: &GroupCommit<'_>) -> Result<()>;
    /// Stores a signed checkpoint (once per size).
    async fn save_checkpoint(
        &mut self,
        meeting_id: &str,
        size: u64,
        note: &str,
        at: OffsetDateTime,
    ) -> Result<()>;
}

/// The log store on SQLite: reads through the pool, appends through the
/// writer's own connection.
pub struct SqliteLog {
    store: Store,
    conn: PoolConnection<Sqlite>,
}

impl SqliteLog {
    /// Takes a connection of `store`'s pool for appends.
    pub async fn new(store: &Store) -> Result<Self> {
        Ok(Self {
            conn: store.pool().acquire().await?,
            store: store.clone(),
        })
    }
}

impl LogStore for SqliteLog {
    async fn open_meetings(&mut self) -> Result<Vec<MeetingRow>> {
        self.store.open_meetings().await
    }

    async fn load_log(&mut self, meeting_id: &str) -> Result<StoredLog> {
        let rows = sqlx::query(
            "SELECT idx, kind, email_key, device_key, disclosures, created_at FROM entries WHERE meeting_id = ? ORDER BY idx",
        )
        .bind(meeting_id)
        .fetch_all(self.store.pool())
        .await?;
        let entries = rows
            .iter()
            .map(|r| {
                let idx: i64 = r.try_get("idx")?;
                let disclosures: String = r.try_get("disclosures")?;
                let created: String = r.try_get("created_at")?;
                Ok(LoggedEntry {
                    idx: idx as u64,
                    kind: r.try_get("kind")?,
                    email_key: r.try_get("email_key")?,
                    device_key: r.try_get("device_key")?,
                    disclosures: serde_json::from_str(&disclosures).unwrap_or_default(),
                    created_at: OffsetDateTime::parse(&created, &Rfc3339).ok(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(StoredLog {
            entries,
            leaves: self.store.leaves(meeting_id).await?,
            checkpointed: self
                .store
                .checkpoints(meeting_id)
                .await?
                .last()
                .map_or(0, |c| c.size),
        })
    }

    async fn meeting(&mut self, meeting_id: &str) -> Result<Option<MeetingRow>> {
        self.store.meeting(meeting_id).await
    }

    async fn code(&mut self, sha256: &str) -> Result<Option<CodeDocument>> {
        self.store.code(sha256).await
    }

    /// Sent to SQLite as one batch (`BEGIN IMMEDIATE; INSERT …; COMMIT`)
    /// so a commit costs a single round trip to the database thread.
    async fn commit_group(&mut self, g: &GroupCommit<'_>) -> Result<()> {
        if g.entries.is_empty() {
            return Ok(());
        }
        let created = ts(g.at);
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("BEGIN IMMEDIATE; ");
        // SQLite allows 32766 parameters per statement: 11 per row.
        for chunk in g.entries.chunks(2048) {
            q.push("INSERT INTO entries (meeting_id, idx, kind, payload, signature, keyid, disclosures, leaf, email_key, device_key, created_at) ");
            q.push_values(chunk, |mut b, e| {
                b.push_bind(e.meeting_id.to_owned())
                    .push_bind(e.idx as i64)
                    .push_bind(e.kind.to_owned())
                    .push_bind(e.payload.to_vec())
                    .push_bind(e.signature.to_vec())
                    .push_bind(g.keyid.to_owned())
                    .push_bind(serde_json::to_string(e.disclosures).unwrap_or_else(|_| "[]".into()))
                    .push_bind(e.leaf.to_vec())
                    .push_bind(e.email_key.map(str::to_owned))
                    .push_bind(e.device_key.map(str::to_owned))
                    .push_bind(created.clone());
            });
            q.push("; ");
        }
        for id in &g.opened {
            q.push("UPDATE meetings SET state = 'open', opened_at = ")
                .push_bind(created.clone())
                .push(" WHERE id = ")
                .push_bind(id.to_string())
                .push(" AND state = 'draft'; ");
        }
        for c in &g.closed {
            q.push("UPDATE meetings SET state = 'closed', closed_at = ")
                .push_bind(created.clone())
                .push(" WHERE id = ")
                .push_bind(c.meeting_id.to_owned())
                .push("; INSERT INTO checkpoints (meeting_id, size, note, created_at) VALUES (")
                .push_bind(c.meeting_id.to_owned())
                .push(", ")
                .push_bind(c.size as i64)
                .push(", ")
                .push_bind(c.note.to_owned())
                .push(", ")
                .push_bind(created.clone())
                .push(") ON CONFLICT DO NOTHING; ");
        }
        q.push("COMMIT;");
        let result = q.build().persistent(false).execute(&mut *self.conn).await;
        if let Err(e) = result {
            // Whatever ran of the batch is undone; the connection is clean again.
            let _ = sqlx::query("ROLLBACK").execute(&mut *self.conn).await;
            return Err(e.into());
        }
        Ok(())
    }

    async fn save_checkpoint(
        &mut self,
        meeting_id: &str,
        size: u64,
        note: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query("INSERT INTO checkpoints (meeting_id, size, note, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
            .bind(meeting_id)
            .bind(size as i64)
            .bind(note)
            .bind(ts(at))
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }
}
