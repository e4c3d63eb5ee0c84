//! Any bytes given to `rollcall verify` as a bundle: parsed and verified
//! without a panic, with and without a pinned key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rollcall_trust::keys::Signer;
use rollcall_trust::verify::{verify_json, Options};

fuzz_target!(|data: &[u8]| {
    let _ = verify_json(data.to_vec(), &Options::default());
    let pinned = Options {
        pinned: vec![*Signer::from_seed(&[7; 32]).public()],
        ..Options::default()
    };
    let _ = verify_json(data.to_vec(), &pinned);
});
