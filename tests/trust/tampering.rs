//! Any edit to a bundle is caught, with a reason.

use rollcall::trust::bundle::Bundle;
use rollcall::trust::verify::{verify_bundle, verify_json, Options};

use crate::support::{bundle, recorded_meeting, signer};

fn pinned(s: &rollcall::trust::keys::Signer) -> Options<'static> {
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

fn reasons(b: &Bundle, s: &rollcall::trust::keys::Signer) -> Vec<String> {
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

/// A closed meeting recorded by the real server over HTTP: its exported
/// bundle, one attendee's receipt and the server's public key.
fn served(check_ins: usize) -> (Vec<u8>, Vec<u8>, rollcall::trust::keys::PublicKey) {
    use crate::server::{attendee, open_meeting};
    use crate::support::http::Server;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let mut receipt = String::new();
    for n in 0..check_ins {
        let r = server.post_json(
            &format!("/api/v1/meetings/{id}/checkins"),
            None,
            &attendee(&token, &code, n),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        receipt = r.json()["receipt_id"].as_str().unwrap().to_owned();
    }
    let notes = serde_json::json!({"text": "Quorum reached."});
    let r = server.post_json(&format!("/api/v1/meetings/{id}/notes"), Some(&api), &notes);
    assert!(r.status < 300, "{}", r.text());
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &serde_json::json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    assert_eq!(bundle.status, 200);
    let receipt = server.get(&format!("/api/v1/receipts/{receipt}"));
    assert_eq!(receipt.status, 200);
    let key = rollcall::trust::keys::PublicKey::parse(&server.public_key()).unwrap();
    (bundle.body, receipt.body, key)
}

/// Every scalar in a JSON document, by JSON pointer.
fn scalars(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                scalars(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                )
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                scalars(x, format!("{at}/{i}"), out)
            }
        }
        _ => out.push(at),
    }
}

/// Plausible other values of the same type: another character in place
/// (base64 stays base64), one character more or less, another number.
fn alternatives(v: &serde_json::Value) -> Vec<serde_json::Value> {
    use serde_json::Value;
    match v {
        Value::String(s) if s.is_empty() => vec![Value::from("A")],
        Value::String(s) => {
            let chars: Vec<char> = s.chars().collect();
            let swap = |i: usize| {
                let mut c = chars.clone();
                c[i] = match c[i] {
                    'A' => 'B',
                    '=' | '\n' | ' ' | '.' | ':' | '/' | '-' => c[i],
                    _ => 'A',
                };
                if c == chars {
                    // A separator: change its neighbour instead.
                    let j = if i > 0 {
                        i - 1
                    } else {
                        (i + 1).min(c.len() - 1)
                    };
                    c[j] = if c[j] == 'A' { 'B' } else { 'A' };
                }
                Value::from(c.into_iter().collect::<String>())
            };
            let mut out = vec![swap(0), swap(chars.len() / 2), swap(chars.len() - 1)];
            out.push(Value::from(format!("{s}A")));
            out.push(Value::from(
                chars[..chars.len() - 1].iter().collect::<String>(),
            ));
            out.dedup();
            out.retain(|x| x != v);
            out
        }
        Value::Number(n) => vec![Value::from(n.as_u64().unwrap_or(0) + 1)],
        Value::Bool(b) => vec![Value::from(!b)],
        _ => Vec::new(),
    }
}

#[test]
fn replacing_any_value_of_a_served_bundle_or_receipt_is_caught() {
    let (bundle, receipt, key) = served(3);
    let pinned = Options {
        pinned: vec![key],
        ..Options::default()
    };
    let (mut tried, mut caught, mut missed) = (0, 0, Vec::new());
    for (what, bytes) in [("bundle", &bundle), ("receipt", &receipt)] {
        assert!(
            refused(bytes, &pinned).is_none(),
            "the served {what} verifies"
        );
        let doc: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        let mut pointers = Vec::new();
        scalars(&doc, String::new(), &mut pointers);
        for p in &pointers {
            for other in alternatives(doc.pointer(p).unwrap()) {
                let mut m = doc.clone();
                *m.pointer_mut(p).unwrap() = other.clone();
                let m = serde_json::to_vec(&m).unwrap();
                for options in [&pinned, &Options::default()] {
                    tried += 1;
                    match refused(&m, options) {
                        Some(why) if !why.trim().is_empty() => caught += 1,
                        _ => missed.push(format!("{what}{p} = {other}")),
                    }
                }
            }
        }
    }
    println!("value replacements rejected with a reason: {caught}/{tried}");
    assert!(tried > 500, "{tried}");
    assert!(
        missed.is_empty(),
        "{caught}/{tried} caught; missed: {missed:#?}"
    );
}

#[test]
fn flipping_sampled_bytes_of_a_served_bundle_is_caught() {
    use rand_chacha::rand_core::{RngCore, SeedableRng};
    let (bundle, receipt, key) = served(3);
    let pinned = Options {
        pinned: vec![key],
        ..Options::default()
    };
    // Every byte of the receipt; a seeded sample of the bundle's bytes (the
    // same sample every run), each with one of eight bit flips.
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(20261201);
    let mut cases: Vec<(&str, &Vec<u8>, usize, u8)> = (0..receipt.len())
        .map(|i| ("receipt", &receipt, i, 1u8 << (i % 8)))
        .collect();
    for _ in 0..3000 {
        let i = (rng.next_u64() % bundle.len() as u64) as usize;
        cases.push(("bundle", &bundle, i, 1 << (rng.next_u32() % 8)));
    }
    let (mut caught, mut missed) = (0, Vec::new());
    for (what, bytes, i, bit) in &cases {
        let mut m = (*bytes).clone();
        m[*i] ^= bit;
        match refused(&m, &pinned) {
            Some(_) => caught += 1,
            None => missed.push(format!(
                "{what} byte {i} ^ {bit:#04x}: {}",
                String::from_utf8_lossy(&bytes[i.saturating_sub(30)..(*i + 30).min(bytes.len())])
            )),
        }
    }
    println!(
        "byte flips rejected: {caught}/{} (receipt {} bytes, all; bundle {} bytes, 3000 seeded)",
        cases.len(),
        receipt.len(),
        bundle.len()
    );
    assert!(
        missed.is_empty(),
        "{caught}/{} caught; missed: {missed:#?}",
        cases.len()
    );
}

#[test]
fn a_receipt_against_a_forked_log_is_caught() {
    use rollcall::trust::verify::verify_receipt;
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
