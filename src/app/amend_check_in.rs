//! A secretary corrects a check-in (a misspelled name, a wrong role or
//! organisation) or strikes one recorded in error, with a reason, while the
//! meeting is open. Each is a signed amendment naming the original, which
//! stays in the log.

use super::{Actor, App, Error};
use crate::fields::{self, Errors};
use crate::trust::statement::AmendAction;
use crate::writer::AmendmentRequest;

/// The longest reason accepted, in characters.
pub const REASON_MAX_CHARS: usize = 500;

/// What the secretary asks: the check-in, correct or strike, why, and the
/// corrected values (empty: unchanged).
#[derive(Clone, Debug, Default)]
pub struct AmendInput {
    pub check_in: u64,
    /// `correct` or `strike`.
    pub action: String,
    pub reason: String,
    pub name: String,
    pub organization: String,
    pub country: String,
    pub role: String,
}

/// The amendment as it will be signed, or every field that is wrong.
pub fn valid_amendment(input: &AmendInput, by: &Actor) -> Result<AmendmentRequest, Error> {
    let mut e = Errors::default();
    let action = match input.action.trim() {
        "correct" => Some(AmendAction::Correct),
        "strike" => Some(AmendAction::Strike),
        other => {
            e.add(
                "action",
                format!("Action {other:?} is neither \"correct\" (fix values) nor \"strike\" (recorded in error)"),
            );
            None
        }
    };
    let reason = e.take(fields::text(
        "reason",
        "Reason",
        &input.reason,
        REASON_MAX_CHARS,
        true,
    ));
    let optional =
        |v: Result<String, fields::FieldError>| v.map(|s| Some(s).filter(|s| !s.is_empty()));
    let name = e.take(optional(fields::text(
        "name",
        "Name",
        &input.name,
        200,
        false,
    )));
    let organization = e.take(optional(fields::text(
        "organization",
        "Organisation",
        &input.organization,
        200,
        false,
    )));
    let country = e.take(optional(fields::text(
        "country",
        "Country or national body",
        &input.country,
        120,
        false,
    )));
    let role = if input.role.trim().is_empty() {
        Some(None)
    } else {
        e.take(fields::role(&input.role).map(|r| Some(r.as_str().to_owned())))
    };
    if let (Some(action), Some(name), Some(organization), Some(country), Some(role)) =
        (action, &name, &organization, &country, &role)
    {
        let has_values =
            name.is_some() || organization.is_some() || country.is_some() || role.is_some();
        match action {
            AmendAction::Correct if !has_values => e.add(
                "name",
                "Give the corrected name, organisation, country or role (leave unchanged ones empty)",
            ),
            AmendAction::Strike if has_values => e.add(
                "action",
                "A strike carries no corrected values: leave them empty, or choose \"correct\"",
            ),
            _ => {}
        }
    }
    e.into_result(|| ()).map_err(Error::Invalid)?;
    Ok(AmendmentRequest {
        amends: input.check_in,
        action: action.unwrap_or(AmendAction::Correct),
        reason: reason.unwrap_or_default(),
        by: by.recorded_as(),
        role: role.flatten(),
        name: name.flatten(),
        organization: organization.flatten(),
        country: country.flatten(),
    })
}

impl App {
    /// Appends the amendment of a check-in of the open meeting `id`;
    /// returns its index in the log.
    pub async fn amend_check_in(
        &self,
        id: &str,
        by: &Actor,
        input: &AmendInput,
    ) -> Result<u64, Error> {
        let req = valid_amendment(input, by)?;
        Ok(self.writer.amend(id, req).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{app, draft, secretary};
    use super::*;
    use crate::app::ByHand;
    use crate::trust::log_core::AmendRefused;
    use crate::writer::WriteError;

    fn correct_name(check_in: u64) -> AmendInput {
        AmendInput {
            check_in,
            action: "correct".into(),
            reason: "misspelled".into(),
            name: "Grace Hopper".into(),
            ..AmendInput::default()
        }
    }

    #[test]
    fn a_correction_needs_a_reason_and_a_value_and_a_strike_none() {
        let by = secretary();
        let mut i = correct_name(1);
        i.reason = " ".into();
        let e = valid_amendment(&i, &by).unwrap_err();
        assert_eq!(e.fields()[0].field, "reason");
        let mut i = correct_name(1);
        i.name.clear();
        assert_eq!(
            valid_amendment(&i, &by).unwrap_err().fields()[0].field,
            "name"
        );
        let mut i = correct_name(1);
        i.action = "strike".into();
        assert_eq!(
            valid_amendment(&i, &by).unwrap_err().fields()[0].field,
            "action"
        );
        let mut i = correct_name(1);
        i.role = "king".into();
        assert_eq!(
            valid_amendment(&i, &by).unwrap_err().fields()[0].field,
            "role"
        );
        let ok = valid_amendment(&correct_name(1), &by).unwrap();
        assert_eq!(ok.name.as_deref(), Some("Grace Hopper"));
        assert_eq!(ok.organization, None);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_check_in_is_corrected_then_struck_and_not_twice() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        let m = app.open_meeting(&id, &secretary()).await.unwrap();
        let who = ByHand {
            name: "Grace Hoper".into(),
            organization: "Navy".into(),
            country: "US".into(),
            role: "expert".into(),
            acknowledged: true,
            ..ByHand::default()
        };
        let accepted = app.record_by_hand(&m, who, &secretary()).await.unwrap();
        // The check-in is committed before it can be amended.
        let mut tries = 0;
        let fixed = loop {
            match app
                .amend_check_in(&id, &secretary(), &correct_name(accepted.index))
                .await
            {
                Err(Error::Write(WriteError::Amendment(AmendRefused::NotYetRecorded(_))))
                    if tries < 50 =>
                {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                r => break r.unwrap(),
            }
        };
        assert!(fixed > accepted.index);
        let strike = AmendInput {
            check_in: accepted.index,
            action: "strike".into(),
            reason: "recorded in error".into(),
            ..AmendInput::default()
        };
        app.amend_check_in(&id, &secretary(), &strike)
            .await
            .unwrap();
        assert!(matches!(
            app.amend_check_in(&id, &secretary(), &strike).await,
            Err(Error::Write(WriteError::Amendment(AmendRefused::Struck(_))))
        ));
        assert!(matches!(
            app.amend_check_in(&id, &secretary(), &correct_name(0))
                .await,
            Err(Error::Write(WriteError::Amendment(
                AmendRefused::NotACheckIn(0)
            )))
        ));
    }
}
