//! The check-in service, over real HTTP with a real SQLite file.

mod amendments;
mod attack;
pub mod auth;
mod bad_input;
mod codes;
mod concern;
mod console_pages;
mod console_tools;
mod countries;
mod crash;
mod faults;
mod languages;
pub mod list_pdf;
mod personal_data;
mod plenary;
mod postgres;
mod proxy;
mod remote;
mod restart;
mod roster;
mod sessions;
mod shutdown;
mod story;
mod tampering;
mod tls;

use serde_json::{json, Value};

use crate::support::http::Server;

/// A meeting created and opened through the API; returns (id, token, code digest).
pub fn open_meeting(server: &Server, api: &str, presence: &str) -> (String, String, String) {
    let r = server.post_json(
        "/api/v1/meetings",
        Some(api),
        &json!({
            "title": "ISO/TC 46 plenary",
            "committee": "ISO/TC 46",
            "location": "Geneva",
            "starts_at": "2020-01-01T08:00:00+01:00",
            "ends_at": "2099-01-01T18:00:00+01:00",
            "timezone": "Europe/Zurich",
            "presence": presence,
        }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let m = r.json();
    let id = m["id"].as_str().unwrap().to_owned();
    let code = m["code_sha256"].as_str().unwrap().to_owned();
    let open = server.post_json(
        &format!("/api/v1/meetings/{id}/open"),
        Some(api),
        &json!({}),
    );
    assert_eq!(open.status, 200, "{}", open.text());
    let link = server
        .get_auth(&format!("/api/v1/meetings/{id}/checkin-link"), api)
        .json();
    (id, link["token"].as_str().unwrap().to_owned(), code)
}

/// A check-in body for attendee `n`.
pub fn attendee(token: &str, code: &str, n: usize) -> Value {
    json!({
        "token": token,
        "name": format!("Attendee {n}"),
        "organization": "Example Standards Body",
        "country": "CH / SNV",
        "role": "delegate",
        "email": format!("attendee{n}@example.org"),
        "acknowledged": true,
        "code_sha256": code,
    })
}

/// Polls until `f` is true (checkpoints are published every second).
pub fn eventually(mut f: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if f() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

/// Check-ins from `workers` threads, each up to `per_worker` new attendees
/// numbered from `first`, until the server stops answering; the receipt
/// ids of every 201 go into `acknowledged`.
pub fn hammer(
    addr: &str,
    (id, token, code): (&str, &str, &str),
    workers: usize,
    per_worker: usize,
    first: usize,
    acknowledged: &std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..workers)
        .map(|w| {
            let (addr, path) = (addr.to_owned(), format!("/api/v1/meetings/{id}/checkins"));
            let (token, code, ack) = (token.to_owned(), code.to_owned(), acknowledged.clone());
            std::thread::spawn(move || {
                for n in 0..per_worker {
                    let body = attendee(&token, &code, first + w * per_worker + n).to_string();
                    let r = std::panic::catch_unwind(|| {
                        crate::support::http::request(
                            &addr,
                            "POST",
                            &path,
                            &[("content-type", "application/json")],
                            body.as_bytes(),
                        )
                    });
                    match r {
                        Ok(r) if r.status == 201 => ack
                            .lock()
                            .unwrap()
                            .push(r.json()["receipt_id"].as_str().unwrap().to_owned()),
                        _ => break,
                    }
                }
            })
        })
        .collect()
}

/// Asserts that the meeting's current checkpoint provably extends `old`
/// (a signed checkpoint seen earlier): both are signed by one of `keys`, and the
/// RFC 9162 consistency proof from the public checkpoint endpoint
/// (`?from=OLD_SIZE`) links their roots. Returns the current size.
pub fn checkpoint_extends(server: &Server, id: &str, old: &str, keys: &[&str]) -> u64 {
    use rollcall::trust::checkpoint::verify_checkpoint;
    use rollcall::trust::encoding::unb64;
    use rollcall::trust::keys::PublicKey;
    use rollcall::trust::merkle::verify_consistency;

    let keys: Vec<PublicKey> = keys
        .iter()
        .map(|k| PublicKey::parse(k).expect("the server key parses"))
        .collect();
    let old = verify_checkpoint(old, &keys)
        .expect("the earlier checkpoint is signed by the server")
        .checkpoint;
    let r = server.get(&format!(
        "/api/v1/meetings/{id}/checkpoint?from={}",
        old.size
    ));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let new = verify_checkpoint(v["checkpoint"].as_str().unwrap(), &keys)
        .expect("the current checkpoint is signed by the server")
        .checkpoint;
    assert_eq!(new.origin, old.origin, "same log");
    let proof: Vec<[u8; 32]> = v["consistency"]
        .as_array()
        .expect("a consistency proof")
        .iter()
        .map(|h| {
            unb64(h.as_str().unwrap())
                .unwrap()
                .try_into()
                .expect("32-byte hashes")
        })
        .collect();
    assert!(
        verify_consistency(old.size, new.size, &old.root, &new.root, &proof),
        "checkpoint of size {} does not provably extend the one of size {}",
        new.size,
        old.size
    );
    new.size
}

/// Writes `content` beside the server and runs `rollcall verify FILE --key
/// KEY --json` on it; the report, which must say valid.
pub fn verify_json(server: &Server, file: &str, content: &[u8]) -> Value {
    std::fs::write(server.dir.join(file), content).unwrap();
    let key = server.public_key();
    let out = server.cli(&["verify", file, "--key", &key, "--json"]);
    assert!(
        out.status.success(),
        "{file} does not verify:\n{}{}",
        crate::support::text(&out.stdout),
        crate::support::text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Amends a check-in through the API, retrying while the check-in is
/// still being committed; the 201 answer.
pub fn amend_committed(server: &Server, api: &str, id: &str, body: Value) -> Value {
    let mut last = None;
    assert!(
        eventually(|| {
            let r = server.post_json(
                &format!("/api/v1/meetings/{id}/amendments"),
                Some(api),
                &body,
            );
            let done = r.status != 409 || r.json()["error"]["code"] != "not_yet_recorded";
            last = Some(r);
            done
        }),
        "the check-in was never committed"
    );
    let r = last.unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

/// `rollcall erase MEETING --receipt RECEIPT --fields FIELDS` beside the
/// server, on its database (SQLite or PostgreSQL); must succeed.
pub fn erase_by_receipt(server: &Server, id: &str, receipt: &str, fields: &str) {
    let mut args = vec!["erase", id, "--receipt", receipt, "--fields", fields];
    let database = crate::support::pg::url_of(&server.dir);
    match &database {
        Some(url) => args.extend(["--database", url.as_str()]),
        None => args.extend(["--data", "data"]),
    }
    let out = server.cli(&args);
    assert!(
        out.status.success(),
        "{}",
        crate::support::text(&out.stderr)
    );
}
