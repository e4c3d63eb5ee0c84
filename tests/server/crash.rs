//! SIGKILL at random moments under load: every check-in answered 2xx is
//! still there after a restart, checkpoints stay consistent, and the
//! exported list verifies.
//!
//! `ROLLCALL_CRASH_ROUNDS` (3) sets how many kills, `ROLLCALL_CRASH_SEED`
//! the seed of the moments chosen (printed, so a run can be repeated);
//! `bench/crash-soak.sh` runs a long version.

use std::sync::{Arc, Mutex};

use serde_json::json;

use rand_chacha::rand_core::{RngCore, SeedableRng};

use super::{checkpoint_extends, hammer, open_meeting};
use crate::support::http::{kill_and_reap, Server};

#[test]
fn sigkill_under_load_loses_no_acknowledged_check_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut checkpoints: Vec<String> = Vec::new();
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let rounds = env("ROLLCALL_CRASH_ROUNDS", 3) as usize;
    let seed = env("ROLLCALL_CRASH_SEED", 20261201);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let key = server.public_key();
    for round in 0..rounds {
        // A random moment 0.2 to 1.2 s into the load.
        let wait_ms = 200 + rng.next_u64() % 1000;
        let workers = hammer(
            &server.addr,
            (&id, &token, &code),
            6,
            5000,
            round * 1_000_000,
            &acknowledged,
        );
        std::thread::sleep(std::time::Duration::from_millis(wait_ms));
        if let Ok(r) =
            std::panic::catch_unwind(|| server.get(&format!("/api/v1/meetings/{id}/checkpoint")))
        {
            if r.status == 200 {
                let note = r.json()["checkpoint"].as_str().unwrap().to_owned();
                // Each checkpoint provably extends the one before, across
                // every crash, by the public consistency-proof endpoint.
                if let Some(old) = checkpoints.last() {
                    checkpoint_extends(&server, &id, old, &[&key]);
                }
                checkpoints.push(note);
            }
        }
        kill_and_reap(&mut server.child);
        for w in workers {
            let _ = w.join();
        }
        server = Server::start(dir.path(), &["--checkin-rate", "0"]);
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    if let Some(old) = checkpoints.last() {
        assert!(super::eventually(|| server
            .get(&format!("/api/v1/meetings/{id}/checkpoint"))
            .status
            == 200));
        checkpoint_extends(&server, &id, old, &[&key]);
    }
    assert!(
        acknowledged.len() > 100,
        "the load ran ({} check-ins)",
        acknowledged.len()
    );
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|r| server.get(&format!("/api/v1/receipts/{r}")).status != 200)
        .collect();
    println!(
        "SIGKILL x{rounds} (seed {seed}): acknowledged {}, present after restart {}, lost {}; {} checkpoints each extending the last",
        acknowledged.len(),
        acknowledged.len() - lost.len(),
        lost.len(),
        checkpoints.len()
    );
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged check-ins lost",
        lost.len(),
        acknowledged.len()
    );

    // Close and export: every checkpoint seen before a crash is consistent
    // with the final one, and the list verifies.
    assert_eq!(
        server
            .post_json(
                &format!("/api/v1/meetings/{id}/close"),
                Some(&api),
                &json!({})
            )
            .status,
        200
    );
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    let b: rollcall::trust::bundle::Bundle = serde_json::from_slice(&bundle.body).unwrap();
    let earlier: Vec<&str> = b
        .earlier_checkpoints
        .iter()
        .map(|e| e.checkpoint.as_str())
        .collect();
    for c in &checkpoints {
        assert!(
            earlier.contains(&c.as_str()) || *c == b.checkpoint,
            "a checkpoint seen before a crash is in the final list"
        );
    }
    std::fs::write(dir.path().join("list.json"), &bundle.body).unwrap();
    let v = server.cli(&["verify", "list.json", "--key", &server.public_key()]);
    let report = String::from_utf8_lossy(&v.stdout).into_owned();
    assert!(v.status.success(), "{report}");
    let listed = b.entries.len() - 2;
    assert!(
        report.contains(&format!("{listed} check-in(s)")),
        "{report}"
    );
    // Requests cut off by a kill may have been recorded without an answer.
    assert!(listed >= acknowledged.len(), "{listed} listed");
    println!(
        "verified list: {listed} check-ins = {} acknowledged + {} recorded but cut off before the answer",
        acknowledged.len(),
        listed - acknowledged.len()
    );
}
