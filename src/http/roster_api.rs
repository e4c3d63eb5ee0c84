//! The roster and delegations in the JSON API (docs/API.md, "Roster and
//! delegations"): import, the roster against the check-ins, decisions on
//! doubtful matches, the canonical CSV, the delegations and their signed
//! snapshots.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::api::ApiJson;
use super::auth::ApiClient;
use super::error::ApiError;
use super::AppState;
use crate::app::{Actor, DelegationSummary, MatchedBy, Present, RosterView, RowStatus};
use crate::store::ts;

fn by(who: &ApiClient) -> Actor {
    Actor::Token {
        name: who.name.clone(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterInput {
    csv: String,
}

/// `POST /api/v1/meetings/{id}/roster`: imports the roster from CSV.
pub async fn import_roster(
    State(state): State<AppState>,
    who: ApiClient,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RosterInput>,
) -> Result<Response, ApiError> {
    let done = state
        .import_roster(&id, &input.csv, &by(&who), OffsetDateTime::now_utc())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "size": done.size,
            "sha256": done.sha256,
            "index": done.index,
            "refused": done.refused,
        })),
    )
        .into_response())
}

fn present_json(p: &Present) -> Value {
    json!({
        "index": p.index,
        "name": p.name,
        "organization": p.organization,
        "country": p.country,
        "role": p.role,
        "remote": p.remote,
    })
}

/// The roster view as the API gives it (emails included: secretaries
/// only).
pub fn view_json(v: &RosterView) -> Value {
    let rows: Vec<Value> = v
        .rows
        .iter()
        .map(|r| {
            let (status, check_in, matched_by) = match r.status {
                RowStatus::Present { check_in, by } => ("present", Some(check_in), Some(by)),
                RowStatus::Doubtful { check_in } => ("doubtful", Some(check_in), None),
                RowStatus::Absent => ("absent", None, None),
            };
            let e = r.expected.as_ref();
            json!({
                "row": r.row_no,
                "erased": e.is_none(),
                "name": e.map(|e| &e.name),
                "organization": e.map(|e| &e.organization),
                "country": e.map(|e| &e.country),
                "role": e.map(|e| e.role.as_str()),
                "email": e.and_then(|e| e.email.as_ref()),
                "status": status,
                "check_in": check_in,
                "matched_by": matched_by.map(|m: MatchedBy| serde_json::to_value(m).unwrap_or(Value::Null)),
            })
        })
        .collect();
    json!({
        "sha256": v.sha256,
        "size": v.counts.expected,
        "committed": v.committed,
        "imported_by": v.imported_by,
        "imported_at": ts(v.imported_at),
        "counts": v.counts,
        "rows": rows,
        "walk_ins": v.walk_ins.iter().map(present_json).collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/meetings/{id}/roster`: who is expected, who of them is
/// present, doubtful matches and walk-ins.
pub async fn roster(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(view_json(&state.roster_view(&id).await?)))
}

/// `GET /api/v1/meetings/{id}/roster.csv`: the roster's canonical form,
/// whose SHA-256 the log commits to.
pub async fn roster_csv(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let bytes = state.roster_canonical(&id).await?;
    Ok(roster_download(&id, bytes))
}

/// The roster's canonical CSV as a file to save (API and console alike).
pub(super) fn roster_download(id: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"roster-{id}.csv\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchInput {
    row: u64,
    check_in: u64,
    decision: String,
}

/// `POST /api/v1/meetings/{id}/roster/matches`: the secretary confirms or
/// rejects that a roster row and a check-in are the same person.
pub async fn decide_match(
    State(state): State<AppState>,
    who: ApiClient,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<MatchInput>,
) -> Result<Response, ApiError> {
    let confirm = match m.decision.as_str() {
        "confirm" => true,
        "reject" => false,
        other => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_decision",
                format!("Decision {other:?} is neither \"confirm\" (the same person) nor \"reject\" (not the same person)"),
            ))
        }
    };
    state
        .decide_match(
            &id,
            m.row,
            m.check_in,
            confirm,
            &by(&who),
            OffsetDateTime::now_utc(),
        )
        .await?;
    Ok(Json(view_json(&state.roster_view(&id).await?)).into_response())
}

fn delegations_json(d: &[DelegationSummary]) -> Value {
    Value::Array(
        d.iter()
            .map(|g| {
                json!({
                    "country": g.country,
                    "present": g.present,
                    "expected": g.expected,
                    "heads": g.heads.iter().map(present_json).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// `GET /api/v1/meetings/{id}/delegations`: the delegations present now.
pub async fn delegations(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({
        "delegations": delegations_json(&state.delegations(&id).await?),
    })))
}

/// `POST /api/v1/meetings/{id}/delegations`: signs a snapshot of them into
/// the log.
pub async fn snapshot_delegations(
    State(state): State<AppState>,
    who: ApiClient,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (index, groups) = state.snapshot_delegations(&id, &by(&who)).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"index": index, "delegations": delegations_json(&groups)})),
    )
        .into_response())
}
