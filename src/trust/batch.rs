//! Fast Ed25519 verification of many signatures that never accepts what
//! strict single verification rejects.
//!
//! ed25519-dalek's `verify_batch` checks the combined equation and rejects a
//! non-canonical `s`, but it does not look at the encoding of `R` or at
//! small-order points. Before batching, each signature is therefore screened
//! the way libsodium screens (`crypto_sign_verify_detached`): the y
//! coordinate of `R` must be canonical (< p) and `R` must not be one of the
//! small-order points. Keys are screened once, when a `PublicKey` is built
//! (canonical, not small order, in the prime-order subgroup). A batch that
//! fails is re-checked one signature at a time with `verify_strict`, so every
//! failure is attributed to its own signature.

use ed25519_dalek::{Signature, VerifyingKey};

use super::keys::PublicKey;

/// y coordinates (sign bit cleared, little-endian) of the small-order points
/// of edwards25519 below p, as in libsodium's blocklist: 0 (order 4),
/// 1 (order 1), the two order-8 y values, and p-1 (order 2).
const SMALL_ORDER_Y: [[u8; 32]; 5] = [
    [0; 32],
    {
        let mut one = [0u8; 32];
        one[0] = 1;
        one
    },
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
];

/// p = 2^255 - 19, little-endian.
const P: [u8; 32] = {
    let mut p = [0xffu8; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
};

/// Is the 32-byte little-endian `y` (sign bit cleared) below p?
fn below_p(y: &[u8; 32]) -> bool {
    for i in (0..32).rev() {
        if y[i] != P[i] {
            return y[i] < P[i];
        }
    }
    false
}

/// Would strict verification refuse this signature's `R` or `s` on sight?
/// (Canonical `R` encoding, `R` not of small order, `s` < ℓ.)
pub fn screen(signature: &[u8; 64]) -> bool {
    let mut y = [0u8; 32];
    y.copy_from_slice(&signature[..32]);
    y[31] &= 0x7f;
    let s: [u8; 32] = signature[32..].try_into().unwrap_or([0xff; 32]);
    below_p(&y)
        && !SMALL_ORDER_Y.contains(&y)
        && bool::from(curve25519_dalek::Scalar::from_canonical_bytes(s).is_some())
}

/// One signature to check.
pub struct Item<'a> {
    pub message: &'a [u8],
    pub signature: [u8; 64],
    pub key: &'a PublicKey,
}

/// Verifies every item; `result[i]` says whether item i is valid under
/// strict verification. With `exhaustive`, every item is verified alone.
pub fn verify_all(items: &[Item<'_>], exhaustive: bool) -> Vec<bool> {
    let mut ok: Vec<bool> = items.iter().map(|it| screen(&it.signature)).collect();
    let candidates: Vec<usize> = (0..items.len()).filter(|&i| ok[i]).collect();
    if candidates.is_empty() {
        return ok;
    }
    let batch_ok = !exhaustive && {
        let messages: Vec<&[u8]> = candidates.iter().map(|&i| items[i].message).collect();
        let sigs: Vec<Signature> = candidates
            .iter()
            .map(|&i| Signature::from_bytes(&items[i].signature))
            .collect();
        let keys: Vec<VerifyingKey> = candidates
            .iter()
            .map(|&i| *items[i].key.verifying_key())
            .collect();
        ed25519_dalek::verify_batch(&messages, &sigs, &keys).is_ok()
    };
    if !batch_ok {
        for &i in &candidates {
            ok[i] = items[i]
                .key
                .verify_strict(items[i].message, &items[i].signature);
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use curve25519_dalek::edwards::CompressedEdwardsY;

    use super::*;
    use crate::trust::keys::Signer;

    #[test]
    fn blocklist_holds_exactly_the_small_order_points() {
        // Every listed y, with either sign, is a small-order point or no point.
        for y in SMALL_ORDER_Y {
            for sign in [0u8, 0x80] {
                let mut enc = y;
                enc[31] |= sign;
                if let Some(p) = CompressedEdwardsY(enc).decompress() {
                    assert!(p.is_small_order());
                }
            }
        }
        // And all eight points of the torsion subgroup are listed.
        let mut t = CompressedEdwardsY(SMALL_ORDER_Y[2]).decompress().unwrap();
        let generator = t;
        for _ in 0..8 {
            let mut y = t.compress().to_bytes();
            y[31] &= 0x7f;
            assert!(SMALL_ORDER_Y.contains(&y), "{y:?}");
            t += generator;
        }
    }

    #[test]
    fn batch_agrees_with_strict_and_pinpoints_failures() {
        let signer = Signer::from_seed(&[4; 32]);
        let msgs: Vec<Vec<u8>> = (0..50u32).map(|i| i.to_le_bytes().to_vec()).collect();
        let mut sigs: Vec<[u8; 64]> = msgs.iter().map(|m| signer.sign(m)).collect();
        sigs[7][40] ^= 1; // corrupt s
        sigs[20][3] ^= 1; // corrupt R
        let items: Vec<Item> = msgs
            .iter()
            .zip(&sigs)
            .map(|(m, s)| Item {
                message: m,
                signature: *s,
                key: signer.public(),
            })
            .collect();
        for exhaustive in [false, true] {
            let ok = verify_all(&items, exhaustive);
            for (i, v) in ok.iter().enumerate() {
                assert_eq!(*v, i != 7 && i != 20, "item {i}");
            }
        }
    }
}
