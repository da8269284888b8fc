//! The code × attribute matrix: for each code (row) and each value of one
//! variable or each set (column), how many segments, sources, cases and words
//! are coded, with the coding ids behind every cell and row or column
//! percentages on demand.
//!
//! A source's value of a variable is its own, else its case's. Sources with
//! no value fall in a last "(no value)" column. This module only counts; it
//! does not decide which codes or variables are interesting.

use std::collections::{BTreeMap, HashMap, HashSet};

use axial_core::{CaseId, CodeId, CodingId, SetId, SourceId, VariableId};
use serde::Serialize;

use crate::corpus::merge_ranges;
use crate::words::word_starts;
use crate::{AnalysisError, Corpus};

/// What the columns are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "of")]
pub enum Columns {
    /// One column per value of this variable, plus "(no value)".
    Variable(VariableId),
    /// One column per set; a source counts in every set holding it or its case.
    Sets(Vec<SetId>),
}

/// Which count a percentage or chart uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Segments,
    Sources,
    Cases,
    Words,
}

/// Which way percentages run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PercentOf {
    /// Of the row's total across columns.
    Row,
    /// Of the column: its total across rows for segments and words, its
    /// number of sources or cases for those measures.
    Column,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixParams {
    /// Rows, in order.
    pub codes: Vec<CodeId>,
    pub columns: Columns,
    /// Count a category's descendants' codings in its row.
    pub include_descendants: bool,
    /// Count words (needs the texts in the corpus).
    pub count_words: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MatrixCell {
    pub segments: u64,
    pub sources: u64,
    pub cases: u64,
    /// Words starting inside the coded text (each word once per source,
    /// however many codings cover it); `None` when not counted.
    pub words: Option<u64>,
    pub codings: Vec<CodingId>,
}

impl MatrixCell {
    pub fn get(&self, m: Measure) -> f64 {
        match m {
            Measure::Segments => self.segments as f64,
            Measure::Sources => self.sources as f64,
            Measure::Cases => self.cases as f64,
            Measure::Words => self.words.unwrap_or(0) as f64,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixRow {
    pub code: CodeId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixColumn {
    pub label: String,
    /// The set, for set columns.
    pub set: Option<SetId>,
    /// Sources and cases in this column.
    pub sources: u64,
    pub cases: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    pub params: MatrixParams,
    pub rows: Vec<MatrixRow>,
    pub columns: Vec<MatrixColumn>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<MatrixCell>>,
}

const NO_VALUE: &str = "(no value)";

/// Builds the matrix.
pub fn code_matrix(corpus: &Corpus<'_>, params: &MatrixParams) -> Result<Matrix, AnalysisError> {
    // Which rows a coding's code counts in.
    let mut rows_of: HashMap<CodeId, Vec<usize>> = HashMap::new();
    let mut rows = Vec::with_capacity(params.codes.len());
    for (r, &code) in params.codes.iter().enumerate() {
        let c = corpus
            .codes
            .get(code)
            .ok_or(AnalysisError::UnknownCode { code })?;
        rows.push(MatrixRow {
            code,
            name: c.name.clone(),
        });
        let members = if params.include_descendants {
            corpus.codes.with_descendants(code)
        } else {
            vec![code]
        };
        for m in members {
            rows_of.entry(m).or_default().push(r);
        }
    }
    // Columns of each source.
    let mut columns: Vec<MatrixColumn> = Vec::new();
    let mut source_columns: Vec<Vec<usize>> = vec![Vec::new(); corpus.sources.len()];
    match &params.columns {
        Columns::Variable(var) => {
            let mut labels: BTreeMap<String, usize> = BTreeMap::new();
            let mut any = false;
            for s in &corpus.sources {
                if let Some(v) = s.value(*var) {
                    any = true;
                    labels.entry(v.to_string()).or_insert(0);
                }
            }
            if !any {
                return Err(AnalysisError::UnknownVariable { variable: *var });
            }
            labels.insert(NO_VALUE.to_string(), 0);
            // Sorted values, then "(no value)" last.
            let mut ordered: Vec<String> =
                labels.keys().filter(|k| *k != NO_VALUE).cloned().collect();
            ordered.push(NO_VALUE.to_string());
            for (i, l) in ordered.iter().enumerate() {
                labels.insert(l.clone(), i);
                columns.push(MatrixColumn {
                    label: l.clone(),
                    set: None,
                    sources: 0,
                    cases: 0,
                });
            }
            for (si, s) in corpus.sources.iter().enumerate() {
                let label = s
                    .value(*var)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| NO_VALUE.to_string());
                if let Some(&c) = labels.get(&label) {
                    source_columns[si].push(c);
                }
            }
        }
        Columns::Sets(sets) => {
            for (i, set) in sets.iter().enumerate() {
                columns.push(MatrixColumn {
                    label: set.to_string(),
                    set: Some(*set),
                    sources: 0,
                    cases: 0,
                });
                for (si, s) in corpus.sources.iter().enumerate() {
                    if s.in_set(*set) {
                        source_columns[si].push(i);
                    }
                }
            }
        }
    }
    let mut column_cases: Vec<HashSet<CaseId>> = vec![HashSet::new(); columns.len()];
    for (si, s) in corpus.sources.iter().enumerate() {
        for &c in &source_columns[si] {
            columns[c].sources += 1;
            if let Some(case) = s.case() {
                column_cases[c].insert(case);
            }
        }
    }
    for (c, cases) in columns.iter_mut().zip(&column_cases) {
        c.cases = cases.len() as u64;
    }

    let ncols = columns.len();
    let mut cells = vec![vec![MatrixCell::default(); ncols]; rows.len()];
    let mut cell_cases: HashMap<(usize, usize), HashSet<CaseId>> = HashMap::new();
    let mut last_source: Vec<Vec<Option<SourceId>>> = vec![vec![None; ncols]; rows.len()];
    for (si, s) in corpus.sources.iter().enumerate() {
        let cols = &source_columns[si];
        if cols.is_empty() {
            continue;
        }
        let mut ranges: HashMap<usize, Vec<(u32, u32)>> = HashMap::new();
        for coding in &s.codings {
            let Some(rs) = rows_of.get(&coding.code) else {
                continue;
            };
            for &r in rs {
                if params.count_words {
                    ranges
                        .entry(r)
                        .or_default()
                        .push((coding.span.start().0, coding.span.end().0));
                }
                for &c in cols {
                    let cell = &mut cells[r][c];
                    cell.segments += 1;
                    cell.codings.push(coding.id);
                    if last_source[r][c] != Some(s.id()) {
                        last_source[r][c] = Some(s.id());
                        cell.sources += 1;
                        if let Some(case) = s.case() {
                            cell_cases.entry((r, c)).or_default().insert(case);
                        }
                    }
                }
            }
        }
        if params.count_words {
            let starts = s.text.map(word_starts).unwrap_or_default();
            for (r, rs) in ranges {
                let merged = merge_ranges(rs);
                let n: u64 = merged
                    .iter()
                    .map(|&(a, b)| {
                        (starts.partition_point(|&x| x < b) - starts.partition_point(|&x| x < a))
                            as u64
                    })
                    .sum();
                for &c in cols {
                    *cells[r][c].words.get_or_insert(0) += n;
                }
            }
        }
    }
    for ((r, c), cases) in cell_cases {
        cells[r][c].cases = cases.len() as u64;
    }
    if params.count_words {
        for row in &mut cells {
            for cell in row {
                cell.words.get_or_insert(0);
            }
        }
    }
    Ok(Matrix {
        params: params.clone(),
        rows,
        columns,
        cells,
    })
}

impl Matrix {
    /// Percentages of one measure, `None` where the denominator is 0.
    pub fn percentages(&self, measure: Measure, of: PercentOf) -> Vec<Vec<Option<f64>>> {
        let ncols = self.columns.len();
        let row_totals: Vec<f64> = self
            .cells
            .iter()
            .map(|r| r.iter().map(|c| c.get(measure)).sum())
            .collect();
        let col_totals: Vec<f64> = (0..ncols)
            .map(|c| match measure {
                Measure::Sources => self.columns[c].sources as f64,
                Measure::Cases => self.columns[c].cases as f64,
                Measure::Segments | Measure::Words => {
                    self.cells.iter().map(|r| r[c].get(measure)).sum()
                }
            })
            .collect();
        self.cells
            .iter()
            .enumerate()
            .map(|(r, row)| {
                row.iter()
                    .enumerate()
                    .map(|(c, cell)| {
                        let den = match of {
                            PercentOf::Row => row_totals[r],
                            PercentOf::Column => col_totals[c],
                        };
                        (den > 0.0).then(|| 100.0 * cell.get(measure) / den)
                    })
                    .collect()
            })
            .collect()
    }

    /// One measure as plain numbers, `values[row][column]`.
    pub fn values(&self, measure: Measure) -> Vec<Vec<f64>> {
        self.cells
            .iter()
            .map(|r| r.iter().map(|c| c.get(measure)).collect())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::sample::Sample;

    fn check(m: &Matrix, measure: Measure, expect: &[&[f64]]) {
        let got = m.values(measure);
        let want: Vec<Vec<f64>> = expect.iter().map(|r| r.to_vec()).collect();
        assert_eq!(got, want, "{measure:?}");
    }

    #[test]
    fn counts_by_staff_group() {
        let s = Sample::new();
        let corpus = s.corpus();
        let params = MatrixParams {
            codes: vec![s.pressure, s.efficiency, s.standards, s.coping],
            columns: Columns::Variable(s.group),
            include_descendants: true,
            count_words: true,
        };
        let m = code_matrix(&corpus, &params).expect("valid matrix");
        let labels: Vec<&str> = m.columns.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["manager", "nurse", "(no value)"]);
        // Pressure = efficiency + standards.
        check(
            &m,
            Measure::Segments,
            &[
                &[2.0, 3.0, 1.0],
                &[1.0, 2.0, 1.0],
                &[1.0, 1.0, 0.0],
                &[0.0, 1.0, 0.0],
            ],
        );
        check(
            &m,
            Measure::Sources,
            &[
                &[1.0, 2.0, 1.0],
                &[1.0, 2.0, 1.0],
                &[1.0, 1.0, 0.0],
                &[0.0, 1.0, 0.0],
            ],
        );
        check(
            &m,
            Measure::Cases,
            &[
                &[1.0, 1.0, 0.0],
                &[1.0, 1.0, 0.0],
                &[1.0, 1.0, 0.0],
                &[0.0, 1.0, 0.0],
            ],
        );
        assert_eq!(m.cells[1][1].codings.len(), 2);
        // Column percentages of sources: nurse column has two sources.
        let pct = m.percentages(Measure::Sources, PercentOf::Column);
        assert_eq!(pct[3][1], Some(50.0));
        let rows = m.percentages(Measure::Segments, PercentOf::Row);
        assert_eq!(rows[0][1], Some(50.0));
        // Words: "efficiency pressure" coding in the manager's source covers 3 words.
        assert_eq!(m.cells[1][0].words, Some(3));
    }

    #[test]
    fn unknown_code_is_an_error() {
        let s = Sample::new();
        let corpus = s.corpus();
        let params = MatrixParams {
            codes: vec![CodeId::new()],
            columns: Columns::Variable(s.group),
            include_descendants: false,
            count_words: false,
        };
        assert!(matches!(
            code_matrix(&corpus, &params),
            Err(AnalysisError::UnknownCode { .. })
        ));
    }
}
