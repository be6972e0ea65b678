//! Exporting evidence records for a report: JSON Lines, or CSV (RFC 4180) with a header row
//! and one `header:<name>` column per recorded request header.

use std::collections::BTreeSet;
use std::io::Write;

use super::EvidenceRecord;
use super::time::format_rfc3339;

/// Output format of an export.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON object per line, as stored.
    #[default]
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

/// Writes `records` in `format`.
///
/// CSV values are written exactly as recorded (no formula escaping): the export is evidence,
/// so open it in a spreadsheet with care.
///
/// # Errors
/// The writer's I/O error.
pub fn write_records<W: Write>(
    records: &[EvidenceRecord],
    format: ExportFormat,
    mut w: W,
) -> std::io::Result<()> {
    match format {
        ExportFormat::Jsonl => {
            for r in records {
                serde_json::to_writer(&mut w, r)?;
                w.write_all(b"\n")?;
            }
        }
        ExportFormat::Csv => write_csv(records, &mut w)?,
    }
    w.flush()
}

const COLUMNS: &[&str] = &[
    "time",
    "route",
    "list",
    "list_version",
    "kind",
    "stage",
    "entry",
    "url",
    "hash",
    "algorithm",
    "legal_hold",
];

fn write_csv<W: Write>(records: &[EvidenceRecord], w: &mut W) -> std::io::Result<()> {
    let headers: BTreeSet<&str> = records
        .iter()
        .flat_map(|r| r.headers.keys().map(String::as_str))
        .collect();
    let mut row: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    row.extend(headers.iter().map(|h| format!("header:{h}")));
    write_row(w, &row)?;
    for r in records {
        row.clear();
        row.extend([
            format_rfc3339(r.time),
            r.route.clone(),
            r.list.clone(),
            r.list_version.clone(),
            r.kind.as_str().to_owned(),
            r.stage.as_str().to_owned(),
            r.entry.map(|e| e.to_string()).unwrap_or_default(),
            r.url.clone().unwrap_or_default(),
            r.hash.clone().unwrap_or_default(),
            r.algorithm
                .map(|a| a.as_str().to_owned())
                .unwrap_or_default(),
            r.legal_hold.to_string(),
        ]);
        row.extend(
            headers
                .iter()
                .map(|h| r.headers.get(*h).cloned().unwrap_or_default()),
        );
        write_row(w, &row)?;
    }
    Ok(())
}

fn write_row<W: Write>(w: &mut W, fields: &[String]) -> std::io::Result<()> {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(csv_field(f).as_bytes())?;
    }
    w.write_all(b"\r\n")
}

/// Quotes a field when it holds a comma, quote, line break or edge white space.
pub(crate) fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    let needs = s.contains([',', '"', '\n', '\r'])
        || s.starts_with(char::is_whitespace)
        || s.ends_with(char::is_whitespace);
    if needs {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}
