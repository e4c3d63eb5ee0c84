//! The roster of expected participants and the secretary's decisions on
//! doubtful matches, on either database. The rows are personal data: an
//! erasure blanks the row of the person erased, the retention job deletes
//! them all with the meeting's other personal data.

use sqlx::Row;
use time::OffsetDateTime;

use super::{parse_ts, ts, with_pool, Result, Store, StoreError};
use crate::role::Role;
use crate::roster::{Expected, Roster};

/// A meeting's current roster, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRoster {
    pub size: u64,
    /// SHA-256 of its canonical form, lowercase hex.
    pub sha256: String,
    pub imported_by: String,
    pub imported_at: OffsetDateTime,
    /// The log index of the roster entry committing to it; `None` until
    /// the meeting opens.
    pub committed_idx: Option<u64>,
    /// Its rows in canonical order (`row_no` is the position, from 1),
    /// `None` where the row was erased.
    pub rows: Vec<(u64, Option<Expected>)>,
}

/// A secretary's decision on a doubtful match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The row and the check-in are the same person.
    Confirmed,
    /// They are not.
    Rejected,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Confirmed => "confirmed",
            Decision::Rejected => "rejected",
        }
    }
}

/// One stored decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchDecision {
    pub row_no: u64,
    pub check_in: u64,
    pub decision: Decision,
}

impl Store {
    /// Replaces the meeting's roster by `roster` (its rows and decisions
    /// go), not yet committed to the log.
    pub async fn replace_roster(
        &self,
        meeting_id: &str,
        roster: &Roster,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let sha = roster.sha256().to_string();
        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin().await?;
            for table in ["roster_rows", "roster_matches", "rosters"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE meeting_id = $1"))
                    .bind(meeting_id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO rosters (meeting_id, size, sha256, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(meeting_id)
            .bind(roster.rows().len() as i64)
            .bind(&sha)
            .bind(by)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            for (i, r) in roster.rows().iter().enumerate() {
                sqlx::query(
                    "INSERT INTO roster_rows (meeting_id, row_no, name, organization, country, role, email) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(meeting_id)
                .bind(i as i64 + 1)
                .bind(&r.name)
                .bind(&r.organization)
                .bind(&r.country)
                .bind(r.role.as_str())
                .bind(r.email.as_deref())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records that the roster with digest `sha256` is committed to by the
    /// log entry at `idx`.
    pub async fn roster_committed(&self, meeting_id: &str, sha256: &str, idx: u64) -> Result<()> {
        with_pool!(&self.db, |pool| {
            sqlx::query(
                "UPDATE rosters SET committed_idx = $1 WHERE meeting_id = $2 AND sha256 = $3",
            )
            .bind(idx as i64)
            .bind(meeting_id)
            .bind(sha256)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The meeting's current roster, if it has one.
    pub async fn roster(&self, meeting_id: &str) -> Result<Option<StoredRoster>> {
        with_pool!(&self.db, |pool| {
            let Some(r) = sqlx::query(
                "SELECT size, sha256, imported_by, imported_at, committed_idx FROM rosters WHERE meeting_id = $1",
            )
            .bind(meeting_id)
            .fetch_optional(pool)
            .await?
            else {
                return Ok(None);
            };
            let rows = sqlx::query(
                "SELECT row_no, name, organization, country, role, email, erased FROM roster_rows WHERE meeting_id = $1 ORDER BY row_no",
            )
            .bind(meeting_id)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let row_no: i64 = row.try_get("row_no")?;
                let erased: i64 = row.try_get("erased")?;
                let role: String = row.try_get("role")?;
                let expected = if erased != 0 {
                    None
                } else {
                    Some(Expected {
                        name: row.try_get("name")?,
                        organization: row.try_get("organization")?,
                        country: row.try_get("country")?,
                        role: role
                            .parse::<Role>()
                            .map_err(|_| StoreError::Corrupt(format!("roster role {role:?}")))?,
                        email: row.try_get("email")?,
                    })
                };
                out.push((row_no as u64, expected));
            }
            let committed: Option<i64> = r.try_get("committed_idx")?;
            let size: i64 = r.try_get("size")?;
            Ok(Some(StoredRoster {
                size: size as u64,
                sha256: r.try_get("sha256")?,
                imported_by: r.try_get("imported_by")?,
                imported_at: parse_ts(r.try_get("imported_at")?)?,
                committed_idx: committed.map(|c| c as u64),
                rows: out,
            }))
        })
    }

    /// Records the secretary's decision on row `row_no` and check-in
    /// `check_in`, replacing an earlier one on the same pair.
    pub async fn decide_match(
        &self,
        meeting_id: &str,
        row_no: u64,
        check_in: u64,
        decision: Decision,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        with_pool!(&self.db, |pool| {
            sqlx::query(
                "INSERT INTO roster_matches (meeting_id, row_no, check_in, decision, decided_by, decided_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (meeting_id, row_no, check_in)
                 DO UPDATE SET decision = excluded.decision, decided_by = excluded.decided_by, decided_at = excluded.decided_at",
            )
            .bind(meeting_id)
            .bind(row_no as i64)
            .bind(check_in as i64)
            .bind(decision.as_str())
            .bind(by)
            .bind(ts(now))
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The secretary's decisions on the meeting's matches.
    pub async fn match_decisions(&self, meeting_id: &str) -> Result<Vec<MatchDecision>> {
        with_pool!(&self.db, |pool| {
            let rows = sqlx::query(
                "SELECT row_no, check_in, decision FROM roster_matches WHERE meeting_id = $1 ORDER BY row_no, check_in",
            )
            .bind(meeting_id)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let row_no: i64 = r.try_get("row_no")?;
                let check_in: i64 = r.try_get("check_in")?;
                let d: String = r.try_get("decision")?;
                out.push(MatchDecision {
                    row_no: row_no as u64,
                    check_in: check_in as u64,
                    decision: match d.as_str() {
                        "confirmed" => Decision::Confirmed,
                        "rejected" => Decision::Rejected,
                        other => {
                            return Err(StoreError::Corrupt(format!("match decision {other:?}")))
                        }
                    },
                });
            }
            Ok(out)
        })
    }
}
