//! Behind a reverse proxy: per-client rate limits from X-Forwarded-For set by
//! a trusted proxy (and never from one a client wrote), secure cookies when
//! the public URL is https, and clear start-up errors.

use super::{attendee, open_meeting};
use crate::support::http::{request, Response, Server};

fn wrong_password_from(server: &Server, forwarded_for: &str) -> u16 {
    let mut headers = vec![];
    if !forwarded_for.is_empty() {
        headers.push(("x-forwarded-for", forwarded_for));
    }
    server
        .post_form(
            "/login",
            &headers,
            &[
                ("email", "nobody@example.org"),
                ("password", "not the password"),
            ],
        )
        .status
}

fn check_in_from(
    server: &Server,
    id: &str,
    body: &serde_json::Value,
    forwarded_for: &str,
) -> Response {
    request(
        &server.addr,
        "POST",
        &format!("/api/v1/meetings/{id}/checkins"),
        &[
            ("content-type", "application/json"),
            ("x-forwarded-for", forwarded_for),
        ],
        body.to_string().as_bytes(),
    )
}

#[test]
fn behind_a_trusted_proxy_each_attendee_has_their_own_rate_limit() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &[
            "--public-url",
            "https://rollcall.example.org",
            "--trusted-proxy",
            "127.0.0.0/8",
            "--checkin-rate",
            "1",
            "--login-rate",
            "1",
        ],
    );
    assert!(server
        .output
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("client addresses read from X-Forwarded-For set by 127.0.0.0/8")));
    let api = server.token("bench");
    let (id, token, code) = open_meeting(&server, &api, "static");

    // Two attendees on different phones, one request each: both get in,
    // although the proxy's address sends both.
    let a = check_in_from(&server, &id, &attendee(&token, &code, 1), "198.51.100.1");
    assert_eq!(a.status, 201, "{}", a.text());
    let b = check_in_from(&server, &id, &attendee(&token, &code, 2), "198.51.100.2");
    assert_eq!(b.status, 201, "{}", b.text());
    // The first phone again, over its limit of one a minute.
    let again = check_in_from(&server, &id, &attendee(&token, &code, 3), "198.51.100.1");
    assert_eq!(again.status, 429, "{}", again.text());
    // Writing a different address in front of its own does not help: the
    // proxy appends the real one, and only that one is believed.
    let forged = check_in_from(
        &server,
        &id,
        &attendee(&token, &code, 4),
        "203.0.113.99, 198.51.100.1",
    );
    assert_eq!(forged.status, 429, "{}", forged.text());

    // Sign-in attempts are counted per client too.
    assert_eq!(wrong_password_from(&server, "198.51.100.7"), 401);
    assert_eq!(wrong_password_from(&server, "198.51.100.7"), 429);
    assert_eq!(wrong_password_from(&server, "198.51.100.8"), 401);
}

#[test]
fn without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--login-rate", "1"]);
    assert_eq!(wrong_password_from(&server, "198.51.100.1"), 401);
    // Another made-up address each time: still the same peer, still limited.
    assert_eq!(wrong_password_from(&server, "198.51.100.2"), 429);
    assert_eq!(wrong_password_from(&server, ""), 429);
}

#[test]
fn behind_a_tls_proxy_cookies_are_secure_and_hsts_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &["--public-url", "https://rollcall.example.org/"],
    );
    // The trailing slash is dropped from links; the operator is told about
    // rate limits behind a proxy.
    assert_eq!(server.url, "https://rollcall.example.org");
    assert!(server
        .output
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("--trusted-proxy")));
    let page = server.get("/login");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    super::auth::setup(&server);
    let r = server.post_form(
        "/login",
        &[],
        &[
            ("email", "sec@example.org"),
            ("password", "correct horse battery"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let set = r.all("set-cookie").join("\n");
    assert!(
        set.contains("rc_session=") && set.contains("; Secure"),
        "{set}"
    );

    // Served over plain HTTP to plain-HTTP users, neither is sent.
    let plain_dir = tempfile::tempdir().unwrap();
    let plain = Server::start(plain_dir.path(), &[]);
    assert_eq!(
        plain.get("/login").header("strict-transport-security"),
        None
    );
}

fn start_fails(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = Server::refused(dir.path(), args);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        !dir.path().join("data").exists() && !dir.path().join("keys").exists(),
        "a refused start created nothing"
    );
    err
}

#[test]
fn a_bad_public_url_or_proxy_address_is_a_clear_start_up_error() {
    let err = start_fails(&["--public-url", "rollcall.example.org"]);
    assert!(
        err.contains("--public-url \"rollcall.example.org\" is not a web address")
            && err.contains("https://rollcall.example.org"),
        "{err}"
    );
    let err = start_fails(&["--trusted-proxy", "the-proxy"]);
    assert!(
        err.contains("--trusted-proxy \"the-proxy\" is not an IP address or range")
            && err.contains("10.0.0.0/8"),
        "{err}"
    );
}
