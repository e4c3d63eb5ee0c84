//! A meeting's sessions as the secretary defines them. Whether a session
//! is open or closed is read from the signed entries of the meeting's log
//! (`session-open`, `session-close`), never stored twice.

use sqlx::Row;
use time::OffsetDateTime;

use super::{parse_ts, ts, with_pool, Result, Store};

/// Where a session is in its life, as the log records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionState {
    /// Defined, not opened yet.
    Planned,
    /// Opened for check-in: check-ins are for it.
    Open,
    /// Closed (or ended with the meeting).
    Closed,
}

/// A session of a meeting, with its state and check-ins so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionDef {
    pub number: u32,
    pub name: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub state: SessionState,
    pub check_ins: u64,
}

impl Store {
    /// Defines the meeting's next session; returns its number (1, 2, …).
    pub async fn add_session(
        &self,
        meeting_id: &str,
        name: &str,
        starts_at: OffsetDateTime,
        ends_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<u32> {
        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin().await?;
            let last: Option<i64> = sqlx::query_scalar(
                "SELECT number FROM meeting_sessions WHERE meeting_id = $1 ORDER BY number DESC LIMIT 1",
            )
            .bind(meeting_id)
            .fetch_optional(&mut *tx)
            .await?;
            let number = last.unwrap_or(0) + 1;
            sqlx::query(
                "INSERT INTO meeting_sessions (meeting_id, number, name, starts_at, ends_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(meeting_id)
            .bind(number)
            .bind(name)
            .bind(ts(starts_at))
            .bind(ts(ends_at))
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(u32::try_from(number).unwrap_or(u32::MAX))
        })
    }

    /// The meeting's sessions in order, each with its state and check-ins,
    /// read from the log.
    pub async fn sessions(&self, meeting_id: &str) -> Result<Vec<SessionDef>> {
        with_pool!(&self.db, |pool| {
            let defined = sqlx::query(
                "SELECT number, name, starts_at, ends_at FROM meeting_sessions WHERE meeting_id = $1 ORDER BY number",
            )
            .bind(meeting_id)
            .fetch_all(pool)
            .await?;
            if defined.is_empty() {
                return Ok(Vec::new());
            }
            let logged = sqlx::query(
                "SELECT kind, session FROM entries WHERE meeting_id = $1 AND session IS NOT NULL",
            )
            .bind(meeting_id)
            .fetch_all(pool)
            .await?;
            let closed_meeting: Option<String> =
                sqlx::query_scalar("SELECT state FROM meetings WHERE id = $1")
                    .bind(meeting_id)
                    .fetch_optional(pool)
                    .await?;
            let meeting_closed = closed_meeting.as_deref() == Some("closed");
            let mut out = Vec::with_capacity(defined.len());
            for r in &defined {
                let number: i64 = r.try_get("number")?;
                let (mut opened, mut closed, mut check_ins) = (false, false, 0u64);
                for e in &logged {
                    let session: Option<i64> = e.try_get("session")?;
                    if session != Some(number) {
                        continue;
                    }
                    let kind: String = e.try_get("kind")?;
                    match kind.as_str() {
                        "session-open" => opened = true,
                        "session-close" => closed = true,
                        "check-in" => check_ins += 1,
                        _ => {}
                    }
                }
                let state = match (opened, closed || meeting_closed) {
                    (false, _) => SessionState::Planned,
                    (true, false) => SessionState::Open,
                    (true, true) => SessionState::Closed,
                };
                out.push(SessionDef {
                    number: u32::try_from(number).unwrap_or(u32::MAX),
                    name: r.try_get("name")?,
                    starts_at: parse_ts(r.try_get("starts_at")?)?,
                    ends_at: parse_ts(r.try_get("ends_at")?)?,
                    state,
                    check_ins,
                });
            }
            Ok(out)
        })
    }

    /// The session open now in the meeting's log, by number and name.
    pub async fn open_session(&self, meeting_id: &str) -> Result<Option<(u32, String)>> {
        with_pool!(&self.db, |pool| {
            // The latest session entry, read back from the end of the log.
            let last = sqlx::query(
                "SELECT kind, session FROM entries WHERE meeting_id = $1 AND session IS NOT NULL AND kind <> 'check-in' ORDER BY idx DESC LIMIT 1",
            )
            .bind(meeting_id)
            .fetch_optional(pool)
            .await?;
            let Some(last) = last else { return Ok(None) };
            let kind: String = last.try_get("kind")?;
            if kind != "session-open" {
                return Ok(None);
            }
            let number: i64 = last.try_get("session")?;
            let name: Option<String> = sqlx::query_scalar(
                "SELECT name FROM meeting_sessions WHERE meeting_id = $1 AND number = $2",
            )
            .bind(meeting_id)
            .bind(number)
            .fetch_optional(pool)
            .await?;
            Ok(name.map(|n| (u32::try_from(number).unwrap_or(u32::MAX), n)))
        })
    }
}
