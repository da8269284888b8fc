//! Fuzzes the project XML path: parsing, GUID registry, reference checks,
//! position conversion. Any input must give `Ok` or a `RefiError`, never a
//! panic, and must stay within the (small) limits set here.
#![no_main]

use axial_formats::refi::{read_qdc, read_qde, ImportOptions, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut opts = ImportOptions::new(
        axial_core::UserId::from_uuid(Default::default()),
        axial_core::now(),
    );
    opts.limits = Limits {
        max_xml_bytes: 1 << 20,
        ..Limits::default()
    };
    let _ = read_qde(data, &opts);
    let _ = read_qdc(
        data,
        &opts,
        axial_core::ProjectId::from_uuid(Default::default()),
    );
});
