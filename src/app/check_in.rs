//! An attendee checks in, with the form or the JSON API: rate limit,
//! presence, validation, then the log writer.

use std::net::IpAddr;

use time::OffsetDateTime;

use super::{App, Error};
use crate::checkin::{self, CheckInInput};
use crate::meeting_state::MeetingState;
use crate::presence::PresenceError;
use crate::store::MeetingRow;
use crate::trust::bundle::{Receipt, RECEIPT_FORMAT};
use crate::trust::statement::Presence;
use crate::writer::{CheckInAccepted, WriteError};

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
        let presence = self.check_presence(meeting, &input.token, now)?;
        let req = checkin::validate(meeting, input, presence, device).map_err(Error::from)?;
        Ok(self.writer.check_in(req).await?)
    }

    /// Whether `token` shows presence at `meeting` at `now`: the code of
    /// the room's screen (within its grace period) or the meeting's link.
    pub fn check_presence(
        &self,
        meeting: &MeetingRow,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Presence, PresenceError> {
        self.presence.check(
            &meeting.meeting.id,
            token,
            meeting.presence,
            now,
            self.settings.presence_grace,
        )
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

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use time::OffsetDateTime;

    use super::super::testing::{app, draft, secretary};
    use super::super::Error;
    use crate::checkin::CheckInInput;
    use crate::presence::PresenceError;

    const ROOM: [u8; 4] = [192, 0, 2, 1];

    fn attendee(token: &str, code_sha256: &str) -> CheckInInput {
        CheckInInput {
            token: token.into(),
            name: "Ada Lovelace".into(),
            organization: "Analytical Engines".into(),
            country: "GB".into(),
            role: "delegate".into(),
            email: Some("ada@example.org".into()),
            acknowledged: true,
            code_sha256: code_sha256.into(),
            ..CheckInInput::default()
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_attendee_who_scans_the_code_gets_a_signed_receipt_once() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        app.open_meeting(&id, &secretary()).await.unwrap();
        let m = app.meeting_taking_check_ins(&id).await.unwrap();
        let now = OffsetDateTime::now_utc();
        let input = attendee(&app.current_link(&m, now).token, &m.code_sha256);

        let first = app
            .check_in(IpAddr::from(ROOM), &m, &input, None, now)
            .await
            .unwrap();
        assert!(!first.existing);
        let receipt = app.receipt_of(&first).await.unwrap();
        assert_eq!(receipt.public_keys, vec![*app.signer.public()]);

        let again = app
            .check_in(IpAddr::from(ROOM), &m, &input, None, now)
            .await
            .unwrap();
        assert!(again.existing, "the same person is recorded once");
        assert_eq!(again.receipt_id, first.receipt_id);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn refusals_name_the_rule_and_the_rate_limit_comes_first() {
        let app = app(1).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        app.open_meeting(&id, &secretary()).await.unwrap();
        let m = app.meeting_taking_check_ins(&id).await.unwrap();
        let now = OffsetDateTime::now_utc();

        let forged = attendee("not-a-token", &m.code_sha256);
        let e = app
            .check_in(IpAddr::from(ROOM), &m, &forged, None, now)
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Presence(PresenceError::Malformed)),
            "{e:?}"
        );

        let good = attendee(&app.current_link(&m, now).token, &m.code_sha256);
        let e = app
            .check_in(IpAddr::from(ROOM), &m, &good, None, now)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::RateLimited), "{e:?}");
        let other = app
            .check_in(IpAddr::from([192, 0, 2, 2]), &m, &good, None, now)
            .await;
        assert!(other.is_ok(), "another address is not limited: {other:?}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_check_in_without_acknowledging_the_code_is_refused_field_by_field() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        app.open_meeting(&id, &secretary()).await.unwrap();
        let m = app.meeting_taking_check_ins(&id).await.unwrap();
        let now = OffsetDateTime::now_utc();
        let mut input = attendee(&app.current_link(&m, now).token, &m.code_sha256);
        input.acknowledged = false;
        input.name = String::new();
        let e = app
            .check_in(IpAddr::from(ROOM), &m, &input, None, now)
            .await
            .unwrap_err();
        let fields: Vec<&str> = e.fields().iter().map(|f| f.field).collect();
        assert_eq!(fields, ["name", "acknowledged"]);
    }
}
