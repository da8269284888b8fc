//! Pseudonymisation rules: finding identifiers in transcripts, choosing
//! consistent replacements, rewriting text with them, and the encrypted key
//! file that maps replacements back to originals.
//!
//! The crate is pure: no IO, no async, no database. It works on strings and
//! code-point offsets (`[start, end)`, as everywhere in Axial) and on bytes
//! of key files; reading and writing files, committing changes and moving
//! codings belong to `axial-app`. Detection only proposes: a researcher
//! decides what is replaced.

pub mod detect;
pub mod keyfile;
pub mod plan;

pub use detect::{
    detect, nhs_check_digit_ok, normalise, Category, Confidence, Detection, KnownName, Rule,
    Vocabulary,
};
pub use keyfile::{KeyError, KeyFile, Mapping, FORMAT};
pub use plan::{
    check_label, fixed_label, letters, rewrite, LabelError, Labeller, OffsetMap, Replacement,
    RewriteError, Rewritten, Scrubber,
};
