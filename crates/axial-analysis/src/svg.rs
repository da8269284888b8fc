//! Plain SVG charts as strings: a bar chart (code frequencies), a heatmap
//! (a matrix or co-occurrence table) and the saturation curve (new codes per
//! interview as bars, the cumulative count as a line, and the order-free
//! expected curve as a dashed line).
//!
//! Every piece of text is escaped, so a code named
//! `<img src=x onerror=alert(1)>` shows as text and never becomes markup.
//! The charts use no scripts, fonts or external files; styling beyond plain
//! presentation attributes is left to whoever embeds them.

use std::fmt::Write;

use crate::saturation::SaturationReport;

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn num(x: f64) -> String {
    if x.is_finite() {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        "0".into()
    }
}

fn open(out: &mut String, width: f64, height: f64, title: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\"><title>{t}</title>",
        w = num(width),
        h = num(height),
        t = escape(title)
    );
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"18\" font-size=\"14\" text-anchor=\"middle\">{}</text>",
        num(width / 2.0),
        escape(title)
    );
}

/// Horizontal bars, one per label, longest scale at the largest value.
pub fn bar_chart(title: &str, bars: &[(String, f64)]) -> String {
    let label_w = 220.0;
    let bar_w = 360.0;
    let row_h = 22.0;
    let top = 32.0;
    let width = label_w + bar_w + 60.0;
    let height = top + row_h * bars.len() as f64 + 10.0;
    let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max);
    let mut out = String::new();
    open(&mut out, width, height, title);
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = top + row_h * i as f64;
        let w = if max > 0.0 {
            bar_w * value.max(0.0) / max
        } else {
            0.0
        };
        let _ = write!(
            out,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{l}</text><rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"#1f77b4\"><title>{l}: {v}</title></rect><text x=\"{vx}\" y=\"{ty}\">{v}</text>",
            lx = num(label_w - 6.0),
            ty = num(y + 15.0),
            l = escape(label),
            x = num(label_w),
            y = num(y + 3.0),
            w = num(w),
            h = num(row_h - 6.0),
            v = num(*value),
            vx = num(label_w + w + 4.0),
        );
    }
    out.push_str("</svg>");
    out
}

/// A heatmap: `values[row][column]`, darker for larger values.
pub fn heatmap(title: &str, rows: &[String], columns: &[String], values: &[Vec<f64>]) -> String {
    let label_w = 220.0;
    let cell = 48.0;
    let top = 120.0;
    let width = label_w + cell * columns.len() as f64 + 20.0;
    let height = top + cell * rows.len() as f64 + 10.0;
    let max = values.iter().flatten().copied().fold(0.0_f64, f64::max);
    let mut out = String::new();
    open(&mut out, width, height, title);
    for (c, label) in columns.iter().enumerate() {
        let x = label_w + cell * c as f64 + cell / 2.0;
        let _ = write!(
            out,
            "<text transform=\"translate({x},{y}) rotate(-45)\">{l}</text>",
            x = num(x),
            y = num(top - 6.0),
            l = escape(label)
        );
    }
    for (r, label) in rows.iter().enumerate() {
        let y = top + cell * r as f64;
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            num(label_w - 6.0),
            num(y + cell / 2.0 + 4.0),
            escape(label)
        );
        for c in 0..columns.len() {
            let v = values
                .get(r)
                .and_then(|row| row.get(c))
                .copied()
                .unwrap_or(0.0);
            let shade = if max > 0.0 { v / max } else { 0.0 };
            let level = (255.0 - 200.0 * shade).round().clamp(0.0, 255.0) as u8;
            let ink = if shade > 0.6 { "#ffffff" } else { "#000000" };
            let x = label_w + cell * c as f64;
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{s}\" height=\"{s}\" fill=\"#{level:02x}{level:02x}ff\" stroke=\"#ffffff\"><title>{rl} × {cl}: {v}</title></rect><text x=\"{tx}\" y=\"{ty}\" text-anchor=\"middle\" fill=\"{ink}\">{v}</text>",
                x = num(x),
                y = num(y),
                s = num(cell),
                rl = escape(label),
                cl = escape(columns.get(c).map(String::as_str).unwrap_or("")),
                v = num(v),
                tx = num(x + cell / 2.0),
                ty = num(y + cell / 2.0 + 4.0),
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// New codes per interview as bars, cumulative codes as a line, and the
/// expected (order-free) curve dashed.
pub fn saturation_curve(title: &str, report: &SaturationReport) -> String {
    let n = report.accumulation.len();
    let (left, top, plot_w, plot_h) = (50.0, 36.0, 520.0, 260.0);
    let width = left + plot_w + 20.0;
    let height = top + plot_h + 60.0;
    let max = report
        .accumulation
        .iter()
        .map(|r| r.cumulative as f64)
        .chain(report.expected_accumulation.iter().copied())
        .fold(1.0_f64, f64::max);
    let step = if n > 0 { plot_w / n as f64 } else { plot_w };
    let y_of = |v: f64| top + plot_h - plot_h * v / max;
    let x_mid = |i: usize| left + step * i as f64 + step / 2.0;
    let mut out = String::new();
    open(&mut out, width, height, title);
    let _ = write!(
        out,
        "<line x1=\"{l}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#000000\"/><line x1=\"{l}\" y1=\"{t}\" x2=\"{l}\" y2=\"{b}\" stroke=\"#000000\"/><text x=\"{lx}\" y=\"{t}\" text-anchor=\"end\">{m}</text><text x=\"{lx}\" y=\"{b}\" text-anchor=\"end\">0</text>",
        l = num(left),
        r = num(left + plot_w),
        t = num(top),
        b = num(top + plot_h),
        lx = num(left - 4.0),
        m = num(max)
    );
    for (i, row) in report.accumulation.iter().enumerate() {
        let h = plot_h * row.new as f64 / max;
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"#aec7e8\"><title>{label}: {new} new, {cum} in all</title></rect><text x=\"{tx}\" y=\"{ty}\" text-anchor=\"middle\">{k}</text>",
            x = num(left + step * i as f64 + step * 0.15),
            y = num(top + plot_h - h),
            w = num(step * 0.7),
            h = num(h),
            label = escape(&row.label),
            new = row.new,
            cum = row.cumulative,
            tx = num(x_mid(i)),
            ty = num(top + plot_h + 16.0),
            k = row.interview,
        );
    }
    let line = |points: Vec<(f64, f64)>| {
        points
            .iter()
            .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let cumulative: Vec<(f64, f64)> = report
        .accumulation
        .iter()
        .enumerate()
        .map(|(i, r)| (x_mid(i), y_of(r.cumulative as f64)))
        .collect();
    let expected: Vec<(f64, f64)> = report
        .expected_accumulation
        .iter()
        .enumerate()
        .map(|(i, v)| (x_mid(i), y_of(*v)))
        .collect();
    let _ = write!(
        out,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"/>",
        line(cumulative)
    );
    let _ = write!(
        out,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#ff7f0e\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>",
        line(expected)
    );
    let ly = num(top + plot_h + 40.0);
    let _ = write!(
        out,
        "<text x=\"{l}\" y=\"{ly}\">bars: new codes · solid: cumulative codes · dashed: expected codes (order-free)</text>",
        l = num(left)
    );
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saturation::{saturation_report, Interview};
    use axial_core::CodeId;
    use quick_xml::events::Event;
    use quick_xml::Reader;

    const HOSTILE: &str = "<img src=x onerror=alert(1)>";

    /// Parses the SVG; returns every element name and all text content.
    fn check_well_formed(svg: &str) -> (Vec<String>, String) {
        let mut reader = Reader::from_str(svg);
        let mut names = Vec::new();
        let mut text = String::new();
        let mut depth = 0i32;
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    depth += 1;
                    names.push(e.name().0.to_string());
                }
                Ok(Event::Empty(e)) => names.push(e.name().0.to_string()),
                Ok(Event::End(_)) => depth -= 1,
                Ok(Event::Text(t)) => {
                    text.push_str(&t.xml10_content());
                }
                Ok(Event::GeneralRef(r)) => {
                    let name: &str = r.as_ref();
                    text.push_str(match name {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other}"),
                    });
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!(
                    "not well-formed at {}: {e}\n{svg}",
                    reader.buffer_position()
                ),
            }
        }
        assert_eq!(depth, 0, "every element is closed");
        assert_eq!(names.first().map(String::as_str), Some("svg"));
        (names, text)
    }

    #[test]
    fn bar_chart_escapes_hostile_names() {
        let svg = bar_chart(
            "Codes & <counts>",
            &[(HOSTILE.to_string(), 3.0), ("coping".into(), 1.0)],
        );
        let (names, text) = check_well_formed(&svg);
        assert!(
            !names.iter().any(|n| n == "img"),
            "no element came from a code name"
        );
        assert!(text.contains(HOSTILE), "the name shows as text");
        assert!(text.contains("Codes & <counts>"));
        assert_eq!(names.iter().filter(|n| *n == "rect").count(), 2);
    }

    #[test]
    fn heatmap_is_well_formed() {
        let svg = heatmap(
            "matrix",
            &[HOSTILE.to_string(), "b\"quoted\"".into()],
            &["x'1".into(), "y".into()],
            &[vec![1.0, 0.0], vec![2.0, 4.0]],
        );
        let (names, text) = check_well_formed(&svg);
        assert_eq!(names.iter().filter(|n| *n == "rect").count(), 4);
        assert!(text.contains(HOSTILE) && text.contains("b\"quoted\"") && text.contains("x'1"));
    }

    #[test]
    fn saturation_curve_is_well_formed() {
        let code = |n: &str| CodeId::derived(uuid::Uuid::nil(), n);
        let iv = |label: &str, codes: &[&str]| Interview {
            source: None,
            label: label.into(),
            codes: codes.iter().map(|c| code(c)).collect(),
        };
        let report = saturation_report(
            &[
                iv(HOSTILE, &["a", "b"]),
                iv("two", &[]),
                iv("three", &["b", "c"]),
            ],
            &[],
        );
        let svg = saturation_curve("Saturation", &report);
        let (names, _) = check_well_formed(&svg);
        assert_eq!(names.iter().filter(|n| *n == "polyline").count(), 2);
        assert_eq!(names.iter().filter(|n| *n == "rect").count(), 3);
        assert!(svg.contains("&lt;img"));
    }
}
