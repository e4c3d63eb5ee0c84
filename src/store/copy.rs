//! Copying a whole installation from one database to another (an SQLite
//! file to PostgreSQL, as an organisation outgrows the embedded default):
//! every table, row for row and byte for byte, in one transaction on the
//! target, which must be empty.

use sqlx::Row;

use super::{with_pool, Pool, Result, Store, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    OptText,
    Int,
    OptInt,
    Bytes,
}

use Kind::{Bytes, Int, OptInt, OptText, Text};

/// A table: its name, the order its rows are read in, its columns.
type Table = (&'static str, &'static str, &'static [(&'static str, Kind)]);

/// What is copied: each table with its columns, in an order that satisfies
/// the foreign keys. Sessions are not copied: secretaries sign in again.
const TABLES: &[Table] = &[
    (
        "codes",
        // Originals before the translations that name them.
        "ORDER BY translation_of IS NOT NULL, sha256",
        &[
            ("sha256", Text),
            ("name", Text),
            ("language", Text),
            ("title", Text),
            ("text", Text),
            ("created_at", Text),
            ("translation_of", OptText),
            ("training_url", OptText),
        ],
    ),
    (
        "users",
        "ORDER BY id",
        &[
            ("id", Int),
            ("email", Text),
            ("password_hash", Text),
            ("created_at", Text),
            ("disabled_at", OptText),
        ],
    ),
    (
        "api_tokens",
        "ORDER BY id",
        &[
            ("id", Int),
            ("name", Text),
            ("token_hash", Bytes),
            ("created_at", Text),
            ("last_used", OptText),
        ],
    ),
    (
        "settings",
        "ORDER BY key",
        &[("key", Text), ("value", Bytes)],
    ),
    (
        "meetings",
        "ORDER BY id",
        &[
            ("id", Text),
            ("title", Text),
            ("committee", Text),
            ("location", Text),
            ("starts_at", Text),
            ("ends_at", Text),
            ("timezone", Text),
            ("code_sha256", Text),
            ("languages", Text),
            ("presence", Text),
            ("state", Text),
            ("origin", Text),
            ("created_by", Text),
            ("created_at", Text),
            ("opened_at", OptText),
            ("closed_at", OptText),
            ("versions", OptText),
            ("retain_days", OptInt),
            ("personal_data_erased_at", OptText),
            ("concern_contact", OptText),
        ],
    ),
    (
        "entries",
        "ORDER BY meeting_id, idx",
        &[
            ("meeting_id", Text),
            ("idx", Int),
            ("kind", Text),
            ("payload", Bytes),
            ("signature", Bytes),
            ("keyid", Text),
            ("disclosures", Text),
            ("leaf", Bytes),
            ("email_key", OptText),
            ("device_key", OptText),
            ("created_at", Text),
            ("erased", Text),
            ("amends", OptInt),
            ("session", OptInt),
        ],
    ),
    (
        "meeting_sessions",
        "ORDER BY meeting_id, number",
        &[
            ("meeting_id", Text),
            ("number", Int),
            ("name", Text),
            ("starts_at", Text),
            ("ends_at", Text),
            ("created_at", Text),
        ],
    ),
    (
        "rosters",
        "ORDER BY meeting_id",
        &[
            ("meeting_id", Text),
            ("size", Int),
            ("sha256", Text),
            ("imported_by", Text),
            ("imported_at", Text),
            ("committed_idx", OptInt),
        ],
    ),
    (
        "roster_rows",
        "ORDER BY meeting_id, row_no",
        &[
            ("meeting_id", Text),
            ("row_no", Int),
            ("name", Text),
            ("organization", Text),
            ("country", Text),
            ("role", Text),
            ("email", OptText),
            ("erased", Int),
        ],
    ),
    (
        "roster_matches",
        "ORDER BY meeting_id, row_no, check_in",
        &[
            ("meeting_id", Text),
            ("row_no", Int),
            ("check_in", Int),
            ("decision", Text),
            ("decided_by", Text),
            ("decided_at", Text),
        ],
    ),
    (
        "checkpoints",
        "ORDER BY meeting_id, size",
        &[
            ("meeting_id", Text),
            ("size", Int),
            ("note", Text),
            ("created_at", Text),
        ],
    ),
    (
        "erasures",
        "ORDER BY id",
        &[
            ("id", Int),
            ("meeting_id", Text),
            ("idx", Int),
            ("fields", Text),
            ("erased_by", Text),
            ("erased_at", Text),
        ],
    ),
];

/// Tables whose ids the target numbers on from the copied ones.
const NUMBERED: &[&str] = &["users", "api_tokens", "erasures"];

#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Bytes(Vec<u8>),
}

/// How many rows of each table were copied.
pub type Copied = Vec<(&'static str, u64)>;

/// Why a copy was refused.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(
        "the target database already holds rollcall data ({0}); copy into a new, empty database"
    )]
    NotEmpty(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CopyError {
    fn from(e: sqlx::Error) -> Self {
        CopyError::Store(e.into())
    }
}

impl Store {
    async fn rows_of(
        &self,
        table: &str,
        order: &str,
        columns: &[(&str, Kind)],
    ) -> Result<Vec<Vec<Value>>> {
        let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
        let sql = format!("SELECT {} FROM {table} {order}", names.join(", "));
        with_pool!(&self.db, |pool| {
            let rows = sqlx::query(&sql).fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    columns
                        .iter()
                        .map(|(name, kind)| {
                            Ok(match kind {
                                Text => Value::Text(Some(r.try_get::<String, _>(*name)?)),
                                OptText => Value::Text(r.try_get::<Option<String>, _>(*name)?),
                                Int => Value::Int(Some(r.try_get::<i64, _>(*name)?)),
                                OptInt => Value::Int(r.try_get::<Option<i64>, _>(*name)?),
                                Bytes => Value::Bytes(r.try_get::<Vec<u8>, _>(*name)?),
                            })
                        })
                        .collect::<Result<Vec<Value>>>()
                })
                .collect()
        })
    }

    /// What the database holds, as "N meetings, N accounts…", or `None` if
    /// it is empty.
    pub async fn contents(&self) -> Result<Option<String>> {
        let mut held = Vec::new();
        for (table, _, _) in TABLES {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let n: i64 = with_pool!(&self.db, |pool| {
                sqlx::query_scalar(&sql).fetch_one(pool).await?
            });
            if n > 0 {
                held.push(format!("{n} {table}"));
            }
        }
        Ok((!held.is_empty()).then(|| held.join(", ")))
    }

    /// Copies everything but sessions into `target`, which must be empty,
    /// in one transaction: on error nothing is copied.
    pub async fn copy_into(&self, target: &Store) -> std::result::Result<Copied, CopyError> {
        if let Some(held) = target.contents().await? {
            return Err(CopyError::NotEmpty(held));
        }
        let mut data = Vec::new();
        for (table, order, columns) in TABLES {
            data.push((*table, *columns, self.rows_of(table, order, columns).await?));
        }
        let copied: Copied = data
            .iter()
            .map(|(t, _, rows)| (*t, rows.len() as u64))
            .collect();
        with_pool!(&target.db, |pool| {
            let mut tx = pool.begin().await?;
            for (table, columns, rows) in &data {
                let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
                // Well under either database's limit on parameters.
                for chunk in rows.chunks(1000) {
                    let mut q = sqlx::QueryBuilder::new(format!(
                        "INSERT INTO {table} ({}) ",
                        names.join(", ")
                    ));
                    q.push_values(chunk, |mut b, row| {
                        for v in row {
                            match v {
                                Value::Text(t) => b.push_bind(t.clone()),
                                Value::Int(i) => b.push_bind(*i),
                                Value::Bytes(x) => b.push_bind(x.clone()),
                            };
                        }
                    });
                    q.build().execute(&mut *tx).await?;
                }
            }
            if matches!(target.db, Pool::Postgres(_)) {
                for table in NUMBERED {
                    sqlx::query(&format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    ))
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
        });
        Ok(copied)
    }
}
