//! Health, metrics and the public keys auditors pin.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use super::AppState;

/// `GET /healthz`: 200 when the database answers.
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let open = state
        .store
        .open_meetings()
        .await
        .map(|m| m.len())
        .unwrap_or(0);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(open),
    )
}

/// `GET /.well-known/rollcall-keys.json`: the current and retired public keys.
pub async fn keys(State(state): State<AppState>) -> impl IntoResponse {
    Json(published_keys(&state))
}

/// The public keys as `/.well-known/rollcall-keys.json` lists them.
pub fn published_keys(state: &AppState) -> serde_json::Value {
    let current = state.signer.public();
    json!({
        "current": current.to_base64(),
        "keys": state.keyring.iter().map(|k| json!({
            "public_key": k.public_key.to_base64(),
            "keyid": k.keyid,
            "created_at": k.created_at,
            "retired_at": k.retired_at,
            "current": k.public_key == *current,
        })).collect::<Vec<_>>(),
        "verify": "rollcall verify FILE --key PUBLIC_KEY",
    })
}
