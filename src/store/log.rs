//! What the log writer needs from a database, as one interface
//! ([`LogStore`]): the open logs to resume, a group of appends committed
//! all or nothing, and checkpoints saved. [`SqliteLog`] implements it on
//! SQLite, where one server owns the file; [`PgLog`] on PostgreSQL, where
//! several instances append to the same logs and the database decides
//! their order (the meeting's row lock, taken by [`LogStore::lock_logs`]).

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPool;
use sqlx::{Postgres, QueryBuilder, Row, Sqlite};
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
    /// For an amendment (a correction or a strike): the check-in it amends.
    pub amends: Option<u64>,
    /// For a check-in or a session entry: the session.
    pub session: Option<u32>,
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
    /// For an amendment: the index of the check-in it amends.
    pub amends: Option<u64>,
    /// For a check-in or a session entry: the session.
    pub session: Option<u32>,
}

/// A meeting's log as the database has it, under its lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockedLog {
    pub meeting_id: String,
    pub state: crate::meeting_state::MeetingState,
    /// How many entries it holds.
    pub size: u64,
    /// How many erasures of its attendees' personal data are recorded: when
    /// this changes, what recognises returning attendees is read again.
    pub erasures: u64,
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
    /// of it is recorded. In a shared store it ends the transaction begun
    /// by [`lock_logs`](Self::lock_logs).
    async fn commit_group(&mut self, group: &GroupCommit<'_>) -> Result<()>;
    /// Whether other processes append to the same logs. If so, the writer
    /// calls [`lock_logs`](Self::lock_logs) before planning each group,
    /// catches up with what others appended, and only then plans, signs
    /// and commits.
    fn shared(&self) -> bool {
        false
    }
    /// Begins the append transaction and locks these meetings' logs (in a
    /// fixed order, so two instances never wait for each other), returning
    /// each one's state and size as stored. Unknown meetings are left out.
    async fn lock_logs(&mut self, _meeting_ids: &[&str]) -> Result<Vec<LockedLog>> {
        Ok(Vec::new())
    }
    /// A meeting's entries from index `from` on, with their leaves (inside
    /// the lock, in a shared store).
    async fn load_log_from(&mut self, meeting_id: &str, from: u64) -> Result<StoredLog> {
        let mut log = self.load_log(meeting_id).await?;
        log.entries.retain(|e| e.idx >= from);
        log.leaves.drain(..(from as usize).min(log.leaves.len()));
        Ok(log)
    }
    /// Ends an append transaction without writing anything.
    async fn abort(&mut self) {}
    /// Stores a signed checkpoint (once per size).
    async fn save_checkpoint(
        &mut self,
        meeting_id: &str,
        size: u64,
        note: &str,
        at: OffsetDateTime,
    ) -> Result<()>;
}

fn logged_entry<R: Row>(r: &R) -> Result<LoggedEntry>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'c> i64: sqlx::Decode<'c, R::Database> + sqlx::Type<R::Database>,
    for<'c> String: sqlx::Decode<'c, R::Database> + sqlx::Type<R::Database>,
    for<'c> Option<String>: sqlx::Decode<'c, R::Database> + sqlx::Type<R::Database>,
    for<'c> Option<i64>: sqlx::Decode<'c, R::Database> + sqlx::Type<R::Database>,
{
    let idx: i64 = r.try_get("idx")?;
    let amends: Option<i64> = r.try_get("amends")?;
    let session: Option<i64> = r.try_get("session")?;
    let disclosures: String = r.try_get("disclosures")?;
    let created: String = r.try_get("created_at")?;
    Ok(LoggedEntry {
        idx: idx as u64,
        kind: r.try_get("kind")?,
        email_key: r.try_get("email_key")?,
        device_key: r.try_get("device_key")?,
        disclosures: serde_json::from_str(&disclosures).unwrap_or_default(),
        created_at: OffsetDateTime::parse(&created, &Rfc3339).ok(),
        amends: amends.and_then(|a| u64::try_from(a).ok()),
        session: session.and_then(|s| u32::try_from(s).ok()),
    })
}

fn leaf_of<R: Row>(r: &R) -> Result<Hash>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'c> Vec<u8>: sqlx::Decode<'c, R::Database> + sqlx::Type<R::Database>,
{
    let leaf: Vec<u8> = r.try_get("leaf")?;
    leaf.try_into()
        .map_err(|_| super::StoreError::Corrupt("leaf hash is not 32 bytes".into()))
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
            conn: store
                .sqlite_pool()
                .ok_or(super::StoreError::Unsupported(
                    "the SQLite log store needs an SQLite database",
                ))?
                .acquire()
                .await?,
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
            "SELECT idx, kind, email_key, device_key, disclosures, created_at, leaf, amends, session FROM entries WHERE meeting_id = $1 ORDER BY idx",
        )
        .bind(meeting_id)
        .fetch_all(&mut *self.conn)
        .await?;
        let entries = rows.iter().map(logged_entry).collect::<Result<Vec<_>>>()?;
        Ok(StoredLog {
            leaves: rows.iter().map(leaf_of).collect::<Result<_>>()?,
            entries,
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
        // SQLite allows 32766 parameters per statement: 12 per row.
        for chunk in g.entries.chunks(2048) {
            q.push("INSERT INTO entries (meeting_id, idx, kind, payload, signature, keyid, disclosures, leaf, email_key, device_key, created_at, session) ");
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
                    .push_bind(created.clone())
                    .push_bind(e.session.map(i64::from));
            });
            q.push("; ");
        }
        for e in g.entries.iter().filter(|e| e.amends.is_some()) {
            q.push("UPDATE entries SET amends = ")
                .push_bind(e.amends.map(|a| a as i64))
                .push(" WHERE meeting_id = ")
                .push_bind(e.meeting_id.to_owned())
                .push(" AND idx = ")
                .push_bind(e.idx as i64)
                .push("; ");
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
        sqlx::query(SAVE_CHECKPOINT)
            .bind(meeting_id)
            .bind(size as i64)
            .bind(note)
            .bind(ts(at))
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }
}

const SAVE_CHECKPOINT: &str = "INSERT INTO checkpoints (meeting_id, size, note, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

/// The log store on PostgreSQL, shared by every instance on the database:
/// each group is appended inside one transaction that holds its meetings'
/// row locks, taken before the group is planned, so the order of every log
/// is the database's. Reads and checkpoints go through the pool; the
/// append transaction runs on the writer's own connection (made again
/// after an error, so a restarted PostgreSQL is reconnected to).
pub struct PgLog {
    store: Store,
    pool: PgPool,
    conn: Option<PoolConnection<Postgres>>,
    /// Whether `conn` is inside the append transaction.
    in_tx: bool,
}

/// A text as an SQL string literal (PostgreSQL, standard-conforming strings).
fn literal(s: &str) -> Result<String> {
    if s.contains('\0') {
        return Err(super::StoreError::Corrupt(
            "a meeting id holds a NUL".into(),
        ));
    }
    Ok(format!("'{}'", s.replace('\'', "''")))
}

impl PgLog {
    pub fn new(store: &Store) -> Result<Self> {
        let super::Pool::Postgres(pool) = store.pools() else {
            return Err(super::StoreError::Unsupported(
                "the PostgreSQL log store needs a PostgreSQL database",
            ));
        };
        Ok(Self {
            pool: pool.clone(),
            store: store.clone(),
            conn: None,
            in_tx: false,
        })
    }

    async fn conn(&mut self) -> Result<&mut PoolConnection<Postgres>> {
        if self.conn.is_none() {
            self.conn = Some(self.pool.acquire().await?);
        }
        self.conn
            .as_mut()
            .ok_or(super::StoreError::Unsupported("no connection"))
    }

    /// Forgets the connection after an error: its state is unknown.
    fn drop_conn(&mut self) {
        self.conn = None;
        self.in_tx = false;
    }

    async fn query_log(&mut self, meeting_id: &str, from: u64) -> Result<StoredLog> {
        let q = sqlx::query(
            "SELECT idx, kind, email_key, device_key, disclosures, created_at, leaf, amends, session FROM entries WHERE meeting_id = $1 AND idx >= $2 ORDER BY idx",
        )
        .bind(meeting_id)
        .bind(from as i64);
        let rows = if self.in_tx {
            let r = q.fetch_all(&mut **self.conn().await?).await;
            if r.is_err() {
                self.drop_conn();
            }
            r?
        } else {
            q.fetch_all(&self.pool).await?
        };
        Ok(StoredLog {
            entries: rows.iter().map(logged_entry).collect::<Result<_>>()?,
            leaves: rows.iter().map(leaf_of).collect::<Result<_>>()?,
            checkpointed: 0,
        })
    }

    /// Begins the transaction, locks the meetings' rows in id order, then
    /// reads their logs' sizes, all in one round trip. The size is read by
    /// a statement of its own: under READ COMMITTED it sees every append
    /// committed before the locks were granted.
    async fn lock_and_measure(&mut self, ids: &[String]) -> Result<Vec<LockedLog>> {
        let list = ids
            .iter()
            .map(|id| literal(id))
            .collect::<Result<Vec<_>>>()?
            .join(", ");
        let sql = format!(
            "BEGIN; \
             SELECT id, state FROM meetings WHERE id IN ({list}) ORDER BY id FOR UPDATE; \
             SELECT m.id AS meeting_id, \
                    (SELECT e.idx + 1 FROM entries e WHERE e.meeting_id = m.id ORDER BY e.idx DESC LIMIT 1) AS size \
               FROM meetings m WHERE m.id IN ({list}); \
             SELECT meeting_id, COUNT(*) AS erasures FROM erasures WHERE meeting_id IN ({list}) GROUP BY meeting_id;"
        );
        let conn = self.conn().await?;
        let rows = sqlx::raw_sql(&sql).fetch_all(&mut **conn).await?;
        self.in_tx = true;
        let mut size_of = std::collections::HashMap::new();
        let mut erasures_of = std::collections::HashMap::new();
        let mut locked = Vec::new();
        for r in &rows {
            use sqlx::Column;
            let has = |name: &str| r.columns().iter().any(|c| c.name() == name);
            if has("state") {
                locked.push((
                    r.try_get::<String, _>("id")?,
                    r.try_get::<String, _>("state")?,
                ));
            } else if has("size") {
                // The last index + 1, read from the end of the primary key
                // (not a count: it costs the same however long the log).
                let size: Option<i64> = r.try_get("size")?;
                size_of.insert(
                    r.try_get::<String, _>("meeting_id")?,
                    size.unwrap_or(0) as u64,
                );
            } else {
                let n: i64 = r.try_get("erasures")?;
                erasures_of.insert(r.try_get::<String, _>("meeting_id")?, n as u64);
            }
        }
        locked
            .into_iter()
            .map(|(id, state)| {
                Ok(LockedLog {
                    size: size_of.get(&id).copied().unwrap_or(0),
                    erasures: erasures_of.get(&id).copied().unwrap_or(0),
                    meeting_id: id,
                    state: state
                        .parse()
                        .map_err(|e: crate::meeting_state::UnknownWord| {
                            super::StoreError::Corrupt(e.to_string())
                        })?,
                })
            })
            .collect()
    }

    /// The group's writes, inside the open transaction, then COMMIT.
    async fn write_group(&mut self, g: &GroupCommit<'_>) -> Result<()> {
        let created = ts(g.at);
        let conn = &mut **self.conn().await?;
        if !g.entries.is_empty() {
            let e = &g.entries;
            // One statement whatever the group's size (prepared once).
            sqlx::query(
                "INSERT INTO entries (meeting_id, idx, kind, payload, signature, keyid, disclosures, leaf, email_key, device_key, created_at, session) \
                 SELECT m, i, k, p, s, $6, d, l, ek, dk, $11, se \
                 FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::bytea[], $5::bytea[], $7::text[], $8::bytea[], $9::text[], $10::text[], $12::bigint[]) \
                   AS t(m, i, k, p, s, d, l, ek, dk, se)",
            )
            .bind(e.iter().map(|r| r.meeting_id.to_owned()).collect::<Vec<_>>())
            .bind(e.iter().map(|r| r.idx as i64).collect::<Vec<_>>())
            .bind(e.iter().map(|r| r.kind.to_owned()).collect::<Vec<_>>())
            .bind(e.iter().map(|r| r.payload.to_vec()).collect::<Vec<_>>())
            .bind(e.iter().map(|r| r.signature.to_vec()).collect::<Vec<_>>())
            .bind(g.keyid)
            .bind(
                e.iter()
                    .map(|r| serde_json::to_string(r.disclosures).unwrap_or_else(|_| "[]".into()))
                    .collect::<Vec<_>>(),
            )
            .bind(e.iter().map(|r| r.leaf.to_vec()).collect::<Vec<_>>())
            .bind(e.iter().map(|r| r.email_key.map(str::to_owned)).collect::<Vec<_>>())
            .bind(e.iter().map(|r| r.device_key.map(str::to_owned)).collect::<Vec<_>>())
            .bind(&created)
            .bind(e.iter().map(|r| r.session.map(i64::from)).collect::<Vec<_>>())
            .execute(&mut *conn)
            .await?;
        }
        // Amendments are rare: the check-in each names is set apart from
        // the one statement every append shares.
        for e in g.entries.iter().filter(|e| e.amends.is_some()) {
            sqlx::query("UPDATE entries SET amends = $1 WHERE meeting_id = $2 AND idx = $3")
                .bind(e.amends.map(|a| a as i64))
                .bind(e.meeting_id)
                .bind(e.idx as i64)
                .execute(&mut *conn)
                .await?;
        }
        for id in &g.opened {
            sqlx::query("UPDATE meetings SET state = 'open', opened_at = $1 WHERE id = $2 AND state = 'draft'")
                .bind(&created)
                .bind(*id)
                .execute(&mut *conn)
                .await?;
        }
        for c in &g.closed {
            sqlx::query("UPDATE meetings SET state = 'closed', closed_at = $1 WHERE id = $2")
                .bind(&created)
                .bind(c.meeting_id)
                .execute(&mut *conn)
                .await?;
            sqlx::query(SAVE_CHECKPOINT)
                .bind(c.meeting_id)
                .bind(c.size as i64)
                .bind(c.note)
                .bind(&created)
                .execute(&mut *conn)
                .await?;
        }
        sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
        Ok(())
    }
}

impl LogStore for PgLog {
    async fn open_meetings(&mut self) -> Result<Vec<MeetingRow>> {
        self.store.open_meetings().await
    }

    async fn load_log(&mut self, meeting_id: &str) -> Result<StoredLog> {
        let mut log = self.query_log(meeting_id, 0).await?;
        log.checkpointed = self
            .store
            .checkpoints(meeting_id)
            .await?
            .last()
            .map_or(0, |c| c.size);
        Ok(log)
    }

    async fn load_log_from(&mut self, meeting_id: &str, from: u64) -> Result<StoredLog> {
        self.query_log(meeting_id, from).await
    }

    async fn meeting(&mut self, meeting_id: &str) -> Result<Option<MeetingRow>> {
        self.store.meeting(meeting_id).await
    }

    async fn code(&mut self, sha256: &str) -> Result<Option<CodeDocument>> {
        self.store.code(sha256).await
    }

    fn shared(&self) -> bool {
        true
    }

    async fn lock_logs(&mut self, meeting_ids: &[&str]) -> Result<Vec<LockedLog>> {
        self.abort().await;
        let mut ids: Vec<String> = meeting_ids.iter().map(|s| (*s).to_owned()).collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            ids.push(String::new());
        }
        let r = self.lock_and_measure(&ids).await;
        if r.is_err() {
            self.drop_conn();
        }
        r
    }

    async fn abort(&mut self) {
        if self.in_tx {
            let ok = match self.conn.as_mut() {
                Some(c) => sqlx::raw_sql("ROLLBACK").execute(&mut **c).await.is_ok(),
                None => false,
            };
            self.in_tx = false;
            if !ok {
                self.drop_conn();
            }
        }
    }

    async fn commit_group(&mut self, g: &GroupCommit<'_>) -> Result<()> {
        if !self.in_tx {
            // Not locked first (the writer always locks): begin here.
            sqlx::raw_sql("BEGIN")
                .execute(&mut **self.conn().await?)
                .await?;
            self.in_tx = true;
        }
        if g.entries.is_empty() && g.opened.is_empty() && g.closed.is_empty() {
            self.abort().await;
            return Ok(());
        }
        let r = self.write_group(g).await;
        match r {
            Ok(()) => {
                self.in_tx = false;
                Ok(())
            }
            Err(e) => {
                // The connection may be gone with the server: a new one next
                // time; PostgreSQL rolls back what it did not commit.
                self.drop_conn();
                Err(e)
            }
        }
    }

    async fn save_checkpoint(
        &mut self,
        meeting_id: &str,
        size: u64,
        note: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query(SAVE_CHECKPOINT)
            .bind(meeting_id)
            .bind(size as i64)
            .bind(note)
            .bind(ts(at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
