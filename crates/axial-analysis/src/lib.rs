//! Deterministic statistics over Axial's core values, for grounded-theory
//! and other interview studies: code × attribute matrices, code
//! co-occurrence, coding queries, negative cases, saturation, inter-coder
//! agreement, word frequencies with keyword-in-context, and plain SVG charts.
//!
//! Everything here is a pure function of its input: a [`Corpus`] view built
//! once from slices of core values, or small plain inputs. This crate does no
//! IO, no async and never queries storage; the definitions and conventions
//! (normalisation, missing coverage, undefined values as `None`, exact
//! arithmetic at thresholds) follow `shared/methods/ANALYTICS.md`. Every
//! result struct names its parameters and serialises with serde so front ends
//! can print it as JSON.

pub mod agreement;
pub mod cooccurrence;
pub mod corpus;
pub mod matrix;
pub mod negative;
pub mod network;
pub mod query;
pub mod saturation;
pub mod svg;
pub mod words;

pub use corpus::{CodeTree, Corpus, CorpusInput, SourceEntry};

use axial_core::{CodeId, CodingId, SourceId, VariableId};

/// Input an analysis cannot work with, saying what is wrong and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    #[error("coding {coding} refers to source {source_id}, which is not among the sources given; pass all sources the codings belong to")]
    UnknownSource {
        coding: CodingId,
        source_id: SourceId,
    },
    #[error(
        "coding {coding} covers {start}..{end} but source {source_id} has only {len} characters"
    )]
    CodingOutOfRange {
        coding: CodingId,
        source_id: SourceId,
        start: u32,
        end: u32,
        len: u32,
    },
    #[error("the text of source {source_id} has {found} characters but the source record says {expected}; the text does not belong to this source")]
    TextLength {
        source_id: SourceId,
        expected: u32,
        found: usize,
    },
    #[error("code {code} is not in the code tree given")]
    UnknownCode { code: CodeId },
    #[error("variable {variable} has no values in this corpus")]
    UnknownVariable { variable: VariableId },
    #[error("{parameter} is {value}: {expected}")]
    Parameter {
        parameter: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{field}: {message}")]
    Input { field: String, message: String },
}
