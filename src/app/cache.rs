//! Meetings kept in memory for the check-in path.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::meeting_state::MeetingState;
use crate::store::{MeetingRow, Store, StoreError};

/// Meetings as last read from the database, so the check-in hot path does
/// not query for them. Entries are dropped whenever a meeting changes
/// state or a draft is deleted; the log writer stays the authority on
/// what may be appended.
#[derive(Default)]
pub struct MeetingCache(RwLock<HashMap<String, Arc<MeetingRow>>>);

impl MeetingCache {
    /// The meeting, from memory or the database.
    pub async fn get(
        &self,
        store: &Store,
        id: &str,
    ) -> Result<Option<Arc<MeetingRow>>, StoreError> {
        if let Some(m) = self.0.read().ok().and_then(|c| c.get(id).cloned()) {
            return Ok(Some(m));
        }
        let Some(row) = store.meeting(id).await? else {
            return Ok(None);
        };
        let row = Arc::new(row);
        // Drafts are not kept: opening must be seen at once. (A stale
        // `open` after a close is harmless: the writer refuses the entry.)
        if row.state == MeetingState::Draft {
            return Ok(Some(row));
        }
        if let Ok(mut c) = self.0.write() {
            if c.len() > 10_000 {
                c.clear();
            }
            c.insert(id.to_owned(), row.clone());
        }
        Ok(Some(row))
    }

    /// Forgets a meeting whose state changed, or that was deleted.
    pub fn forget(&self, id: &str) {
        if let Ok(mut c) = self.0.write() {
            c.remove(id);
        }
    }
}
