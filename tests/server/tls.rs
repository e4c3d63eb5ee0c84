//! HTTPS with rustls: a generated self-signed certificate, or the
//! operator's own certificate and key.

use std::process::Command;

use crate::support::have;
use crate::support::http::Server;

fn curl(args: &[&str]) -> (String, String) {
    let mut command = Command::new("curl");
    command.args(args);
    let out = crate::support::http::output_within(&mut command, std::time::Duration::from_secs(60));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn self_signed_https_serves_pages_with_hsts_and_secure_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--self-signed"]);
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let cert = dir.path().join("data/tls/self-signed.pem");
    assert!(
        cert.exists(),
        "the certificate is kept in the data directory"
    );
    if !have("curl", "curl") {
        return;
    }
    let (body, err) = curl(&[
        "-sS",
        "--cacert",
        cert.to_str().unwrap(),
        "--resolve",
        &format!(
            "localhost:{}:127.0.0.1",
            server.addr.rsplit(':').next().unwrap()
        ),
        &format!(
            "https://localhost:{}/healthz",
            server.addr.rsplit(':').next().unwrap()
        ),
    ]);
    assert_eq!(body.trim(), "ok", "{err}");
    let (head, _) = curl(&[
        "-sSk",
        "-D",
        "-",
        "-o",
        "/dev/null",
        &format!("{}/login", server.url),
    ]);
    assert!(
        head.to_ascii_lowercase()
            .contains("strict-transport-security: max-age="),
        "{head}"
    );
    // Plain HTTP to the TLS port is refused.
    let plain = std::panic::catch_unwind(|| {
        crate::support::http::request(&server.addr, "GET", "/healthz", &[], b"")
    });
    assert!(plain.map(|r| r.status != 200).unwrap_or(true));
}

#[test]
fn an_operators_certificate_and_key_are_used() {
    let dir = tempfile::tempdir().unwrap();
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(dir.path().join("cert.pem"), made.cert.pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), made.key_pair.serialize_pem()).unwrap();
    let server = Server::start(
        dir.path(),
        &["--tls-cert", "cert.pem", "--tls-key", "key.pem"],
    );
    let port = server.addr.rsplit(':').next().unwrap().to_owned();
    if !have("curl", "curl") {
        return;
    }
    let (body, err) = curl(&[
        "-sS",
        "--cacert",
        dir.path().join("cert.pem").to_str().unwrap(),
        "--resolve",
        &format!("localhost:{port}:127.0.0.1"),
        &format!("https://localhost:{port}/healthz"),
    ]);
    assert_eq!(body.trim(), "ok", "{err}");
}

#[test]
fn a_missing_certificate_is_a_clear_start_up_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = Server::refused(
        dir.path(),
        &["--tls-cert", "nope.pem", "--tls-key", "nope.key"],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("cannot load the TLS certificate nope.pem"),
        "{err}"
    );
}
