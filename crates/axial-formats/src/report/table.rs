//! A [`Table`] as CSV (RFC 4180, UTF-8, header first) through the `csv`
//! crate, and as an XLSX workbook (one sheet per table, numbers kept as
//! numbers, header in bold) through `rust_xlsxwriter`.

use std::io::Write;

use rust_xlsxwriter::{Format, Workbook};

use super::{Cell, ReportError, Table};

/// Writes one table as CSV.
pub fn write_csv(t: &Table, out: &mut dyn Write) -> Result<(), ReportError> {
    let mut w = csv::Writer::from_writer(out);
    let csv_err = |e: csv::Error| ReportError::Csv(e.to_string());
    w.write_record(&t.header).map_err(csv_err)?;
    for r in &t.rows {
        w.write_record(r.iter().map(Cell::text)).map_err(csv_err)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes tables as the sheets of one workbook.
pub fn write_xlsx(tables: &[Table], out: &mut dyn Write) -> Result<(), ReportError> {
    let x = |e: rust_xlsxwriter::XlsxError| ReportError::Xlsx(e.to_string());
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for (i, t) in tables.iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.name, i)).map_err(x)?;
        for (c, h) in t.header.iter().enumerate() {
            ws.write_string_with_format(0, col(c)?, h, &bold)
                .map_err(x)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = u32::try_from(r + 1)
                .map_err(|_| ReportError::Xlsx("more rows than a sheet holds".into()))?;
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Text(s) => {
                        ws.write_string(r, col(c)?, s).map_err(x)?;
                    }
                    Cell::Number(n) => {
                        ws.write_number(r, col(c)?, *n).map_err(x)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
    }
    let buf = wb.save_to_buffer().map_err(x)?;
    out.write_all(&buf)?;
    Ok(())
}

fn col(c: usize) -> Result<u16, ReportError> {
    u16::try_from(c).map_err(|_| ReportError::Xlsx("more columns than a sheet holds".into()))
}

/// A valid, unique-enough sheet name: no `[]:*?/\`, at most 31 characters.
fn sheet_name(name: &str, i: usize) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\''))
        .take(31)
        .collect();
    let clean = clean.trim().to_string();
    if clean.is_empty() {
        format!("Sheet{}", i + 1)
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn sample() -> Table {
        Table {
            name: "Segments: a/b".into(),
            header: vec!["source".into(), "n".into()],
            rows: vec![
                vec![Cell::from("Interview, \"one\""), Cell::from(3u64)],
                vec![Cell::from("two"), Cell::Empty],
            ],
        }
    }

    #[test]
    fn csv_quotes_fields() {
        let mut out = Vec::new();
        write_csv(&sample(), &mut out).expect("writing to memory");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "source,n\n\"Interview, \"\"one\"\"\",3\ntwo,\n"
        );
    }

    #[test]
    fn xlsx_reads_back() {
        let mut out = Vec::new();
        write_xlsx(&[sample()], &mut out).expect("writing to memory");
        let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(out)).expect("a workbook");
        assert_eq!(wb.sheet_names(), vec!["Segments ab".to_string()]);
        let range = wb.worksheet_range("Segments ab").expect("the sheet");
        assert_eq!(
            range.get_value((1, 0)),
            Some(&Data::String("Interview, \"one\"".into()))
        );
        assert_eq!(range.get_value((1, 1)), Some(&Data::Float(3.0)));
    }
}
