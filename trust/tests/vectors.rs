//! The formats against their specifications' own published vectors.

use rollcall_trust::checkpoint::{parse_verifier_key, split_note, verify_note, Checkpoint};
use rollcall_trust::encoding::unhex_vec;
use rollcall_trust::envelope::{pae, Envelope};
use rollcall_trust::keys::{PublicKey, Signer};
use rollcall_trust::merkle::{self, Hash};
use serde_json::Value;

use crate::support::vector;

fn h(s: &Value) -> Hash {
    unhex_vec(s.as_str().unwrap()).unwrap().try_into().unwrap()
}

fn hashes(v: &Value) -> Vec<Hash> {
    v.as_array().unwrap().iter().map(h).collect()
}

#[test]
fn merkle_tree_matches_rfc6962_reference_vectors() {
    let v: Value = serde_json::from_str(&vector("rfc6962.json")).unwrap();
    let leaves: Vec<Hash> = v["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| merkle::leaf_hash(&unhex_vec(l.as_str().unwrap()).unwrap()))
        .collect();
    assert_eq!(merkle::empty_root(), h(&v["hashes"]["empty"]));
    let roots = v["roots"].as_array().unwrap();
    assert!(roots.len() >= 9);
    for r in roots {
        let size = r["size"].as_u64().unwrap() as usize;
        assert_eq!(
            merkle::root(&leaves[..size]),
            h(&r["root"]),
            "root of {size}"
        );
    }
    for ex in v["hashes"]["leaf_examples"].as_array().unwrap() {
        let data = unhex_vec(ex["data"].as_str().unwrap()).unwrap();
        assert_eq!(merkle::leaf_hash(&data), h(&ex["hash"]));
    }
    for ex in v["hashes"]["node_examples"].as_array().unwrap() {
        let left = unhex_vec(ex["left"].as_str().unwrap()).unwrap();
        let right = unhex_vec(ex["right"].as_str().unwrap()).unwrap();
        match (
            <[u8; 32]>::try_from(left.clone()),
            <[u8; 32]>::try_from(right.clone()),
        ) {
            (Ok(l), Ok(r)) => assert_eq!(merkle::node_hash(&l, &r), h(&ex["hash"])),
            // The spec's example hashes short strings: the same 0x01 ‖ L ‖ R rule.
            _ => {
                use sha2::Digest;
                let d: Hash = sha2::Sha256::digest([&[1u8][..], &left, &right].concat()).into();
                assert_eq!(d, h(&ex["hash"]));
            }
        }
    }
    let inclusion = v["inclusion"].as_array().unwrap();
    assert!(!inclusion.is_empty());
    for c in inclusion {
        let (size, index) = (c["size"].as_u64().unwrap(), c["index"].as_u64().unwrap());
        let proof = hashes(&c["proof"]);
        let root = merkle::root(&leaves[..size as usize]);
        assert_eq!(
            merkle::inclusion_proof(&leaves[..size as usize], index as usize).unwrap(),
            proof,
            "generated inclusion proof for {index} in {size}"
        );
        assert!(merkle::verify_inclusion(
            index,
            size,
            &leaves[index as usize],
            &proof,
            &root
        ));
    }
    let consistency = v["consistency"].as_array().unwrap();
    assert!(!consistency.is_empty());
    for c in consistency {
        let (m, n) = (c["size1"].as_u64().unwrap(), c["size2"].as_u64().unwrap());
        let proof = hashes(&c["proof"]);
        let (r1, r2) = (h(&c["root1"]), h(&c["root2"]));
        if m > 0 && m < n {
            assert_eq!(
                merkle::consistency_proof(&leaves[..n as usize], m as usize).unwrap(),
                proof,
                "generated consistency proof {m} -> {n}"
            );
        }
        assert!(
            merkle::verify_consistency(m, n, &r1, &r2, &proof),
            "{m} -> {n}"
        );
        if !proof.is_empty() {
            let mut bad = proof.clone();
            bad[0][31] ^= 0x80;
            assert!(!merkle::verify_consistency(m, n, &r1, &r2, &bad));
        }
    }
}

#[test]
fn dsse_envelopes_follow_the_protocol_vectors() {
    let v: Value = serde_json::from_str(&vector("dsse-vectors.json")).unwrap();
    let key = |name: &str| -> PublicKey {
        let seed: [u8; 32] = unhex_vec(v["keys"][name]["seed"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let signer = Signer::from_seed(&seed);
        assert_eq!(
            rollcall_trust::encoding::hex(signer.public().as_bytes()),
            v["keys"][name]["public"].as_str().unwrap()
        );
        *signer.public()
    };
    let cases = v["vectors"].as_array().unwrap();
    assert!(cases.len() >= 9);
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let env: Envelope = serde_json::from_value(case["envelope"].clone()).unwrap();
        let payload = rollcall_trust::encoding::unb64_lenient(&env.payload).unwrap();
        let expected_pae = unhex_vec(case["pae"].as_str().unwrap()).unwrap();
        if case["expect"] == "accept" {
            assert_eq!(pae(&env.payload_type, &payload), expected_pae, "{id}: PAE");
        }
        let trusted: Vec<(Option<String>, PublicKey)> = case["trustedKeys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                let name = k.as_str().unwrap();
                (Some(name.to_owned()), key(name))
            })
            .collect();
        let supported: Vec<&str> = case["supportedPayloadTypes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let threshold = case["threshold"].as_u64().unwrap() as usize;
        let result = env.verify(&trusted, threshold, &supported);
        match case["expect"].as_str().unwrap() {
            "accept" => assert_eq!(result.as_deref().ok(), Some(payload.as_slice()), "{id}"),
            _ => assert!(result.is_err(), "{id} must be rejected"),
        }
    }
}

#[test]
fn ed25519_strict_verification_agrees_with_wycheproof() {
    let v: Value = serde_json::from_str(&vector("wycheproof_ed25519.json")).unwrap();
    let mut counted = 0;
    for group in v["testGroups"].as_array().unwrap() {
        let pk: [u8; 32] = unhex_vec(group["publicKey"]["pk"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let key = PublicKey::from_bytes(&pk);
        for t in group["tests"].as_array().unwrap() {
            counted += 1;
            let id = t["tcId"].as_u64().unwrap();
            let msg = unhex_vec(t["msg"].as_str().unwrap()).unwrap();
            let sig = unhex_vec(t["sig"].as_str().unwrap()).unwrap();
            let valid = t["result"] == "valid";
            let Ok(key) = &key else {
                assert!(!valid, "tc {id}: key refused but the case is valid");
                continue;
            };
            let Ok(sig) = <[u8; 64]>::try_from(sig) else {
                assert!(!valid, "tc {id}: wrong-length signature is valid?");
                continue;
            };
            assert_eq!(key.verify_strict(&msg, &sig), valid, "tc {id}: strict");
        }
    }
    assert_eq!(counted, 151);
}

#[test]
fn signed_note_example_verifies_under_its_verifier_key() {
    let note = vector("example-com-foo-note.txt");
    let (name, key) = parse_verifier_key(&vector("example-com-foo.vkey")).unwrap();
    assert_eq!(name, "example.com/foo");
    let (text, signer) = verify_note(&note, &[key], |_| name.clone()).unwrap();
    assert_eq!(text, "This is an example message.\n");
    assert_eq!(signer, key);
    assert_eq!(
        key.verifier_key(&name),
        vector("example-com-foo.vkey").trim()
    );
    let tampered = note.replace("example message", "exampel message");
    assert!(verify_note(&tampered, &[key], |_| name.clone()).is_err());
}

#[test]
fn checkpoint_examples_from_the_c2sp_specs_parse() {
    let note = vector("c2sp-checkpoint-example.txt");
    let (text, sigs) = split_note(&note).unwrap();
    let cp = Checkpoint::parse_body(text).unwrap();
    assert_eq!(cp.origin, "example.com/behind-the-sofa");
    assert_eq!(cp.size, 20852163);
    assert_eq!(cp.body(), text);
    assert_eq!(sigs[0].name, "example.com/behind-the-sofa");
    assert_eq!(rollcall_trust::encoding::hex(&sigs[0].key_id), "033de0ae");
    // The spec publishes no key for it: an unknown key is refused, never skipped.
    assert!(
        verify_note(&note, &[*Signer::from_seed(&[1; 32]).public()], |_| cp
            .origin
            .clone())
        .is_err()
    );
    let (_, sigs) = split_note(&vector("c2sp-signed-note-example.txt")).unwrap();
    assert_eq!(rollcall_trust::encoding::hex(&sigs[0].key_id), "367ba04b");
}

/// A signature whose R carries a torsion component satisfies the cofactored
/// (and, for some coefficients, the batched) equation but not the strict one.
/// Only the key holder can make one; the verifier must still refuse it.
#[test]
fn signature_with_a_torsion_component_in_r_is_refused() {
    use curve25519_dalek::edwards::CompressedEdwardsY;
    use curve25519_dalek::traits::IsIdentity;
    use curve25519_dalek::{constants::ED25519_BASEPOINT_TABLE, Scalar};
    use ed25519_dalek::hazmat::ExpandedSecretKey;
    use sha2::{Digest, Sha512};

    let signer = Signer::from_seed(&[42; 32]);
    let expanded = ExpandedSecretKey::from(&[42u8; 32]);
    let message = b"DSSEv1 28 application/vnd.in-toto+json 2 {}";
    // The point of order 2, (0, -1).
    let mut t2 = [0xffu8; 32];
    t2[0] = 0xec;
    t2[31] = 0x7f;
    let torsion = CompressedEdwardsY(t2).decompress().unwrap();
    assert!(torsion.is_small_order());
    let r = Scalar::from(123_456_789u64);
    let big_r = (ED25519_BASEPOINT_TABLE * &r + torsion).compress();
    let k = Scalar::from_hash(
        Sha512::new()
            .chain_update(big_r.as_bytes())
            .chain_update(signer.public().as_bytes())
            .chain_update(message),
    );
    let s = r + k * expanded.scalar;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(big_r.as_bytes());
    sig[32..].copy_from_slice(s.as_bytes());
    // The cofactored equation holds: [8]([s]B - [k]A - R) = 0.
    let a = CompressedEdwardsY(*signer.public().as_bytes())
        .decompress()
        .unwrap();
    let diff = ED25519_BASEPOINT_TABLE * &s - a * k - big_r.decompress().unwrap();
    assert!(diff.mul_by_cofactor().is_identity() && !diff.is_identity());
    assert!(!signer.public().verify_strict(message, &sig));
}
