//! Secretaries: first-run setup, sign-in, sessions, CSRF tokens and API
//! bearer tokens.
//!
//! Sessions live in an HttpOnly, SameSite=Strict cookie (Secure over TLS);
//! the database keeps only the SHA-256 of its value. A new session id is
//! issued at every sign-in, and the first-run setup signs its new secretary
//! in the same way; sessions end after 30 idle minutes or 12 hours.
//! A disabled account cannot sign in, and its sessions are refused.
//!
//! API tokens are looked up by hash on every request (nothing is cached, so
//! `rollcall token revoke` takes effect at once); their `last_used` time is
//! written at most once a minute.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use maud::html;
use rand_core::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use super::client_ip::ClientIp;
use super::error::{page_error, ApiError, PageError};
use super::pages::layout;
use super::AppState;
use crate::i18n::{self, t};
use crate::store::{Credentials, TokenUse};
use crate::trust::encoding::b64url;

const SESSION_COOKIE: &str = "rc_session";
/// A session ends after this many idle seconds.
pub const IDLE_SECONDS: i64 = 30 * 60;
/// A session ends this many seconds after sign-in, however busy.
pub const ABSOLUTE_SECONDS: i64 = 12 * 60 * 60;
/// A token's `last_used` is rewritten only when it is older than this, so
/// a busy client costs one write a minute rather than one per request.
const TOKEN_USE_PRECISION: time::Duration = time::Duration::minutes(1);
/// Settings key of the hashed first-run setup token.
pub const SETUP_KEY: &str = "setup_token_sha256";
/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// 32 random bytes as unpadded base64url.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand_core::OsRng.fill_bytes(&mut b);
    b64url(&b)
}

/// SHA-256 of a secret, as stored.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// An argon2id hash (PHC string) of a password.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn password_ok(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A password a secretary may use, or why not.
pub fn check_new_password(password: &str, again: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(format!(
            "The password must be at least {MIN_PASSWORD} characters long"
        ));
    }
    if password != again {
        return Err("The two passwords differ; type the same password twice".into());
    }
    Ok(())
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Reads a cookie set by rollcall.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    cookie(headers, name)
}

/// A `Set-Cookie` value with rollcall's attributes.
pub fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age: i64,
    same_site: &str,
) -> String {
    let secure = if state.config.https { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite={same_site}{secure}")
}

/// A signed-in secretary (from the session cookie).
#[derive(Debug, Clone)]
pub struct Secretary {
    pub email: String,
    pub csrf: String,
}

impl Secretary {
    /// The secretary as the actor of an action.
    pub fn actor(&self) -> crate::app::Actor {
        crate::app::Actor::Secretary {
            email: self.email.clone(),
        }
    }

    /// Checks a form's CSRF token against the session's.
    fn check_csrf(&self, token: &str) -> Result<(), Response> {
        if bool::from(self.csrf.as_bytes().ct_eq(token.as_bytes())) {
            Ok(())
        } else {
            Err(page_error(
                StatusCode::FORBIDDEN,
                t("auth.form_expired.title"),
                t("auth.form_expired.text"),
            )
            .into_response())
        }
    }
}

/// A console form sent by the signed-in secretary with the session's CSRF
/// token: its `csrf` field is checked (a missing one counts as wrong), the
/// other fields are `T`. Anything else is refused with the page saying the
/// form expired, before the handler runs.
pub struct CsrfForm<T> {
    pub who: Secretary,
    pub form: T,
}

/// A form with no field but its CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct NoFields {}

#[derive(Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    rest: T,
}

impl<T: serde::de::DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let who = Secretary::from_request_parts(&mut parts, state).await?;
        let Form(f) = Form::<WithCsrf<T>>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        who.check_csrf(&f.csrf)?;
        Ok(Self { who, form: f.rest })
    }
}

impl FromRequestParts<AppState> for Secretary {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let to_login = || Redirect::to("/login").into_response();
        let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let hash = digest(&id);
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let session = match state.store.session(&hash).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(to_login()),
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return Err(page_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    t("auth.unavailable.title"),
                    t("auth.unavailable.text"),
                )
                .into_response());
            }
        };
        if now - session.last_seen > IDLE_SECONDS || now - session.created_at > ABSOLUTE_SECONDS {
            let _ = state.store.delete_session(&hash).await;
            return Err(to_login());
        }
        if now - session.last_seen > 60 {
            let _ = state.store.touch_session(&hash, now).await;
        }
        Ok(Secretary {
            email: session.email,
            csrf: session.csrf,
        })
    }
}

/// An API client (from `Authorization: Bearer TOKEN`).
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub name: String,
}

impl FromRequestParts<AppState> for ApiClient {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        // Looked up on every request, never cached: a revoked token is
        // refused from the next request on.
        let hash = digest(token.trim());
        let Some(TokenUse { name, last_used }) = state.store.token(&hash).await? else {
            return Err(ApiError::unauthorized());
        };
        let now = OffsetDateTime::now_utc();
        if last_used.is_none_or(|t| now - t >= TOKEN_USE_PRECISION) {
            if let Err(e) = state.store.token_used(&hash, now).await {
                tracing::warn!(error = %e, token = %name, "cannot record the token's use");
            }
        }
        Ok(ApiClient { name })
    }
}

// ---- First-run setup ----

#[derive(Deserialize)]
pub struct SetupQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    email: String,
    password: String,
    password_again: String,
}

async fn setup_token_ok(state: &AppState, token: &str) -> bool {
    match state.store.setting(super::auth::SETUP_KEY).await {
        Ok(Some(stored)) => bool::from(stored.ct_eq(&digest(token))),
        _ => false,
    }
}

fn setup_form(token: &str, email: &str, error: Option<&str>) -> Html<String> {
    Html(
        layout(
            t("setup.title"),
            html! {
                h1 { (t("setup.title")) }
                p { (t("setup.intro")) " " code { "rollcall user add EMAIL" } }
                @if let Some(e) = error { div.errors role="alert" { p { (e) } } }
                form.stack method="post" action="/setup" {
                    input type="hidden" name="token" value=(token);
                    div { label for="email" { (t("auth.email")) } input #email type="email" name="email" value=(email) autocomplete="username" required; }
                    div { label for="password" { (t("auth.password")) span.hint { (i18n::f("setup.password_hint", &[("n", &MIN_PASSWORD.to_string())])) } }
                          input #password type="password" name="password" autocomplete="new-password" required; }
                    div { label for="password_again" { (t("setup.password_again")) }
                          input #password_again type="password" name="password_again" autocomplete="new-password" required; }
                    div { button type="submit" { (t("setup.submit")) } }
                }
            },
        )
        .into_string(),
    )
}

/// `GET /setup?token=…`.
pub async fn setup_page(State(state): State<AppState>, Query(q): Query<SetupQuery>) -> Response {
    if !setup_token_ok(&state, &q.token).await {
        return page_error(
            StatusCode::FORBIDDEN,
            t("setup.invalid.title"),
            t("setup.invalid.text"),
        )
        .into_response();
    }
    setup_form(&q.token, "", None).into_response()
}

/// `POST /setup`.
pub async fn setup_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<SetupForm>,
) -> Response {
    if !setup_token_ok(&state, &f.token).await {
        return page_error(
            StatusCode::FORBIDDEN,
            t("setup.invalid.title"),
            t("setup.invalid.text"),
        )
        .into_response();
    }
    let email = match crate::fields::email(&f.email) {
        Ok(Some(e)) => e,
        _ => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                setup_form(&f.token, &f.email, Some(t("setup.bad_email"))),
            )
                .into_response()
        }
    };
    if let Err(msg) = check_new_password(&f.password, &f.password_again) {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            setup_form(&f.token, &email, Some(&msg)),
        )
            .into_response();
    }
    let Ok(hash) = hash_password(&f.password) else {
        return page_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            t("setup.error.title"),
            t("setup.error.text"),
        )
        .into_response();
    };
    let created = match state
        .store
        .create_user(&email, &hash, OffsetDateTime::now_utc())
        .await
    {
        Ok(created) => created,
        Err(e) => return PageError::from(e).into_response(),
    };
    let _ = state.store.delete_setting(SETUP_KEY).await;
    if !created {
        // The address already had an account (created meanwhile, by the
        // same form sent twice): its own password signs in, not this one.
        return Redirect::to("/login").into_response();
    }
    tracing::info!("first secretary account created");
    // The new secretary is signed in, as after a sign-in with the password
    // just chosen.
    let user = match state.store.enabled_user(&email).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(e) => return PageError::from(e).into_response(),
    };
    match start_session(&state, &headers, &user).await {
        Ok(Some(cookie)) => {
            ([(header::SET_COOKIE, cookie)], Redirect::to("/console")).into_response()
        }
        Ok(None) => Redirect::to("/login").into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

/// Starts a session for an account whose password was just checked (or
/// just chosen): a fresh session id and CSRF token, any previous session
/// of this browser ended, expired sessions swept. Returns the
/// `Set-Cookie` value, or `None` (and no session) if the account was
/// disabled or its password changed in the meantime.
async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    user: &Credentials,
) -> Result<Option<String>, crate::store::StoreError> {
    let id = random_token();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    if !state
        .store
        .create_session(
            &digest(&id),
            user.user_id,
            &user.password_hash,
            &random_token(),
            now,
        )
        .await?
    {
        return Ok(None);
    }
    // A previous session cookie on this browser is replaced and forgotten.
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        let _ = state.store.delete_session(&digest(&old)).await;
    }
    // Sessions that expired without signing out are swept at each sign-in,
    // so they do not pile up.
    if let Err(e) = state
        .store
        .delete_expired_sessions(now - IDLE_SECONDS, now - ABSOLUTE_SECONDS)
        .await
    {
        tracing::warn!(error = %e, "could not delete expired sessions");
    }
    Ok(Some(set_cookie(
        state,
        SESSION_COOKIE,
        &id,
        ABSOLUTE_SECONDS,
        "Strict",
    )))
}

// ---- Sign-in ----

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

fn login_form(email: &str, error: Option<&str>) -> Html<String> {
    Html(
        layout(
            t("login.title"),
            html! {
                h1 { (t("login.title")) }
                @if let Some(e) = error { div.errors role="alert" { p { (e) } } }
                form.stack method="post" action="/login" {
                    div { label for="email" { (t("auth.email")) } input #email type="email" name="email" value=(email) autocomplete="username" required; }
                    div { label for="password" { (t("auth.password")) } input #password type="password" name="password" autocomplete="current-password" required; }
                    div { button type="submit" { (t("login.submit")) } }
                }
            },
        )
        .into_string(),
    )
}

/// `GET /login`.
pub async fn login_page() -> impl IntoResponse {
    login_form("", None)
}

/// `POST /login`: rate-limited per address; a fresh session id every time.
pub async fn login_submit(
    State(state): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    if !state.login_limit.allow(client.0) {
        state.metrics.rate_limited();
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "60")],
            login_form(&f.email, Some(t("login.too_many"))),
        )
            .into_response();
    }
    // Accounts are stored as `user add` and setup normalise the address
    // (domain in lower case); look them up the same way.
    let email = match crate::fields::email(&f.email) {
        Ok(Some(e)) => e,
        _ => f.email.trim().to_owned(),
    };
    // A disabled account is looked up as unknown: same work, same answer.
    let user = match state.store.enabled_user(&email).await {
        Ok(u) => u,
        Err(e) => return PageError::from(e).into_response(),
    };
    // Verify even for unknown users, so timing does not reveal accounts.
    let dummy = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$7tWcGx7pfn+kXn4Qm+zZ0T6eo2gYwS/MU3hUzUi2Fhc";
    let ok = password_ok(
        &f.password,
        user.as_ref().map_or(dummy, |u| u.password_hash.as_str()),
    );
    let wrong = || {
        (
            StatusCode::UNAUTHORIZED,
            login_form(&email, Some(t("login.wrong"))),
        )
            .into_response()
    };
    let Some(user) = user.filter(|_| ok) else {
        return wrong();
    };
    // No session if the account was disabled or its password changed while
    // the password was being checked.
    match start_session(&state, &headers, &user).await {
        Ok(Some(cookie)) => {
            ([(header::SET_COOKIE, cookie)], Redirect::to("/console")).into_response()
        }
        Ok(None) => wrong(),
        Err(e) => PageError::from(e).into_response(),
    }
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    _: CsrfForm<NoFields>,
) -> Response {
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        let _ = state.store.delete_session(&digest(&id)).await;
    }
    (
        [(
            header::SET_COOKIE,
            set_cookie(&state, SESSION_COOKIE, "", 0, "Strict"),
        )],
        Redirect::to("/login"),
    )
        .into_response()
}
