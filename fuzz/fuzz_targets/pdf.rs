//! Any bytes given to `rollcall verify` as a printed list: the reader that
//! takes the attached bundle out of a PDF, then the bundle verifier on
//! whatever it returns.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rollcall_trust::pdf_attachment::extract_bundle;
use rollcall_trust::verify::{verify_json, Options};

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = extract_bundle(data) {
        let _ = verify_json(bundle, &Options::default());
    }
});
