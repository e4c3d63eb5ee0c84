//! SIGTERM lets the check-ins in flight finish: every check-in that was
//! answered 2xx is in the log after a restart.

use std::sync::{Arc, Mutex};

use super::{attendee, open_meeting};
use crate::support::http::{request, Server};

#[test]
fn sigterm_finishes_check_ins_in_flight_and_loses_none() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let addr = server.addr.clone();
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let (addr, id, token, code, ack) = (
                addr.clone(),
                id.clone(),
                token.clone(),
                code.clone(),
                acknowledged.clone(),
            );
            std::thread::spawn(move || {
                for n in 0..2000 {
                    let body = attendee(&token, &code, w * 100_000 + n).to_string();
                    let r = std::panic::catch_unwind(|| {
                        request(
                            &addr,
                            "POST",
                            &format!("/api/v1/meetings/{id}/checkins"),
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
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert!(
        server.stop().success(),
        "the server exits cleanly on SIGTERM"
    );
    for w in workers {
        let _ = w.join();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(!acknowledged.is_empty());

    let server = Server::start(dir.path(), &[]);
    let mut missing = 0;
    for receipt in &acknowledged {
        if server.get(&format!("/api/v1/receipts/{receipt}")).status != 200 {
            missing += 1;
        }
    }
    assert_eq!(
        missing,
        0,
        "{missing} of {} acknowledged check-ins were lost",
        acknowledged.len()
    );
}
