//! Any edit to a bundle is caught, with a reason.

use rollcall_trust::bundle::Bundle;
use rollcall_trust::verify::{verify_bundle, verify_json, Options};

use crate::support::{bundle, recorded_meeting, signer};

fn pinned(s: &rollcall_trust::keys::Signer) -> Options<'static> {
    Options {
        pinned: vec![*s.public()],
        ..Options::default()
    }
}

/// Whether `verify` refuses these bytes (unreadable or invalid), and why.
fn refused(bytes: &[u8], options: &Options<'_>) -> Option<String> {
    match verify_json(bytes.to_vec(), options) {
        Err(e) => Some(e.to_string()),
        Ok(r) if !r.valid => Some(format!(
            "{}: {}",
            r.failures[0].location, r.failures[0].reason
        )),
        Ok(_) => None,
    }
}

#[test]
fn changing_any_byte_of_a_bundle_is_caught() {
    let s = signer(1);
    let b = bundle(&s, 2);
    let json = serde_json::to_vec(&b).unwrap();
    assert!(
        refused(&json, &pinned(&s)).is_none(),
        "the untouched bundle verifies"
    );
    // The Code text is long and uniform: test every 13th byte of it and
    // every byte of everything else.
    let text = serde_json::to_string(&b.codes[0]).unwrap();
    let code_at = json
        .windows(64)
        .position(|w| w == &text.as_bytes()[..64])
        .unwrap();
    let code_range = code_at..code_at + text.len();
    let (mut tried, mut caught) = (0, 0);
    let mut missed = Vec::new();
    for self_vouching in [false, true] {
        let options = if self_vouching {
            Options::default()
        } else {
            pinned(&s)
        };
        for i in 0..json.len() {
            if code_range.contains(&i) && i % 13 != 0 {
                continue;
            }
            let mut m = json.clone();
            m[i] ^= 0x01;
            tried += 1;
            match refused(&m, &options) {
                Some(_) => caught += 1,
                None => missed.push((
                    i,
                    String::from_utf8_lossy(&json[i.saturating_sub(30)..(i + 30).min(json.len())])
                        .into_owned(),
                )),
            }
        }
    }
    assert!(
        missed.is_empty(),
        "{caught}/{tried} caught; missed: {missed:#?}"
    );
}

fn reasons(b: &Bundle, s: &rollcall_trust::keys::Signer) -> Vec<String> {
    let r = verify_bundle(b, &pinned(s));
    assert!(!r.valid, "the edited bundle must be rejected");
    r.failures
        .iter()
        .map(|f| format!("{}: {}", f.location, f.reason))
        .collect()
}

#[test]
fn reordered_entries_are_caught() {
    let s = signer(1);
    let mut b = bundle(&s, 4);
    b.entries.swap(2, 3);
    let why = reasons(&b, &s);
    assert!(
        why.iter().any(|w| w.contains("root hash does not match")),
        "{why:?}"
    );
    assert!(why.iter().any(|w| w.contains("out of order")), "{why:?}");
}

#[test]
fn a_dropped_entry_is_caught() {
    let s = signer(1);
    let mut b = bundle(&s, 4);
    b.entries.remove(3);
    let why = reasons(&b, &s);
    assert!(
        why.iter()
            .any(|w| w.contains("covers 7 entries but the bundle has 6")),
        "{why:?}"
    );
}

#[test]
fn a_duplicated_entry_is_caught() {
    let s = signer(1);
    let mut b = bundle(&s, 4);
    let dup = b.entries[2].clone();
    b.entries.insert(3, dup);
    let why = reasons(&b, &s);
    assert!(
        why.iter()
            .any(|w| w.contains("entries[3]: duplicates entries[2]")),
        "{why:?}"
    );
}

#[test]
fn a_checkpoint_from_another_meeting_is_caught() {
    let s = signer(1);
    let mut b = bundle(&s, 2);
    let other = recorded_meeting(&s, "m-other", 2, true).bundle();
    b.checkpoint = other.checkpoint.clone();
    let why = reasons(&b, &s);
    assert!(
        why.iter()
            .any(|w| w.contains("not meeting \"m-plenary-2026\"")),
        "{why:?}"
    );
}

#[test]
fn entries_from_another_meeting_are_caught() {
    let s = signer(1);
    let mut b = bundle(&s, 2);
    let other = recorded_meeting(&s, "m-other", 2, true).bundle();
    b.entries[2] = other.entries[2].clone();
    let why = reasons(&b, &s);
    assert!(
        why.iter()
            .any(|w| w.contains("belongs to meeting \"m-other\"")),
        "{why:?}"
    );
}

#[test]
fn an_altered_code_text_is_caught() {
    let s = signer(1);
    let mut b = bundle(&s, 1);
    b.codes[0] = b.codes[0].replace("good faith", "bad faith");
    let why = reasons(&b, &s);
    assert!(
        why.iter()
            .any(|w| w.contains("whose text is not in the bundle")),
        "{why:?}"
    );
    assert!(why.iter().any(|w| w.starts_with("codes[0]")), "{why:?}");
}

#[test]
fn a_disclosure_moved_to_another_attendee_is_caught() {
    let s = signer(1);
    let mut b = bundle(&s, 2);
    let stolen = b.entries[1].disclosures[0].clone();
    b.entries[2].disclosures[0] = stolen;
    let why = reasons(&b, &s);
    assert!(
        why.iter()
            .any(|w| w.contains("entries[2].disclosures[0]: matches none")),
        "{why:?}"
    );
}

#[test]
fn an_earlier_checkpoint_from_a_forked_log_is_caught() {
    let s = signer(1);
    let mut b = bundle(&s, 4);
    let fork = recorded_meeting(&s, "m-plenary-2026", 4, true).bundle();
    b.earlier_checkpoints[0].checkpoint = fork.earlier_checkpoints[0].checkpoint.clone();
    let why = reasons(&b, &s);
    assert!(
        why.iter().any(|w| w.contains("does not provably extend")),
        "{why:?}"
    );
}

#[test]
fn an_extra_unlisted_field_is_refused() {
    let s = signer(1);
    let b = bundle(&s, 1);
    let mut v: serde_json::Value = serde_json::to_value(&b).unwrap();
    v["entries"][1]["note"] = "added later".into();
    let r = verify_json(serde_json::to_vec(&v).unwrap(), &pinned(&s)).unwrap();
    assert!(!r.valid);
    assert!(
        r.failures[0].reason.contains("unknown field"),
        "{:?}",
        r.failures
    );
}

#[test]
fn a_receipt_against_a_forked_log_is_caught() {
    use rollcall_trust::verify::verify_receipt;
    let s = signer(1);
    let honest = recorded_meeting(&s, "m-plenary-2026", 4, false);
    let fork = recorded_meeting(&s, "m-plenary-2026", 4, false);
    // Same meeting, same key, same size, different entries (new salts):
    // the fork's checkpoint cannot prove the honest receipt.
    let mut receipt = honest.receipt(1).expect("a receipt");
    receipt.checkpoint = fork.receipt(1).expect("a receipt").checkpoint;
    let r = verify_receipt(&receipt, &pinned(&s));
    assert!(!r.valid);
    let why: Vec<String> = r.failures.iter().map(|f| f.reason.clone()).collect();
    assert!(
        why.iter()
            .any(|w| w.contains("not in the log at this checkpoint")),
        "{why:?}"
    );
}
