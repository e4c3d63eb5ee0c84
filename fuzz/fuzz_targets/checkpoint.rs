//! Any text as a signed note, a checkpoint body and a verifier key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rollcall_trust::checkpoint::{parse_verifier_key, split_note, verify_checkpoint, Checkpoint};
use rollcall_trust::keys::Signer;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = *Signer::from_seed(&[7; 32]).public();
    let _ = split_note(text);
    let _ = Checkpoint::parse_body(text);
    let _ = verify_checkpoint(text, &[key]);
    let _ = parse_verifier_key(text);
});
