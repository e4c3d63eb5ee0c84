//! Any bytes as a receipt, and as the parts a receipt carries: the
//! statement payload and the selective-disclosure strings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rollcall_trust::bundle::Receipt;
use rollcall_trust::disclosure::Disclosure;
use rollcall_trust::statement::RollcallStatement;
use rollcall_trust::verify::{verify_receipt, Options};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = serde_json::from_slice::<Receipt>(data) {
        let _ = verify_receipt(&r, &Options::default());
    }
    let _ = RollcallStatement::parse(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Disclosure::parse(text);
    }
});
