//! Anyone watches a meeting's log grow: its latest signed checkpoint and,
//! from an earlier size, the proof that the log only grew.

use super::{App, Error};
use crate::trust::bundle::encode_hashes;
use crate::trust::log_core::SignedCheckpoint;

/// A meeting's latest checkpoint, with the consistency proof asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatestCheckpoint {
    pub size: u64,
    /// The signed checkpoint note.
    pub checkpoint: String,
    /// The RFC 9162 consistency proof from the size asked for, encoded.
    pub consistency: Option<Vec<String>>,
}

impl App {
    /// The latest checkpoint of meeting `id`; given `from`, a size the
    /// caller holds a checkpoint for, with the proof from it.
    pub async fn latest_checkpoint(
        &self,
        id: &str,
        from: Option<u64>,
    ) -> Result<LatestCheckpoint, Error> {
        self.meeting(id).await?;
        let checkpoints = self.store.checkpoints(id).await?;
        let Some(SignedCheckpoint {
            size,
            note: checkpoint,
        }) = checkpoints.last().cloned()
        else {
            return Err(Error::NoCheckpointYet);
        };
        let consistency = match from {
            None => None,
            Some(from) if from == 0 || from > size => return Err(Error::SizeOutOfRange { size }),
            Some(from) => {
                let tree = self.logs.covering(&self.store, id, size).await?;
                let proof = tree
                    .read()
                    .ok()
                    .and_then(|t| t.consistency_proof(from as usize, size as usize))
                    .ok_or_else(|| Error::Internal("no consistency proof".into()))?;
                Some(encode_hashes(&proof))
            }
        };
        Ok(LatestCheckpoint {
            size,
            checkpoint,
            consistency,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{app, draft, secretary};
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn a_draft_has_no_checkpoint_and_sizes_beyond_the_log_are_refused() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        assert!(matches!(
            app.latest_checkpoint(&id, None).await,
            Err(Error::NoCheckpointYet)
        ));
        app.open_meeting(&id, &secretary()).await.unwrap();
        app.close_meeting(&id, &secretary()).await.unwrap();
        let latest = app.latest_checkpoint(&id, None).await.unwrap();
        assert!(latest.consistency.is_none());
        let beyond = latest.size + 1;
        assert!(matches!(
            app.latest_checkpoint(&id, Some(beyond)).await,
            Err(Error::SizeOutOfRange { size }) if size == latest.size
        ));
        let same = app.latest_checkpoint(&id, Some(latest.size)).await.unwrap();
        assert_eq!(same.consistency, Some(Vec::new()));
    }
}
