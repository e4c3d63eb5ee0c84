//! A meeting recorded with the real trust core (the same log core the
//! server's writer uses), shared by the trust crate's tests and the root
//! crate's (`#[path]`-included from tests/support/mod.rs).

use rollcall_trust::bundle::Bundle;
use rollcall_trust::code::CodeDocument;
use rollcall_trust::keys::Signer;
use rollcall_trust::recorder::{CheckIn, Recorder};
use rollcall_trust::statement::{Meeting, Presence};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

pub const HOST: &str = "rollcall.test";

pub fn meeting(id: &str) -> Meeting {
    Meeting {
        id: id.to_owned(),
        title: "ISO/TC 46 plenary".to_owned(),
        committee: "ISO/TC 46".to_owned(),
        location: "Geneva, CICG room 3".to_owned(),
        starts_at: datetime!(2026-12-01 09:00 +01:00),
        ends_at: datetime!(2026-12-01 17:00 +01:00),
        timezone: "Europe/Zurich".to_owned(),
    }
}

pub fn opened_at() -> OffsetDateTime {
    datetime!(2026-12-01 07:55 UTC)
}

/// A check-in by attendee number `i`.
pub fn attendee(i: usize) -> (String, String) {
    (format!("Attendee {i}"), format!("attendee{i}@example.org"))
}

/// Records a meeting with `n` check-ins, a checkpoint after the first
/// two, notes and (if `close`) the close.
pub fn recorded_meeting<'a>(signer: &'a Signer, id: &str, n: usize, close: bool) -> Recorder<'a> {
    let mut r = Recorder::open(
        signer,
        rand_core::OsRng,
        HOST,
        meeting(id),
        CodeDocument::iso(),
        vec!["en".into()],
        opened_at(),
    );
    for i in 0..n {
        let (name, email) = attendee(i);
        let now = opened_at() + Duration::minutes(10) + Duration::seconds(i as i64);
        r.check_in(
            &CheckIn {
                name: &name,
                organization: "Example Standards Body",
                country: "CH / SNV",
                email: Some(&email),
                role: "delegate",
                presence: Presence::RotatingQr {
                    not_before: now - Duration::seconds(30),
                    not_after: now + Duration::seconds(90),
                },
                language: "en",
                share_email: false,
            },
            now,
        )
        .expect("the check-in is recorded");
        if i == 1 {
            r.checkpoint();
        }
    }
    if close {
        let t = opened_at() + Duration::hours(8);
        r.notes(
            "Secretary Sam",
            "The convenor presented the Code; no questions.",
            t,
        );
        r.close(t + Duration::minutes(1));
    }
    r
}

pub fn bundle(signer: &Signer, n: usize) -> Bundle {
    recorded_meeting(signer, "m-plenary-2026", n, true).bundle()
}

pub fn signer(seed: u8) -> Signer {
    Signer::from_seed(&[seed; 32])
}

/// Replaces the base64 character at `i` with a different one.
pub fn flip_b64(s: &str, i: usize) -> String {
    let mut bytes = s.as_bytes().to_vec();
    bytes[i] = if bytes[i] == b'Q' { b'R' } else { b'Q' };
    String::from_utf8(bytes).unwrap()
}

/// A bundle of `entries` (as signed by `signer`) of meeting `id`, with one
/// checkpoint over all of them: for tests that sign entries by hand.
pub fn rebuilt(
    signer: &Signer,
    id: &str,
    codes: Vec<String>,
    entries: Vec<rollcall_trust::bundle::Entry>,
) -> Bundle {
    use rollcall_trust::log_core::{bundle, seal, SignedCheckpoint};
    use rollcall_trust::merkle::{leaf_hash, Tree};
    let leaves: Vec<_> = entries
        .iter()
        .map(|e| leaf_hash(&rollcall_trust::encoding::unb64(&e.envelope.payload).unwrap()))
        .collect();
    let tree = Tree::new(&leaves);
    let origin = rollcall_trust::log::origin_for(HOST, id);
    let size = leaves.len() as u64;
    let note = seal(signer, &origin, &tree, size).unwrap();
    bundle(
        codes,
        entries,
        &[SignedCheckpoint { size, note }],
        &tree,
        &[*signer.public()],
    )
    .unwrap()
}
