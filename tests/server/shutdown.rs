//! SIGTERM lets the check-ins in flight finish: every check-in that was
//! answered 2xx is in the log after a restart.

use std::sync::{Arc, Mutex};

use super::{hammer, open_meeting};
use crate::support::http::Server;

#[test]
fn sigterm_finishes_check_ins_in_flight_and_loses_none() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let workers = hammer(
        &server.addr,
        (&id, &token, &code),
        8,
        2000,
        0,
        &acknowledged,
    );
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
    let missing = acknowledged
        .iter()
        .filter(|r| server.get(&format!("/api/v1/receipts/{r}")).status != 200)
        .count();
    assert_eq!(
        missing,
        0,
        "{missing} of {} acknowledged check-ins were lost",
        acknowledged.len()
    );
}
