//! Secretaries: setup, sign-in, sessions, CSRF and API tokens.

use serde_json::json;

use crate::support::http::Server;

const PASSWORD: &str = "correct horse battery";

pub fn setup(server: &Server) -> String {
    let setup = server.setup_url.clone().expect("a first-run setup link");
    let token = setup.split("token=").nth(1).unwrap().to_owned();
    let page = server.get(&format!("/setup?token={token}"));
    assert_eq!(page.status, 200);
    let r = server.post_form(
        "/setup",
        &[],
        &[
            ("token", &token),
            ("email", "sec@example.org"),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    token
}

pub fn login(server: &Server) -> String {
    login_as(server, "sec@example.org")
}

fn login_as(server: &Server, email: &str) -> String {
    let r = server.post_form("/login", &[], &[("email", email), ("password", PASSWORD)]);
    assert_eq!(r.status, 303, "{}", r.text());
    let set = r.all("set-cookie").join("\n");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    r.cookie("rc_session").expect("session cookie")
}

pub fn csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

#[test]
fn the_setup_link_creates_the_first_secretary_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let token = setup(&server);
    let reuse = server.get(&format!("/setup?token={token}"));
    assert_eq!(reuse.status, 403, "the link works once");
    let weak = server.post_form(
        "/setup",
        &[],
        &[
            ("token", &token),
            ("email", "b@example.org"),
            ("password", "short"),
            ("password_again", "short"),
        ],
    );
    assert_eq!(weak.status, 403);
    let cookie = login(&server);
    let console = server.get_with("/console", &[("cookie", &cookie)]);
    assert_eq!(console.status, 200);
    assert!(console.text().contains("sec@example.org"));
}

#[test]
fn the_new_secretary_lands_in_the_console_signed_in_after_setup() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let setup = server.setup_url.clone().expect("a first-run setup link");
    let token = setup.split("token=").nth(1).unwrap().to_owned();
    let r = server.post_form(
        "/setup",
        &[],
        &[
            ("token", &token),
            ("email", "Sec@Example.ORG"),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        r.header("location"),
        Some("/console"),
        "not the sign-in page"
    );
    // The session cookie has the sign-in's flags.
    let set = r.all("set-cookie").join("\n");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
        "{set}"
    );
    let cookie = r.cookie("rc_session").expect("a session cookie");
    let console = server.get_with("/console", &[("cookie", &cookie)]);
    assert_eq!(console.status, 200, "signed in: {}", console.text());
    let page = console.text();
    assert!(page.contains("Sec@example.org"), "the account, as stored");
    // The session carries its CSRF token: a console form goes through.
    let made = server.post_form(
        "/console/meetings",
        &[("cookie", &cookie)],
        &[
            ("csrf", &csrf(&page)),
            ("title", "First meeting"),
            ("starts_at", "2026-12-01T09:00"),
            ("ends_at", "2026-12-01T17:00"),
            ("timezone", "Europe/Paris"),
            ("presence", "rotating"),
        ],
    );
    assert_eq!(made.status, 303, "{}", made.text());
    assert!(made
        .header("location")
        .is_some_and(|l| l.starts_with("/console/meetings/m-")));
    // The link still works once, and signing out ends that session.
    assert_eq!(server.get(&format!("/setup?token={token}")).status, 403);
    let out = server.post_form("/logout", &[("cookie", &cookie)], &[("csrf", &csrf(&page))]);
    assert_eq!(out.status, 303);
    let after = server.get_with("/console", &[("cookie", &cookie)]);
    assert_eq!(after.header("location"), Some("/login"));
    // Signing in with the password chosen at setup works too.
    assert!(!login_as(&server, "Sec@Example.ORG").is_empty());
}

#[test]
fn sign_in_rotates_the_session_and_wrong_passwords_are_limited() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--login-rate", "3"]);
    setup(&server);
    let first = login(&server);
    let second = login(&server);
    assert_ne!(first, second, "a new session id at every sign-in");
    let wrong = server.post_form(
        "/login",
        &[],
        &[("email", "sec@example.org"), ("password", "nope nope nope")],
    );
    assert_eq!(wrong.status, 401);
    assert!(wrong.text().contains("The email or password is wrong"));
    let limited = server.post_form(
        "/login",
        &[],
        &[("email", "sec@example.org"), ("password", "nope nope nope")],
    );
    assert_eq!(limited.status, 429);
    // Without a session the console sends people to sign in.
    let anon = server.get("/console");
    assert_eq!(anon.status, 303);
    assert_eq!(anon.header("location"), Some("/login"));
}

#[test]
fn console_forms_need_the_session_csrf_token_and_same_origin() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    setup(&server);
    let cookie = login(&server);
    let page = server.get_with("/console", &[("cookie", &cookie)]).text();
    let token = csrf(&page);
    let meeting = [
        ("title", "Working group 11"),
        ("starts_at", "2026-12-01T09:00:00+01:00"),
        ("ends_at", "2026-12-01T17:00:00+01:00"),
        ("timezone", "Europe/Paris"),
        ("presence", "rotating"),
    ];
    let mut forged: Vec<(&str, &str)> = vec![("csrf", "wrong")];
    forged.extend_from_slice(&meeting);
    assert_eq!(
        server
            .post_form("/console/meetings", &[("cookie", &cookie)], &forged)
            .status,
        403
    );
    let mut good: Vec<(&str, &str)> = vec![("csrf", &token)];
    good.extend_from_slice(&meeting);
    let cross = server.post_form(
        "/console/meetings",
        &[("cookie", &cookie), ("sec-fetch-site", "cross-site")],
        &good,
    );
    assert_eq!(cross.status, 403, "cross-site form posts are refused");
    let other_origin = server.post_form(
        "/console/meetings",
        &[("cookie", &cookie), ("origin", "https://evil.example")],
        &good,
    );
    assert_eq!(other_origin.status, 403);
    let created = server.post_form(
        "/console/meetings",
        &[("cookie", &cookie), ("sec-fetch-site", "same-origin")],
        &good,
    );
    assert_eq!(created.status, 303, "{}", created.text());
    let at = created.header("location").unwrap().to_owned();
    let shown = server.get_with(&at, &[("cookie", &cookie)]);
    assert!(shown.text().contains("Working group 11"));
    let id = at.rsplit('/').next().unwrap();
    let opened = server.post_form(
        &format!("/console/meetings/{id}/open"),
        &[("cookie", &cookie)],
        &[("csrf", &token)],
    );
    assert_eq!(opened.status, 303);
    let qr = server.get_with(
        &format!("/console/meetings/{id}/qr.svg"),
        &[("cookie", &cookie)],
    );
    assert_eq!(qr.header("content-type"), Some("image/svg+xml"));
    let png = server.get_with(
        &format!("/console/meetings/{id}/qr.png"),
        &[("cookie", &cookie)],
    );
    assert!(png.body.starts_with(b"\x89PNG"));
    assert_eq!(
        server.get(&format!("/console/meetings/{id}/qr.svg")).status,
        303,
        "the QR code needs a session"
    );
    let out = server.post_form("/logout", &[("cookie", &cookie)], &[("csrf", &token)]);
    assert_eq!(out.status, 303);
    assert_eq!(
        server.get_with("/console", &[("cookie", &cookie)]).status,
        303,
        "the session is gone"
    );
}

#[test]
fn the_api_needs_a_valid_bearer_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let body = json!({"title": "T", "starts_at": "2026-12-01T09:00:00Z", "ends_at": "2026-12-01T10:00:00Z"});
    let none = server.post_json("/api/v1/meetings", None, &body);
    assert_eq!(none.status, 401);
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    assert!(none.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("rollcall token create"));
    assert_eq!(
        server
            .post_json("/api/v1/meetings", Some("rc_forged"), &body)
            .status,
        401
    );
    let api = server.token("ok");
    assert_eq!(
        server
            .post_json("/api/v1/meetings", Some(&api), &body)
            .status,
        201
    );
    assert_eq!(server.get("/api/v1/meetings").status, 401);
    assert_eq!(server.get("/api/v1/meetings/m-x/bundle").status, 401);
}

#[test]
fn a_secretary_signs_in_whatever_the_case_of_their_emails_domain() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    setup(&server);
    for typed in ["sec@Example.ORG", "  sec@example.org "] {
        let r = server.post_form("/login", &[], &[("email", typed), ("password", PASSWORD)]);
        assert_eq!(r.status, 303, "{typed:?}: {}", r.text());
    }
    // The password still has to be right.
    let wrong = server.post_form(
        "/login",
        &[],
        &[
            ("email", "sec@EXAMPLE.org"),
            ("password", "not the password"),
        ],
    );
    assert_eq!(wrong.status, 401);
}

#[test]
fn expired_sessions_are_swept_when_someone_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    setup(&server);
    let live = login(&server);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt.block_on(crate::support::store_of(dir.path()));
    // A session left 13 hours ago, never signed out of.
    let account = rt
        .block_on(store.enabled_user("sec@example.org"))
        .unwrap()
        .unwrap();
    let (user, hash) = (account.user_id, account.password_hash);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let stale = b"a session nobody signed out of".to_vec();
    assert!(rt
        .block_on(store.create_session(&stale, user, &hash, "csrf", now - 13 * 3600))
        .unwrap());
    assert!(rt.block_on(store.session(&stale)).unwrap().is_some());

    login(&server);
    assert!(
        rt.block_on(store.session(&stale)).unwrap().is_none(),
        "the expired session is gone"
    );
    // Live sessions are kept.
    let console = server.get_with("/console", &[("cookie", &live)]);
    assert_eq!(console.status, 200);
}
