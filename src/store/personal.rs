//! Personal data in the store: erasing disclosures so that the values are
//! gone from the database file, the record of erasures, and what the
//! retention job must erase.

use sqlx::Row;
use time::OffsetDateTime;

use super::{parse_ts, ts, with_pool, Result, Store, StoreError};

/// One recorded erasure (never the values erased).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErasureRow {
    pub idx: u64,
    pub fields: Vec<String>,
    /// A secretary's email, `attendee`, `operator` or `retention`.
    pub erased_by: String,
    pub erased_at: OffsetDateTime,
}

/// A closed meeting whose personal data are due for erasure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionDue {
    pub meeting_id: String,
    /// The check-ins that still hold a disclosure.
    pub check_ins: Vec<u64>,
}

fn field_of(encoded: &str) -> Option<String> {
    crate::trust::disclosure::Disclosure::parse(encoded)
        .ok()
        .map(|d| d.field)
}

/// Takes the disclosures of `fields` out of `disclosures`, adding those
/// fields to `erased` (sorted, once each). Returns what is kept and the
/// fields taken out now; `None` if none of them was there.
fn take_out(
    disclosures: Vec<String>,
    erased: &mut Vec<String>,
    fields: &[&str],
) -> Option<(Vec<String>, Vec<String>)> {
    let (gone, kept): (Vec<String>, Vec<String>) = disclosures
        .into_iter()
        .partition(|d| field_of(d).is_some_and(|f| fields.contains(&f.as_str())));
    let now: Vec<String> = gone.iter().filter_map(|d| field_of(d)).collect();
    if now.is_empty() {
        return None;
    }
    erased.extend(now.iter().cloned());
    erased.sort();
    erased.dedup();
    Some((kept, now))
}

impl Store {
    /// Erases `fields` of check-in `idx`: deletes their disclosures (value
    /// and salt), in the check-in and in the amendments correcting it, and
    /// with the email the key that recognised it, and with the name the
    /// device key derived from it; records who and when.
    /// Returns the fields that were erased now (empty if none of them was
    /// still there), or `None` if there is no such check-in.
    pub async fn erase(
        &self,
        meeting_id: &str,
        idx: u64,
        fields: &[&str],
        by: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Vec<String>>> {
        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query(
            "SELECT disclosures, erased FROM entries WHERE meeting_id = $1 AND idx = $2 AND kind = 'check-in'",
        )
        .bind(meeting_id)
        .bind(idx as i64)
        .fetch_optional(&mut *tx)
        .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            let disclosures: Vec<String> = serde_json::from_str(row.try_get("disclosures")?)
                .map_err(|e| StoreError::Corrupt(format!("disclosures: {e}")))?;
            let mut erased: Vec<String> = serde_json::from_str(row.try_get("erased")?)
                .map_err(|e| StoreError::Corrupt(format!("erased: {e}")))?;
            // The values disclosed, to find the person's roster rows.
            let values: std::collections::BTreeMap<String, String> = disclosures
                .iter()
                .filter_map(|d| crate::trust::disclosure::Disclosure::parse(d).ok())
                .map(|d| (d.field, d.value))
                .collect();
            let Some((kept, now_erased)) = take_out(disclosures, &mut erased, fields) else {
                return Ok(Some(Vec::new()));
            };
            let email = now_erased.iter().any(|f| f == "email");
            let name = now_erased.iter().any(|f| f == "name");
            let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
            sqlx::query(
                "UPDATE entries SET disclosures = $1, erased = $2,
                    email_key = CASE WHEN $3 THEN NULL ELSE email_key END,
                    device_key = CASE WHEN $4 THEN NULL ELSE device_key END
             WHERE meeting_id = $5 AND idx = $6",
            )
            .bind(json(&kept))
            .bind(json(&erased))
            .bind(email)
            .bind(name)
            .bind(meeting_id)
            .bind(idx as i64)
            .execute(&mut *tx)
            .await?;
            // The values a secretary's corrections of this check-in carry
            // are the same person's: they go with it.
            let amendments = sqlx::query(
                "SELECT idx, disclosures, erased FROM entries WHERE meeting_id = $1 AND amends = $2",
            )
            .bind(meeting_id)
            .bind(idx as i64)
            .fetch_all(&mut *tx)
            .await?;
            for a in &amendments {
                let a_idx: i64 = a.try_get("idx")?;
                let disclosures: Vec<String> = serde_json::from_str(a.try_get("disclosures")?)
                    .map_err(|e| StoreError::Corrupt(format!("disclosures: {e}")))?;
                let mut a_erased: Vec<String> = serde_json::from_str(a.try_get("erased")?)
                    .map_err(|e| StoreError::Corrupt(format!("erased: {e}")))?;
                let Some((kept, _)) = take_out(disclosures, &mut a_erased, fields) else {
                    continue;
                };
                sqlx::query(
                    "UPDATE entries SET disclosures = $1, erased = $2 WHERE meeting_id = $3 AND idx = $4",
                )
                .bind(json(&kept))
                .bind(json(&a_erased))
                .bind(meeting_id)
                .bind(a_idx)
                .execute(&mut *tx)
                .await?;
            }
            // The person's rows of the roster (same email, or same name
            // and organisation, or a match the secretary confirmed) lose
            // the same values; the match is kept, confirmed, so that the
            // counts do not change.
            {
                use crate::roster::key;
                let rows = sqlx::query(
                    "SELECT row_no, name, organization, email FROM roster_rows WHERE meeting_id = $1 AND erased = 0",
                )
                .bind(meeting_id)
                .fetch_all(&mut *tx)
                .await?;
                let confirmed: Vec<i64> = sqlx::query_scalar(
                    "SELECT row_no FROM roster_matches WHERE meeting_id = $1 AND check_in = $2 AND decision = 'confirmed'",
                )
                .bind(meeting_id)
                .bind(idx as i64)
                .fetch_all(&mut *tx)
                .await?;
                let email = values.get("email").map(|e| e.trim().to_lowercase());
                let person = values
                    .get("name")
                    .zip(values.get("organization"))
                    .map(|(n, o)| (key(n), key(o)));
                for r in &rows {
                    let row_no: i64 = r.try_get("row_no")?;
                    let r_email: Option<String> = r.try_get("email")?;
                    let r_name: String = r.try_get("name")?;
                    let r_org: String = r.try_get("organization")?;
                    let same = confirmed.contains(&row_no)
                        || (email.is_some() && r_email.as_deref().map(str::to_lowercase) == email)
                        || person.as_ref() == Some(&(key(&r_name), key(&r_org)));
                    if !same {
                        continue;
                    }
                    let q = if name {
                        "UPDATE roster_rows SET name = '', organization = '', country = '', email = NULL, erased = 1 WHERE meeting_id = $1 AND row_no = $2"
                    } else {
                        "UPDATE roster_rows SET email = NULL WHERE meeting_id = $1 AND row_no = $2"
                    };
                    sqlx::query(q)
                        .bind(meeting_id)
                        .bind(row_no)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO roster_matches (meeting_id, row_no, check_in, decision, decided_by, decided_at)
                         VALUES ($1, $2, $3, 'confirmed', $4, $5)
                         ON CONFLICT (meeting_id, row_no, check_in) DO UPDATE SET decision = 'confirmed'",
                    )
                    .bind(meeting_id)
                    .bind(row_no)
                    .bind(idx as i64)
                    .bind(by)
                    .bind(ts(now))
                    .execute(&mut *tx)
                    .await?;
                }
            }
            sqlx::query(
            "INSERT INTO erasures (meeting_id, idx, fields, erased_by, erased_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(meeting_id)
        .bind(idx as i64)
        .bind(json(&now_erased))
        .bind(by)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
            tx.commit().await?;
            Ok(Some(now_erased))
        })
    }

    /// Removes what erasures left behind outside the database's live pages:
    /// the write-ahead log still holds earlier images of changed pages
    /// until it is checkpointed and truncated (deleted content in the main
    /// file is already zeroed by `secure_delete`). Retries while readers
    /// hold the log, at most a few seconds; `false` if it could not finish.
    pub async fn purge_erased(&self) -> Result<bool> {
        let pool = match &self.db {
            super::Pool::Sqlite(pool) => pool,
            super::Pool::Postgres(pool) => {
                // Dead row versions are pruned by VACUUM (not VACUUM FULL,
                // which would lock the tables). See README: PostgreSQL's
                // own WAL and backups keep what they keep.
                sqlx::query("VACUUM entries").execute(pool).await?;
                return Ok(true);
            }
        };
        {
            for _ in 0..50 {
                let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .fetch_one(pool)
                    .await?;
                let busy: i64 = row.try_get(0)?;
                if busy == 0 {
                    return Ok(true);
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Ok(false)
        }
    }

    /// The check-ins of a meeting that recorded this normalised email.
    pub async fn check_ins_with_email(
        &self,
        meeting_id: &str,
        email_key: &str,
    ) -> Result<Vec<u64>> {
        with_pool!(&self.db, |pool| {
            let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT idx FROM entries WHERE meeting_id = $1 AND kind = 'check-in' AND email_key = $2 ORDER BY idx",
        )
        .bind(meeting_id)
        .bind(email_key)
        .fetch_all(pool)
        .await?;
            Ok(rows.into_iter().map(|i| i as u64).collect())
        })
    }

    /// Every erasure recorded for a meeting, oldest first.
    pub async fn erasures(&self, meeting_id: &str) -> Result<Vec<ErasureRow>> {
        with_pool!(&self.db, |pool| {
            let rows = sqlx::query(
            "SELECT idx, fields, erased_by, erased_at FROM erasures WHERE meeting_id = $1 ORDER BY id",
        )
        .bind(meeting_id)
        .fetch_all(pool)
        .await?;
            rows.iter()
                .map(|r| {
                    Ok(ErasureRow {
                        idx: r.try_get::<i64, _>("idx")? as u64,
                        fields: serde_json::from_str(r.try_get("fields")?)
                            .map_err(|e| StoreError::Corrupt(format!("erasure fields: {e}")))?,
                        erased_by: r.try_get("erased_by")?,
                        erased_at: parse_ts(r.try_get("erased_at")?)?,
                    })
                })
                .collect()
        })
    }

    /// Sets how many days after closing a meeting keeps its personal data
    /// (`None`: the server's default). `false` if there is no such meeting.
    pub async fn set_retention(&self, meeting_id: &str, days: Option<u32>) -> Result<bool> {
        with_pool!(&self.db, |pool| {
            let done = sqlx::query("UPDATE meetings SET retain_days = $1 WHERE id = $2")
                .bind(days.map(i64::from))
                .bind(meeting_id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Closed meetings whose personal data are due for erasure at `now`
    /// (closed more than their retention, or `default_days`, ago) and not
    /// yet erased by the retention job.
    pub async fn retention_due(
        &self,
        default_days: u32,
        now: OffsetDateTime,
    ) -> Result<Vec<RetentionDue>> {
        with_pool!(&self.db, |pool| {
            let rows = sqlx::query(
                "SELECT id, closed_at, retain_days FROM meetings
             WHERE state = 'closed' AND personal_data_erased_at IS NULL AND closed_at IS NOT NULL",
            )
            .fetch_all(pool)
            .await?;
            let mut out = Vec::new();
            for r in &rows {
                let closed = parse_ts(r.try_get("closed_at")?)?;
                let days: i64 = r
                    .try_get::<Option<i64>, _>("retain_days")?
                    .unwrap_or(i64::from(default_days));
                if closed + time::Duration::days(days) > now {
                    continue;
                }
                let id: String = r.try_get("id")?;
                let check_ins: Vec<i64> = sqlx::query_scalar(
                "SELECT idx FROM entries WHERE meeting_id = $1 AND kind = 'check-in' AND disclosures <> '[]' ORDER BY idx",
            )
            .bind(&id)
            .fetch_all(pool)
            .await?;
                out.push(RetentionDue {
                    meeting_id: id,
                    check_ins: check_ins.into_iter().map(|i| i as u64).collect(),
                });
            }
            Ok(out)
        })
    }

    /// Records that the retention job erased a meeting's personal data.
    pub async fn mark_retention_done(&self, meeting_id: &str, now: OffsetDateTime) -> Result<()> {
        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE meetings SET personal_data_erased_at = $1 WHERE id = $2")
                .bind(ts(now))
                .bind(meeting_id)
                .execute(&mut *tx)
                .await?;
            // The roster's rows and the matches go with the check-ins'
            // values; what the log committed to (size, digest) stays.
            for table in ["roster_rows", "roster_matches"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE meeting_id = $1"))
                    .bind(meeting_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
