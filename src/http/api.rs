//! The JSON API (`/api/v1`). Secretary routes take `Authorization: Bearer
//! TOKEN`; check-ins and receipts are public. Documented in docs/API.md.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::auth::ApiClient;
use super::client_ip::ClientIp;
use super::error::ApiError;
use super::AppState;
use crate::checkin::CheckInInput;
use crate::meeting::NewMeeting;
use crate::personal::Disclose;
use crate::store::{ts, DraftDeletion, MeetingRow};

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

/// The public check-in URL of a meeting (without a token).
pub fn checkin_base(state: &AppState, id: &str) -> String {
    format!("{}/m/{id}", state.config.public_url)
}

/// The check-in URL the QR code shows now, its token, and when it rotates.
pub fn current_link(state: &AppState, m: &MeetingRow) -> (String, String, Option<OffsetDateTime>) {
    let id = &m.meeting.id;
    if m.presence == "static" {
        let t = state.presence.fixed(id);
        (format!("{}?t={t}", checkin_base(state, id)), t, None)
    } else {
        let (t, next) = state.presence.rotating(id, OffsetDateTime::now_utc());
        (format!("{}?t={t}", checkin_base(state, id)), t, Some(next))
    }
}

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
        "checkin_url": checkin_base(state, &m.meeting.id),
        "log_origin": m.origin,
        "created_at": m.created_at,
        "opened_at": m.opened_at,
        "closed_at": m.closed_at,
    })
}

async fn meeting_or_404(state: &AppState, id: &str) -> Result<MeetingRow, ApiError> {
    state
        .store
        .meeting(id)
        .await?
        .ok_or_else(|| ApiError::not_found("meeting"))
}

/// The bundled Code's digest, the default for new meetings.
pub async fn default_code(state: &AppState) -> Result<String, ApiError> {
    Ok(state
        .store
        .put_code(
            &crate::trust::code::CodeDocument::iso(),
            OffsetDateTime::now_utc(),
        )
        .await?)
}

/// The host part used in log origins.
pub fn origin_host(state: &AppState) -> String {
    let url = &state.config.public_url;
    url.split_once("://")
        .map_or(url.as_str(), |(_, r)| r)
        .trim_end_matches('/')
        .to_owned()
}

/// `POST /api/v1/meetings`.
pub async fn create_meeting(
    State(state): State<AppState>,
    who: ApiClient,
    ApiJson(input): ApiJson<NewMeeting>,
) -> Result<Response, ApiError> {
    let code = default_code(&state).await?;
    let row = crate::meeting::create(
        &state.store,
        input,
        &origin_host(&state),
        &code,
        &format!("token:{}", who.name),
        OffsetDateTime::now_utc(),
    )
    .await?;
    tracing::info!(meeting = %row.meeting.id, by = %who.name, "meeting created");
    Ok((StatusCode::CREATED, Json(meeting_json(&state, &row))).into_response())
}

/// `GET /api/v1/meetings`.
pub async fn list_meetings(
    State(state): State<AppState>,
    _who: ApiClient,
) -> Result<Json<Value>, ApiError> {
    let all = state.store.meetings().await?;
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
    Ok(Json(meeting_json(
        &state,
        &meeting_or_404(&state, &id).await?,
    )))
}

/// `DELETE /api/v1/meetings/{id}`: deletes a meeting created by mistake,
/// while it is a draft; once opened, its signed log is kept (409).
pub async fn delete_meeting(
    State(state): State<AppState>,
    who: ApiClient,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let deleted = state.store.delete_draft(&id).await;
    state.meetings.forget(&id);
    match deleted? {
        DraftDeletion::Deleted => {
            tracing::info!(meeting = %id, by = %who.name, "draft meeting deleted");
            Ok(StatusCode::NO_CONTENT)
        }
        DraftDeletion::NotFound => Err(ApiError::not_found("meeting")),
        DraftDeletion::NotDraft => Err(ApiError::not_draft()),
    }
}

/// `POST /api/v1/meetings/{id}/open`.
pub async fn open_meeting(
    State(state): State<AppState>,
    who: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let opened = state.writer.open(&id).await;
    state.meetings.forget(&id);
    opened?;
    tracing::info!(meeting = %id, by = %who.name, "meeting opened");
    Ok(Json(meeting_json(
        &state,
        &meeting_or_404(&state, &id).await?,
    )))
}

/// `POST /api/v1/meetings/{id}/close`: returns the final checkpoint.
pub async fn close_meeting(
    State(state): State<AppState>,
    who: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let closed = state.writer.close(&id).await;
    state.meetings.forget(&id);
    let note = closed?;
    tracing::info!(meeting = %id, by = %who.name, "meeting closed");
    let size = crate::trust::checkpoint::Checkpoint::parse_body(
        crate::trust::checkpoint::split_note(&note)
            .map(|(t, _)| t)
            .unwrap_or_default(),
    )
    .map(|c| c.size)
    .unwrap_or_default();
    Ok(Json(
        json!({"id": id, "state": "closed", "size": size, "checkpoint": note}),
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
    let text = crate::fields::multiline("text", "Notes", &n.text, 20_000)
        .map_err(|e| ApiError::invalid(vec![e]))?;
    let index = state
        .writer
        .notes(&id, &format!("token:{}", who.name), &text)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"index": index}))).into_response())
}

/// `GET /api/v1/meetings/{id}/checkin-link`: what the QR code shows now.
pub async fn checkin_link(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let m = meeting_or_404(&state, &id).await?;
    let (url, token, expires) = current_link(&state, &m);
    Ok(Json(
        json!({"url": url, "token": token, "expires_at": expires.map(ts), "state": m.state}),
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
    let m = state
        .meetings
        .get(&state.store, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("meeting"))?;
    match m.state.as_str() {
        "draft" => return Err(crate::store::writer::WriteError::NotOpen.into()),
        "closed" => return Err(crate::store::writer::WriteError::Closed.into()),
        _ => {}
    }
    let accepted = super::check_in::intake(&state, client.0, &m, &input, None).await?;
    let status = if accepted.existing {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    // The receipt: the signed entry now; its proof follows at receipt_json.
    let receipt = match &accepted.entry {
        Some(entry) => crate::trust::bundle::Receipt {
            format: crate::trust::bundle::RECEIPT_FORMAT.to_owned(),
            entry: entry.clone(),
            inclusion: None,
            checkpoint: None,
            public_keys: vec![*state.signer.public()],
        },
        None => {
            let keys = state.public_keys();
            crate::export::receipt(
                &state.store,
                &state.logs,
                &keys,
                &state.receipts,
                &accepted.receipt_id,
            )
            .await?
            .0
        }
    };
    let base = &state.config.public_url;
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

/// `?disclose=circulated|full|FIELD,FIELD…` on every export (other query
/// members, such as `lang`, are left to others). Read as a list of pairs so
/// that a repeated `disclose` is refused as JSON, like any other mistake.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct ExportQuery(Vec<(String, String)>);

impl ExportQuery {
    /// The disclosure profile asked for (default: circulated).
    pub fn profile(&self) -> Result<Disclose, ApiError> {
        let invalid =
            |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_disclose", m);
        let mut given = self.0.iter().filter(|(k, _)| k == "disclose");
        let value = given.next().map_or("", |(_, v)| v.as_str());
        if given.next().is_some() {
            return Err(invalid(
                "give disclose once: circulated, full, or fields separated by commas".into(),
            ));
        }
        value
            .parse()
            .map_err(|e: crate::personal::DiscloseError| invalid(e.to_string()))
    }
}

/// An export's file name: an archive copy says it holds personal data.
pub fn export_file_name(stem: &str, disclose: &Disclose, extension: &str) -> String {
    if disclose.is_archive() {
        format!("{stem}-full-personal-data.{extension}")
    } else {
        format!("{stem}.{extension}")
    }
}

/// `GET /api/v1/meetings/{id}/bundle`: the signed attendance list.
pub async fn bundle(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    bundle_response(&state, &id, &q.profile()?).await
}

/// The signed list as a JSON download, disclosing what `disclose` shows.
pub async fn bundle_response(
    state: &AppState,
    id: &str,
    disclose: &Disclose,
) -> Result<Response, ApiError> {
    let b = bundle_for(state, id, disclose).await?;
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                export_file_name(&format!("rollcall-{id}"), disclose, "json")
            ),
        )],
        Json(b),
    )
        .into_response())
}

/// A meeting's bundle with only the disclosures `disclose` shows.
pub async fn bundle_for(
    state: &AppState,
    id: &str,
    disclose: &Disclose,
) -> Result<crate::trust::bundle::Bundle, ApiError> {
    let mut b = full_bundle(state, id).await?;
    disclose.apply(&mut b);
    Ok(b)
}

/// `GET /api/v1/meetings/{id}/attendance.csv`.
pub async fn attendance_csv(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    csv_response(&state, &id, &q.profile()?).await
}

/// A meeting's bundle with the texts of every Code version it offers.
pub async fn full_bundle(
    state: &AppState,
    id: &str,
) -> Result<crate::trust::bundle::Bundle, ApiError> {
    Ok(crate::export::bundle(&state.store, &state.logs, &state.public_keys(), id).await?)
}

/// `GET /api/v1/meetings/{id}/attendance.pdf`: the printable list with the
/// signed bundle attached.
pub async fn attendance_pdf(
    State(state): State<AppState>,
    _who: ApiClient,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    pdf_response(&state, &id, &q.profile()?).await
}

/// The printable list as a PDF, the exact bundle this server serves
/// attached to it.
pub async fn pdf_response(
    state: &AppState,
    id: &str,
    disclose: &Disclose,
) -> Result<Response, ApiError> {
    let keys = state.public_keys();
    let b = bundle_for(state, id, disclose).await?;
    let text = crate::export::ListText::for_language(crate::i18n::current())
        .disclosing(disclose)
        .with_verify_page(format!("{}/verify", state.config.public_url));
    let pdf = tokio::task::block_in_place(|| {
        let report = crate::export::verified(&b, &keys);
        if !report.valid {
            tracing::error!(meeting = %id, failures = ?report.failures.iter().take(5).collect::<Vec<_>>(), "stored log does not verify");
            return Err(ApiError::internal());
        }
        let json = serde_json::to_vec(&b).map_err(|e| {
            tracing::error!(meeting = %id, error = %e, "bundle does not serialise");
            ApiError::internal()
        })?;
        crate::export::list_pdf(
            &b,
            &report,
            &json,
            &text,
            &state.fonts,
            OffsetDateTime::now_utc(),
        )
        .map_err(|e| {
            tracing::error!(meeting = %id, error = %e, "PDF list not written");
            ApiError::internal()
        })
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    export_file_name(&format!("rollcall-{id}-list"), disclose, "pdf")
                ),
            ),
        ],
        pdf,
    )
        .into_response())
}

pub async fn csv_response(
    state: &AppState,
    id: &str,
    disclose: &Disclose,
) -> Result<Response, ApiError> {
    let keys = state.public_keys();
    let b = bundle_for(state, id, disclose).await?;
    let report = tokio::task::block_in_place(|| crate::export::verified(&b, &keys));
    if !report.valid {
        tracing::error!(meeting = %id, failures = ?report.failures.iter().take(5).collect::<Vec<_>>(), "stored log does not verify");
        return Err(ApiError::internal());
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    export_file_name(&format!("rollcall-{id}"), disclose, "csv")
                ),
            ),
        ],
        crate::export::csv(&report),
    )
        .into_response())
}

/// `GET /api/v1/receipts/{id}` (public): the receipt with its latest proof.
pub async fn receipt(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<crate::trust::bundle::Receipt>, ApiError> {
    let (r, _) = crate::export::receipt(
        &state.store,
        &state.logs,
        &state.public_keys(),
        &state.receipts,
        &id,
    )
    .await?;
    Ok(Json(r))
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
    meeting_or_404(&state, &id).await?;
    let checkpoints = state.store.checkpoints(&id).await?;
    let Some((size, note)) = checkpoints.last().cloned() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "meeting_not_open",
            "The meeting has no checkpoint yet; it gets one within seconds of opening",
        ));
    };
    let consistency = match from {
        None => None,
        Some(from) if from == 0 || from > size => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_size",
                format!("`from` must be a tree size between 1 and the current size {size}"),
            ))
        }
        Some(from) => {
            let tree = state.logs.load(&state.store, &id).await?;
            let proof = tree
                .read()
                .ok()
                .and_then(|t| t.consistency_proof(from as usize, size as usize))
                .ok_or_else(ApiError::internal)?;
            Some(crate::trust::bundle::encode_hashes(&proof))
        }
    };
    Ok(Json(
        json!({"size": size, "checkpoint": note, "from": from, "consistency": consistency}),
    ))
}
