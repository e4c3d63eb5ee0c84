//! Any edit to a bundle or receipt the real server exported is caught, with
//! a reason: every value replaced, sampled bytes flipped.

use rollcall::trust::verify::{verify_json, Options};

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
