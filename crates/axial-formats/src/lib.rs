//! Pure translators between files and Axial values.
//!
//! [`import`] turns documents and survey tables into source text with its
//! layout; `refi` reads and writes REFI-QDA projects; [`report`] writes
//! reports (DOCX, HTML, Markdown) and tables (CSV, XLSX). Everything here works
//! over bytes, readers and writers it is handed: no database, no network, no
//! paths of its own.
pub mod import;
pub mod refi;
pub mod report;
