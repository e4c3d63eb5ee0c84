//! An attendee checks in, with the form or the JSON API: rate limit,
//! presence, validation, then the log writer.

use std::net::IpAddr;

use time::OffsetDateTime;

use super::{App, Error};
use crate::checkin::{self, CheckInInput};
use crate::meeting_state::MeetingState;
use crate::store::writer::{CheckInAccepted, WriteError};
use crate::store::MeetingRow;
use crate::trust::bundle::{Receipt, RECEIPT_FORMAT};

impl App {
    /// Records the check-in `input` to `meeting`, sent from `ip` (and from
    /// the device `device`, when known); an attendee who already checked
    /// in gets their existing receipt.
    pub async fn check_in(
        &self,
        ip: IpAddr,
        meeting: &MeetingRow,
        input: &CheckInInput,
        device: Option<String>,
        now: OffsetDateTime,
    ) -> Result<CheckInAccepted, Error> {
        if !self.check_in_limit.allow(ip) {
            self.metrics.rate_limited();
            return Err(Error::RateLimited);
        }
        let presence = self.presence.check(
            &meeting.meeting.id,
            &input.token,
            meeting.presence,
            now,
            self.settings.presence_grace,
        )?;
        let req = checkin::validate(meeting, input, presence, device).map_err(Error::from)?;
        Ok(self.writer.check_in(req).await?)
    }

    /// The meeting `id` if it takes check-ins: refused while it is a draft
    /// and once it is closed.
    pub async fn meeting_taking_check_ins(
        &self,
        id: &str,
    ) -> Result<std::sync::Arc<MeetingRow>, Error> {
        let m = self.cached_meeting(id).await?;
        match m.state {
            MeetingState::Draft => Err(WriteError::NotOpen.into()),
            MeetingState::Closed => Err(WriteError::Closed.into()),
            MeetingState::Open => Ok(m),
        }
    }

    /// The receipt of an accepted check-in: the signed entry of a new one
    /// (its proof follows once a checkpoint covers it), the proven receipt
    /// of an earlier one.
    pub async fn receipt_of(&self, accepted: &CheckInAccepted) -> Result<Receipt, Error> {
        Ok(match &accepted.entry {
            Some(entry) => Receipt {
                format: RECEIPT_FORMAT.to_owned(),
                entry: entry.clone(),
                inclusion: None,
                checkpoint: None,
                public_keys: vec![*self.signer.public()],
            },
            None => self.receipt(&accepted.receipt_id).await?.0,
        })
    }
}
