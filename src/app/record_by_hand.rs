//! A secretary records the check-in of someone without a phone. The
//! signed attestation says the secretary recorded it, and who.

use super::{Actor, App, Error};
use crate::checkin::{self, CheckInInput};
use crate::store::MeetingRow;
use crate::trust::statement::Presence;
use crate::writer::CheckInAccepted;

/// What the secretary types in for the attendee.
#[derive(Clone, Debug, Default)]
pub struct ByHand {
    pub name: String,
    pub organization: String,
    pub country: String,
    pub role: String,
    pub email: String,
    /// The attendee said they have read the Code and will uphold it.
    pub acknowledged: bool,
}

impl App {
    /// Records `who` at `meeting`, as recorded by the secretary `by`.
    pub async fn record_by_hand(
        &self,
        meeting: &MeetingRow,
        who: ByHand,
        by: &Actor,
    ) -> Result<CheckInAccepted, Error> {
        let input = CheckInInput {
            token: String::new(),
            name: who.name,
            organization: who.organization,
            country: who.country,
            role: who.role,
            email: Some(who.email),
            acknowledged: who.acknowledged,
            code_sha256: meeting.code_sha256.clone(),
            language: None,
            // Only the attendee can agree to show their email to others.
            share_email: false,
        };
        let presence = Presence::RecordedBySecretary {
            recorded_by: by.recorded_as(),
        };
        let req = checkin::validate(meeting, &input, presence, None)?;
        Ok(self.writer.check_in(req).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{app, draft, secretary};
    use super::*;
    use crate::trust::statement::{Predicate, RollcallStatement};

    fn someone() -> ByHand {
        ByHand {
            name: "Grace Hopper".into(),
            organization: "Navy".into(),
            country: "US".into(),
            role: "expert".into(),
            acknowledged: true,
            ..ByHand::default()
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_attestation_names_the_secretary_who_recorded_it() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        let m = app.open_meeting(&id, &secretary()).await.unwrap();
        let accepted = app
            .record_by_hand(&m, someone(), &secretary())
            .await
            .unwrap();
        let row = app.store.entry(&id, accepted.index).await.unwrap().unwrap();
        let Ok(RollcallStatement {
            predicate: Predicate::CheckIn(p),
            ..
        }) = RollcallStatement::parse(&row.payload)
        else {
            panic!("a check-in statement");
        };
        assert_eq!(
            p.presence,
            Presence::RecordedBySecretary {
                recorded_by: "secretary@example.org".into()
            }
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_attendee_must_still_acknowledge_the_code() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        let m = app.open_meeting(&id, &secretary()).await.unwrap();
        let who = ByHand {
            acknowledged: false,
            ..someone()
        };
        let e = app.record_by_hand(&m, who, &secretary()).await.unwrap_err();
        assert_eq!(e.fields()[0].field, "acknowledged");
    }
}
