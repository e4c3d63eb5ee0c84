//! An attacker's view (OWASP ASVS 5.0 checks), over real HTTP: cross-site
//! requests on every state-changing route, hostile names in every output,
//! headers on every kind of response, the signing key never leaving its
//! file, and no way in without the one-time setup link.
//!
//! Sign-in session rotation and the login limit are in `auth.rs`; refused
//! presence tokens (forged, expired, other meeting), the check-in limit,
//! closed meetings and rejected control/bidi characters in `bad_input.rs`.

use std::io::{Read, Write};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::auth::{csrf, login, setup};
use super::{attendee, open_meeting};
use crate::support::http::{request, Response, Server};

/// Every route of the router, as (method, path with `{id}`), listed by the
/// router itself, so that a route added later is covered without editing
/// this test.
fn routes() -> Vec<(String, String)> {
    rollcall::http::routes()
        .into_iter()
        .map(|(method, path)| (method.to_string(), path.to_owned()))
        .collect()
}

#[test]
fn every_state_changing_route_refuses_cross_site_requests() {
    let routes = routes();
    let changing: Vec<&(String, String)> = routes.iter().filter(|(m, _)| m != "GET").collect();
    assert!(routes.len() >= 30, "{routes:?}");
    assert!(changing.len() >= 12, "{changing:?}");
    for deletion in [
        ("DELETE", "/api/v1/meetings/{id}"),
        ("POST", "/console/meetings/{id}/delete"),
    ] {
        assert!(
            changing
                .iter()
                .any(|(m, p)| (m.as_str(), p.as_str()) == deletion),
            "{deletion:?} is read from the router: {changing:?}"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    setup(&server);
    let cookie = login(&server);
    let token = csrf(&server.get_with("/console", &[("cookie", &cookie)]).text());
    let api = server.token("t");
    let draft = server.post_json(
        "/api/v1/meetings",
        Some(&api),
        &json!({"title": "Draft", "starts_at": "2026-12-01T09:00:00Z", "ends_at": "2026-12-01T10:00:00Z"}),
    );
    let id = draft.json()["id"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {api}");

    let mut refused = 0;
    for (method, path) in &changing {
        let path = path.replace("{id}", &id);
        // A valid session, CSRF token and API token: only the site differs.
        let body = format!("csrf={token}&title=Forged&starts_at=2026-12-01T09%3A00%3A00Z&ends_at=2026-12-01T10%3A00%3A00Z");
        for evil in [
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-site", "same-site"),
            ("origin", "https://evil.example"),
            ("origin", "null"),
        ] {
            let r = request(
                &server.addr,
                method,
                &path,
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("cookie", &cookie),
                    ("authorization", &bearer),
                    evil,
                ],
                body.as_bytes(),
            );
            assert_eq!(r.status, 403, "{method} {path} with {evil:?}: {}", r.text());
            assert!(r.text().contains("sent from another web site"));
            refused += 1;
        }
    }
    // Nothing changed: one meeting, still a draft, the session still valid.
    let list = server.get_auth("/api/v1/meetings", &api).json();
    assert_eq!(list["meetings"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list["meetings"][0]["state"], "draft", "{list}");
    assert_eq!(
        server.get_with("/console", &[("cookie", &cookie)]).status,
        200
    );
    println!(
        "cross-site requests refused: {refused}/{refused} ({} state-changing routes of {})",
        changing.len(),
        routes.len()
    );
}

/// The security headers every response carries.
fn assert_hardened(what: &str, r: &Response) {
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("cross-origin-opener-policy", "same-origin"),
    ] {
        assert_eq!(r.header(name), Some(value), "{what} ({}): {name}", r.status);
    }
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{what} ({}): CSP {csp:?}",
        r.status
    );
    assert!(r.header("cache-control").is_some(), "{what}: cache-control");
}

#[test]
fn every_kind_of_response_carries_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--checkin-rate", "1"]);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let checkins = format!("/api/v1/meetings/{id}/checkins");
    let first = server.post_json(&checkins, None, &attendee(&token, &code, 1));
    let mut seen = vec![
        ("home page", server.get("/")),
        ("static file", server.get("/static/style.css")),
        ("health", server.get("/healthz")),
        ("metrics", server.get("/metrics")),
        ("keys", server.get("/.well-known/rollcall-keys.json")),
        ("check-in page", server.get(&format!("/m/{id}?t={token}"))),
        ("login page", server.get("/login")),
        ("redirect", server.get("/console")),
        ("API 401", server.get("/api/v1/meetings")),
        ("404 page", server.get("/no/such/page")),
        ("404 API", server.get("/api/v1/receipts/nothing")),
        ("405", request(&server.addr, "DELETE", "/healthz", &[], b"")),
        (
            "413",
            request(
                &server.addr,
                "POST",
                &checkins,
                &[("content-type", "application/json")],
                &vec![b'x'; 100 * 1024],
            ),
        ),
        (
            "422",
            server.post_json(&checkins, None, &json!({"token": token})),
        ),
        (
            "403 cross-site",
            server.post_form("/login", &[("sec-fetch-site", "cross-site")], &[]),
        ),
        ("check-in 201", first),
        (
            "429",
            server.post_json(&checkins, None, &attendee(&token, &code, 2)),
        ),
    ];
    // 408: a request whose body never arrives is cut off after 15 s.
    let mut slow = std::net::TcpStream::connect(&server.addr).unwrap();
    slow.set_read_timeout(Some(std::time::Duration::from_secs(40)))
        .unwrap();
    write!(
        slow,
        "POST {checkins} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        server.addr
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = slow.read_to_end(&mut raw);
    seen.push(("408", crate::support::http::parse_response(&raw)));

    let statuses: Vec<u16> = seen.iter().map(|(_, r)| r.status).collect();
    for wanted in [200, 201, 303, 401, 403, 404, 405, 408, 413, 422, 429] {
        assert!(
            statuses.contains(&wanted),
            "a {wanted} was seen: {statuses:?}"
        );
    }
    for (what, r) in &seen {
        assert_hardened(what, r);
    }
}

#[test]
fn hostile_names_come_out_escaped_in_every_page_and_the_pdf_and_neutralised_in_csv() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    setup(&server);
    let cookie = login(&server);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let hostile = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+SUM(1+1)",
        "-2+3",
        "@cmd",
        "Bobby) Tj ET BT /JavaScript (x",
    ];
    let mut receipts = Vec::new();
    for (n, name) in hostile.iter().enumerate() {
        let mut body = attendee(&token, &code, n);
        body["name"] = json!(name);
        body["organization"] = json!(format!("{name} Org"));
        let r = server.post_json(&format!("/api/v1/meetings/{id}/checkins"), None, &body);
        assert_eq!(r.status, 201, "{name}: {}", r.text());
        receipts.push(r.json()["receipt_id"].as_str().unwrap().to_owned());
    }
    // Bidi overrides and control characters are refused outright.
    for bad in [
        "Mallory\u{202E}gnp.exe",
        "Eve\u{2066}x",
        "Null\u{0}Byte",
        "Bell\u{7}",
    ] {
        let mut body = attendee(&token, &code, 99);
        body["name"] = json!(bad);
        let r = server.post_json(&format!("/api/v1/meetings/{id}/checkins"), None, &body);
        assert_eq!(r.status, 422, "{bad:?}: {}", r.text());
    }

    let session = [("cookie", cookie.as_str())];
    let mut pages: Vec<(String, Response)> = Vec::new();
    let visit = |paths: Vec<String>, pages: &mut Vec<(String, Response)>| {
        for path in paths {
            let r = server.get_with(&path, &session);
            pages.push((path, r));
        }
    };
    // While open: the console, arrivals and the presenter's screen.
    visit(
        vec![
            format!("/console/meetings/{id}"),
            format!("/console/meetings/{id}/arrivals"),
            format!("/console/meetings/{id}/present"),
        ],
        &mut pages,
    );
    // Once closed: the printed list, the receipts and the console again.
    let closed = server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &json!({}),
    );
    assert_eq!(closed.status, 200, "{}", closed.text());
    let mut after: Vec<String> = receipts.iter().map(|r| format!("/r/{r}")).collect();
    after.extend([
        format!("/console/meetings/{id}"),
        format!("/console/meetings/{id}/list"),
        "/console".to_owned(),
    ]);
    visit(after, &mut pages);
    for (path, r) in &pages {
        assert_eq!(r.status, 200, "{path}");
        let html = r.text();
        for bad in ["<script>alert", "<img src=x", "onerror=alert(1)>"] {
            assert!(!html.contains(bad), "{path} shows {bad:?} unescaped");
        }
    }
    let list = pages
        .iter()
        .find(|(p, _)| p.ends_with("/list"))
        .unwrap()
        .1
        .text();
    assert!(
        list.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "printed list escapes names"
    );

    // PDF: each name is printed as the text it is, nothing in it becomes
    // PDF syntax, and the list still verifies.
    let pdf = server.get_with(&format!("/console/meetings/{id}/list.pdf"), &session);
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    for active in [
        &b"/JavaScript"[..],
        b"/JS",
        b"/OpenAction",
        b"/Launch",
        b"/URI",
    ] {
        assert!(
            !contains(&pdf.body, active),
            "the PDF list carries {}",
            String::from_utf8_lossy(active)
        );
    }
    let path = dir.path().join("hostile.pdf");
    std::fs::write(&path, &pdf.body).unwrap();
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    // In the order the PDF draws its text, so that wrapped cells side by
    // side do not interleave.
    if super::list_pdf::poppler() {
        let mut pdftotext = std::process::Command::new("pdftotext");
        pdftotext
            .args(["-raw", "-enc", "UTF-8"])
            .arg(&path)
            .arg("-");
        let raw =
            crate::support::http::output_within(&mut pdftotext, std::time::Duration::from_secs(60));
        let text = squeeze(&String::from_utf8_lossy(&raw.stdout));
        for name in hostile {
            assert!(
                text.contains(&squeeze(name)),
                "{name} not printed as text in {text}"
            );
        }
    }
    let key = server.public_key();
    let v = server.cli(&["verify", "hostile.pdf", "--key", &key]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));

    // CSV: no cell starts with a formula character.
    let csvs = [
        server.get_auth(&format!("/api/v1/meetings/{id}/attendance.csv"), &api),
        server.get_with(&format!("/console/meetings/{id}/attendance.csv"), &session),
    ];
    for csv in &csvs {
        assert_eq!(csv.status, 200, "{}", csv.text());
        let text = csv.text();
        assert!(text.contains("'=HYPERLINK"), "{text}");
        for cell in text.lines().flat_map(|l| l.split(',')) {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a formula cell {cell:?} in {text}"
            );
        }
    }
}

#[test]
fn the_signing_key_never_appears_in_logs_or_responses() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(Mutex::new(Vec::<u8>::new()));
    let mut server = Server::start_with(dir.path(), &[], |c| {
        c.env("ROLLCALL_LOG", "debug").stderr(Stdio::piped());
    });
    let mut stderr = server.child.stderr.take().unwrap();
    let sink = log.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });

    // The key file is private to its owner.
    use std::os::unix::fs::PermissionsExt;
    let key_path = dir.path().join("keys/signing.pem");
    let mode = std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the signing key file is 0600");

    // A whole meeting, with every kind of page and file.
    setup(&server);
    let cookie = login(&server);
    let session = [("cookie", cookie.as_str())];
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &attendee(&token, &code, 1),
    );
    let receipt = r.json()["receipt_id"].as_str().unwrap().to_owned();
    let mut responses = vec![r];
    for path in [
        "/".to_owned(),
        "/healthz".to_owned(),
        "/metrics".to_owned(),
        "/.well-known/rollcall-keys.json".to_owned(),
        format!("/m/{id}?t={token}"),
        format!("/r/{receipt}"),
        format!("/r/{receipt}/receipt.json"),
        format!("/api/v1/receipts/{receipt}"),
        format!("/api/v1/meetings/{id}/checkpoint?from=1"),
        "/no/such/page".to_owned(),
    ] {
        responses.push(server.get(&path));
    }
    for path in [
        "/console".to_owned(),
        format!("/console/meetings/{id}"),
        format!("/console/meetings/{id}/list"),
        format!("/console/meetings/{id}/bundle.json"),
        format!("/console/meetings/{id}/attendance.csv"),
        format!("/console/meetings/{id}/qr.svg"),
    ] {
        responses.push(server.get_with(&path, &session));
    }
    for path in [
        "/api/v1/meetings".to_owned(),
        format!("/api/v1/meetings/{id}"),
        format!("/api/v1/meetings/{id}/checkin-link"),
        format!("/api/v1/meetings/{id}/bundle"),
    ] {
        responses.push(server.get_auth(&path, &api));
    }
    responses.push(server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &json!({}),
    ));
    let cli = server.cli(&["keys", "show", "--keys", "keys"]);
    server.stop();
    reader.join().unwrap();

    // The private key in every form it could leak in: the PEM text and
    // each of its lines, the 32-byte seed raw, in hex and in base64.
    use base64::Engine;
    use ed25519_dalek::pkcs8::DecodePrivateKey;
    let pem = std::fs::read_to_string(&key_path).unwrap();
    let key = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).unwrap();
    let seed = key.to_bytes();
    let mut forms: Vec<Vec<u8>> = vec![pem.as_bytes().to_vec(), seed.to_vec()];
    forms.extend(
        pem.lines()
            .filter(|l| !l.starts_with("-----") && l.len() >= 16)
            .map(|l| l.as_bytes().to_vec()),
    );
    for engine in [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        forms.push(engine.encode(seed).into_bytes());
        forms.push(engine.encode(key.to_keypair_bytes()).into_bytes());
    }
    forms.push(
        seed.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .into_bytes(),
    );
    forms.push(
        seed.iter()
            .map(|b| format!("{b:02X}"))
            .collect::<String>()
            .into_bytes(),
    );

    let mut everything: Vec<u8> = Vec::new();
    for r in &responses {
        assert!(r.status < 500, "{}", r.text());
        for (k, v) in &r.headers {
            everything.extend_from_slice(format!("{k}: {v}\n").as_bytes());
        }
        everything.extend_from_slice(&r.body);
    }
    everything.extend_from_slice(&cli.stdout);
    everything.extend_from_slice(&cli.stderr);
    let mut log = log.lock().unwrap().clone();
    for line in server.output.lock().unwrap().iter() {
        log.extend_from_slice(line.as_bytes());
        log.push(b'\n');
    }
    assert!(contains(&log, b"DEBUG"), "the server logged at debug level");
    everything.extend_from_slice(&log);
    let public = base64::engine::general_purpose::STANDARD.encode(key.verifying_key().to_bytes());
    assert!(
        contains(&everything, public.as_bytes()),
        "the public key is published (the search works)"
    );
    for (i, form) in forms.iter().enumerate() {
        assert!(
            !contains(&everything, form),
            "form {i} of the private key appears in a response or the log"
        );
    }
    println!(
        "private key absent from {} responses, {} bytes of debug log: {} forms searched",
        responses.len(),
        log.len(),
        forms.len()
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_fresh_server_has_no_default_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--login-rate", "1000"]);
    for (email, password) in [
        ("admin", "admin"),
        ("admin@example.org", "admin"),
        ("admin", "password"),
        ("root", "root"),
        ("admin", ""),
        ("", ""),
        ("secretary", "secretary"),
        ("admin@localhost", "changeme"),
        ("rollcall", "rollcall"),
    ] {
        let r = server.post_form("/login", &[], &[("email", email), ("password", password)]);
        assert_ne!(r.status, 303, "{email}/{password} signed in");
        assert!(r.cookie("rc_session").is_none(), "{email}/{password}");
        assert!(
            r.status == 401 || r.status == 422,
            "{email}/{password}: {}",
            r.status
        );
    }
    // Setup needs the one-time link printed at start-up.
    assert_eq!(server.get("/setup").status, 403);
    assert_eq!(server.get("/setup?token=guess").status, 403);
    let forged = server.post_form(
        "/setup",
        &[],
        &[
            ("token", "guess"),
            ("email", "mallory@example.org"),
            ("password", "correct horse battery"),
            ("password_again", "correct horse battery"),
        ],
    );
    assert_eq!(forged.status, 403);
    assert_eq!(server.get("/console").status, 303);
    // The API has no built-in token either.
    for guess in ["admin", "rc_admin", "token", ""] {
        assert_eq!(server.get_auth("/api/v1/meetings", guess).status, 401);
    }
}
