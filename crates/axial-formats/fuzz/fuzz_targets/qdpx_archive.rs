//! Fuzzes the archive path: ZIP parsing, entry-name and size checks, source
//! file lookup and text decoding, then the project import.
#![no_main]

use std::io::Cursor;

use axial_formats::refi::{read_qdpx, ImportOptions, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut opts = ImportOptions::new(
        axial_core::UserId::from_uuid(Default::default()),
        axial_core::now(),
    );
    opts.limits = Limits {
        max_total_uncompressed: 16 << 20,
        max_entry_uncompressed: 8 << 20,
        max_ratio: 200,
        max_entries: 1000,
        max_xml_bytes: 4 << 20,
    };
    let _ = read_qdpx(Cursor::new(data), &opts);
});
