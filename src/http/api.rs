//! The JSON API (`/api/v1`). Secretary routes take `Authorization: Bearer
//! TOKEN`; check-ins and receipts are public. Documented in docs/API.md.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::auth::ApiClient;
use super::client_ip::ClientIp;
use super::downloads::{self, ExportQuery};
use super::error::ApiError;
use super::AppState;
use crate::app::Actor;
use crate::checkin::CheckInInput;
use crate::meeting::{MeetingState, NewMeeting};
use crate::store::{ts, MeetingRow};

/// JSON bodies whose errors come back as JSON with a clear message.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(e) => Err(match e {
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "not_json",
                    "Send the body as JSON with `Content-Type: application/json`",
                ),
                JsonRejection::JsonDataError(d) => ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_body",
                    format!(
                        "The JSON does not have the expected fields: {}",
                        d.body_text()
                    ),
                ),
                other => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    format!("The body is not valid JSON: {}", other.body_text()),
                ),
            }),
        }
    }
}

/// A meeting as the API shows it.
pub fn meeting_json(state: &AppState, m: &MeetingRow) -> Value {
    json!({
        "id": m.meeting.id,
        "title": m.meeting.title,
        "committee": m.meeting.committee,
        "location": m.meeting.location,
        "starts_at": ts(m.meeting.starts_at),
        "ends_at": ts(m.meeting.ends_at),
        "timezone": m.meeting.timezone,
        "state": m.state,
        "presence": m.presence,
        "languages": m.languages,
        "code_sha256": m.code_sha256,
        "versions": m.versions,
        "concern_contact": m.concern_contact,
        "checkin_url": state.checkin_base(&m.meeting.id),
        "log_origin": m.origin,
        "created_at": m.created_at,
        "opened_at": m.opened_at,
        "closed_at": m.closed_at,
    })
}

/// The API client as the actor of an action.
fn by(who: &ApiClient) -> Actor {
    Actor::Token {
        name: who.name.clone(),
    }
}

/// `POST /api/v1/meetings`.
pub async fn create_meeting(
    State(state): State<AppState>,
    who: ApiClient,
    ApiJson(input): ApiJson<NewMeeting>,
) -> Result<Response, ApiError> {
    let row = state
        .create_meeting(input, &by(&who), OffsetDateTime::now_utc())
        .await?;
    Ok((StatusCode::CREATED, Json(meeting_json(&state, &row))).into_response())
}

/// `GET /api/v1/meetings`.
pub async fn list_meetings(
    State(state): State<AppState>,
    _who: ApiClient,
) -> Result<Json<Value>, ApiError> {
    let all = state.meetings().await?;
    Ok(Json(
        json!({"meetings": all.iter().map(|m| meeting_json(&state, m)).collect::<Vec<_>>()}),
    ))
}

/// `GET /api/v1/meetings/{id}`.
pub async fn get_meeting(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(meeting_json(&state, &state.meeting(&id).await?)))
}

/// `DELETE /api/v1/meetings/{id}`: deletes a meeting created by mistake,
/// while it is a draft; once opened, its signed log is kept (409).
pub async fn delete_meeting(
    State(state): State<AppState>,
    who: ApiClient,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.delete_meeting(&id, &by(&who)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/meetings/{id}/open`.
pub async fn open_meeting(
    State(state): State<AppState>,
    who: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let m = state.open_meeting(&id, &by(&who)).await?;
    Ok(Json(meeting_json(&state, &m)))
}

/// `POST /api/v1/meetings/{id}/close`: returns the final checkpoint.
pub async fn close_meeting(
    State(state): State<AppState>,
    who: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let closed = state.close_meeting(&id, &by(&who)).await?;
    Ok(Json(
        json!({"id": id, "state": MeetingState::Closed, "size": closed.size, "checkpoint": closed.checkpoint}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotesInput {
    text: String,
}

/// `POST /api/v1/meetings/{id}/notes`: notes on discussion of the Code.
pub async fn add_notes(
    State(state): State<AppState>,
    who: ApiClient,
    Path(id): Path<String>,
    ApiJson(n): ApiJson<NotesInput>,
) -> Result<Response, ApiError> {
    let index = state.add_notes(&id, &by(&who), &n.text).await?;
    Ok((StatusCode::CREATED, Json(json!({"index": index}))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionBody {
    name: String,
    starts_at: String,
    ends_at: String,
}

/// A session as the API shows it.
fn session_json(s: &crate::store::SessionDef) -> Value {
    json!({
        "number": s.number,
        "name": s.name,
        "starts_at": ts(s.starts_at),
        "ends_at": ts(s.ends_at),
        "state": s.state,
        "check_ins": s.check_ins,
    })
}

/// `POST /api/v1/meetings/{id}/sessions`: defines the meeting's next session.
pub async fn add_session(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SessionBody>,
) -> Result<Response, ApiError> {
    let input = crate::app::SessionInput {
        name: b.name,
        starts_at: b.starts_at,
        ends_at: b.ends_at,
    };
    let s = state
        .add_session(&id, &input, OffsetDateTime::now_utc())
        .await?;
    Ok((StatusCode::CREATED, Json(session_json(&s))).into_response())
}

/// `GET /api/v1/meetings/{id}/sessions`: the sessions and their state.
pub async fn list_sessions(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let sessions = state.sessions(&id).await?;
    Ok(Json(
        json!({"sessions": sessions.iter().map(session_json).collect::<Vec<_>>()}),
    ))
}

/// A session number from a path: anything that is not one names no
/// session (`404`), as an unknown number does.
pub(super) fn session_number(s: &str) -> Result<u32, crate::app::Error> {
    s.parse()
        .map_err(|_| crate::app::Error::NotFound(crate::app::Missing::Session))
}

/// `POST /api/v1/meetings/{id}/sessions/{number}/open`.
pub async fn open_session(
    State(state): State<AppState>,
    who: ApiClient,
    Path((id, number)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let number = session_number(&number)?;
    let index = state.open_session(&id, number, &by(&who)).await?;
    Ok(Json(json!({"index": index})))
}

/// `POST /api/v1/meetings/{id}/sessions/{number}/close`.
pub async fn close_session(
    State(state): State<AppState>,
    who: ApiClient,
    Path((id, number)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let number = session_number(&number)?;
    let index = state.close_session(&id, number, &by(&who)).await?;
    Ok(Json(json!({"index": index})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendmentInput {
    check_in: u64,
    action: String,
    reason: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    role: String,
}

/// `POST /api/v1/meetings/{id}/amendments`: a signed correction of a
/// check-in, or its striking as recorded in error.
pub async fn amend_check_in(
    State(state): State<AppState>,
    who: ApiClient,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AmendmentInput>,
) -> Result<Response, ApiError> {
    let input = crate::app::AmendInput {
        check_in: a.check_in,
        action: a.action,
        reason: a.reason,
        name: a.name,
        organization: a.organization,
        country: a.country,
        role: a.role,
    };
    let index = state.amend_check_in(&id, &by(&who), &input).await?;
    Ok((StatusCode::CREATED, Json(json!({"index": index}))).into_response())
}

/// `GET /api/v1/meetings/{id}/checkin-link`: what the QR code shows now.
pub async fn checkin_link(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let m = state.meeting(&id).await?;
    let link = state.current_link(&m, OffsetDateTime::now_utc());
    Ok(Json(
        json!({"url": link.url, "token": link.token, "expires_at": link.expires_at.map(ts), "state": m.state}),
    ))
}

/// `GET /api/v1/meetings/{id}/remote-link`: the link for participants who
/// are not in the room, to paste in the video conference's chat. Their
/// check-ins are signed as `remote`.
pub async fn remote_link(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let m = state.meeting(&id).await?;
    let link = state.remote_link(&m);
    Ok(Json(
        json!({"url": link.url, "token": link.token, "expires_at": link.expires_at.map(ts), "state": m.state}),
    ))
}

/// `POST /api/v1/meetings/{id}/checkins` (public): 201 with the receipt,
/// or 200 with the existing receipt when the person already checked in.
pub async fn check_in(
    State(state): State<AppState>,
    Path(id): Path<String>,
    client: ClientIp,
    ApiJson(input): ApiJson<CheckInInput>,
) -> Result<Response, ApiError> {
    let m = state.meeting_taking_check_ins(&id).await?;
    let accepted = state
        .check_in(client.0, &m, &input, None, OffsetDateTime::now_utc())
        .await?;
    let status = if accepted.existing {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    // The receipt: the signed entry now; its proof follows at receipt_json.
    let receipt = state.receipt_of(&accepted).await?;
    let base = &state.settings.public_url;
    Ok((
        status,
        Json(json!({
            "receipt_id": accepted.receipt_id,
            "index": accepted.index,
            "existing": accepted.existing,
            "receipt_url": format!("{base}/r/{}", accepted.receipt_id),
            "receipt_json": format!("{base}/api/v1/receipts/{}", accepted.receipt_id),
            "receipt": receipt,
        })),
    )
        .into_response())
}

/// `GET /api/v1/meetings/{id}/bundle`: the signed attendance list.
pub async fn bundle(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    Ok(downloads::bundle(&state, &id, &q.profile()?).await?)
}

/// `GET /api/v1/meetings/{id}/attendance.csv`.
pub async fn attendance_csv(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    Ok(downloads::csv(&state, &id, &q.profile()?).await?)
}

/// `GET /api/v1/meetings/{id}/attendance.pdf`: the printable list with the
/// signed bundle attached.
pub async fn attendance_pdf(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    Ok(downloads::pdf(&state, &id, &q.profile()?).await?)
}

/// `GET /api/v1/receipts/{id}` (public): the receipt with its latest proof.
pub async fn receipt(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<crate::trust::bundle::Receipt>, ApiError> {
    Ok(Json(state.receipt(&id).await?.0))
}

#[derive(Deserialize)]
pub struct CheckpointQuery {
    /// A tree size the caller already holds a checkpoint for.
    #[serde(default)]
    from: Option<String>,
}

/// `GET /api/v1/meetings/{id}/checkpoint[?from=SIZE]` (public): the latest
/// signed checkpoint of a meeting's log and, given an earlier size, the
/// RFC 9162 consistency proof from it, so anyone can watch the log grow
/// without trusting the server.
pub async fn checkpoint(
    State(state): State<AppState>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<CheckpointQuery>,
) -> Result<Json<Value>, ApiError> {
    let from = match q.from.as_deref().map(str::parse::<u64>) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_size",
                "`from` must be a tree size: a whole number",
            ))
        }
    };
    let latest = state.latest_checkpoint(&id, from).await?;
    Ok(Json(json!({
        "size": latest.size,
        "checkpoint": latest.checkpoint,
        "from": from,
        "consistency": latest.consistency,
    })))
}
