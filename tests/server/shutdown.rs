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

/// SIGTERM or SIGINT at every moment of start-up, on a loaded machine: the
/// server always stops, never keeps running with the signal lost.
#[test]
fn a_stop_signal_sent_at_any_moment_of_start_up_under_load_stops_the_server() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    use crate::support::http::{kill_and_reap, signal, wait_within};

    // Load: two busy threads per core, for at most a minute.
    let busy = Arc::new(AtomicBool::new(true));
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let burners: Vec<_> = (0..cores * 2)
        .map(|_| {
            let busy = busy.clone();
            std::thread::spawn(move || {
                let until = Instant::now() + Duration::from_secs(60);
                let mut x = 0u64;
                while busy.load(Ordering::Relaxed) && Instant::now() < until {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            })
        })
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let (mut graceful, mut before_main, mut after_start) = (0, 0, 0);
    let rounds = 40u64;
    for round in 0..rounds {
        // Every third start is a first start (a new database and key).
        let data = format!("data-{}", round / 3);
        let sig = if round % 4 < 2 {
            libc::SIGTERM
        } else {
            libc::SIGINT
        };
        // Half within the first 20 ms (start-up itself), half spread over
        // the 800 ms after.
        let delay = if round % 2 == 0 {
            Duration::from_micros(round * 500)
        } else {
            Duration::from_millis(round * 617 % 800)
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data", &data])
            .args(["--keys", &format!("keys-{}", round / 3)])
            .current_dir(dir.path())
            .env("ROLLCALL_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rollcall serve");
        // Whether the server had printed that it is running when the
        // signal was sent.
        let running = Arc::new(AtomicBool::new(false));
        let stdout = child.stdout.take().expect("stdout");
        let seen = running.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if line.starts_with("rollcall is running on") {
                    seen.store(true, Ordering::SeqCst);
                }
            }
        });
        std::thread::sleep(delay);
        let announced = running.load(Ordering::SeqCst);
        signal(&child, sig);
        let Some(status) = wait_within(&mut child, Duration::from_secs(20)) else {
            kill_and_reap(&mut child);
            busy.store(false, Ordering::Relaxed);
            panic!(
                "round {round}: signal {sig} sent {} ms after start was lost: \
                 the server was still running 20 s later",
                delay.as_millis()
            );
        };
        if status.success() {
            graceful += 1;
        } else {
            // Once it says it is running, a signal must stop it gracefully
            // (committing the check-ins in flight), never kill it outright.
            assert!(
                !announced,
                "round {round}: the server was running and signal {sig} ended it with {status} \
                 instead of a graceful stop"
            );
            // Only a signal that arrives before `main` runs can take the
            // default action; that still stops the server.
            assert_eq!(
                status.signal(),
                Some(sig),
                "round {round}: {status} after {} ms",
                delay.as_millis()
            );
            before_main += 1;
        }
        if announced {
            after_start += 1;
        }
    }
    busy.store(false, Ordering::Relaxed);
    for b in burners {
        let _ = b.join();
    }
    // The spread of delays reaches past the start-up lines.
    assert!(
        after_start > 0,
        "no signal was sent after the start-up lines"
    );
    assert!(
        graceful > rounds / 2,
        "{graceful} graceful stops of {rounds}"
    );
    eprintln!(
        "{rounds} signals: {graceful} graceful stops ({after_start} after the start-up lines), \
         {before_main} before main"
    );
}
