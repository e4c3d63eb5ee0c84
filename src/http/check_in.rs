//! The check-in pipeline the attendee's form and the JSON API share: rate
//! limit, presence, validation, then the log writer.

use time::OffsetDateTime;

use super::error::ApiError;
use super::AppState;
use crate::checkin::{self, CheckInError, CheckInInput};
use crate::store::writer::CheckInAccepted;
use crate::store::MeetingRow;

/// The shared pipeline of the form and the API: rate limit, presence,
/// validation, then the writer.
pub async fn intake(
    state: &AppState,
    ip: std::net::IpAddr,
    meeting: &MeetingRow,
    input: &CheckInInput,
    device: Option<String>,
) -> Result<CheckInAccepted, ApiError> {
    if !state.check_in_limit.allow(ip) {
        state.metrics.rate_limited();
        return Err(ApiError::too_many());
    }
    let presence = state
        .presence
        .check(
            &meeting.meeting.id,
            &input.token,
            &meeting.presence,
            OffsetDateTime::now_utc(),
            state.config.presence_grace,
        )
        .map_err(CheckInError::from)?;
    let req = checkin::validate(meeting, input, presence, device)?;
    Ok(state
        .writer
        .check_in(req)
        .await
        .map_err(CheckInError::from)?)
}
