//! Item x feature matrices as CSV: what the page's dataset editor loads, pastes and downloads.
//!
//! The format is the one a spreadsheet writes:
//!
//! ```text
//! item,grow,move,fly
//! canary,1,1,1
//! oak,1,0,0
//! ```
//!
//! The first row is a corner cell (any text, may be empty) then one name per feature; every
//! following row is an item name then one number per feature. Fields are separated by `,`, or by
//! `;` or a tab when the first line has no comma. A field may be surrounded by spaces and may be
//! double-quoted, with `""` for a quote inside it, so names can contain the separator. Lines end
//! in LF or CRLF; blank lines at the end are ignored. With `;` or tab separators a decimal comma
//! (`0,5`) is read as a decimal point.
//!
//! Bad input is refused with a [`CsvError`] whose message names the row and column, 1-based as a
//! spreadsheet shows them: `row 3, column 5: "abc" is not a number`.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::config::limits;

/// Longest CSV text accepted, in bytes (1 MB).
pub const MAX_BYTES: usize = 1 << 20;

/// An item x feature matrix: `values[i][j]` is feature `j` of item `i` (one row per item, as in
/// `DatasetConfig::Matrix`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    pub items: Vec<String>,
    pub features: Vec<String>,
    pub values: Vec<Vec<f64>>,
}

impl Matrix {
    /// The matrix as CSV text (see [`to_csv`]).
    pub fn to_csv(&self) -> String {
        to_csv(&self.items, &self.features, &self.values)
    }
}

/// Why a CSV text was refused. `message` is the whole sentence, position included; `row` and
/// `column` (1-based) say where, when the problem has a place.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct CsvError {
    pub row: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl CsvError {
    /// A problem with the text as a whole.
    fn whole(message: impl Into<String>) -> Self {
        CsvError {
            row: None,
            column: None,
            message: message.into(),
        }
    }

    /// A problem with a whole row; `message` already names the row.
    fn row(row: usize, message: impl Into<String>) -> Self {
        CsvError {
            row: Some(row),
            column: None,
            message: message.into(),
        }
    }

    /// A problem with one cell; the message is prefixed with `row R, column C: `.
    fn cell(row: usize, column: usize, detail: impl std::fmt::Display) -> Self {
        CsvError {
            row: Some(row),
            column: Some(column),
            message: format!("row {row}, column {column}: {detail}"),
        }
    }
}

/// One field as written: its text (unquoted, quotes removed) and whether it was quoted.
#[derive(Debug)]
struct Field {
    text: String,
    quoted: bool,
}

impl Field {
    /// A row made of one empty, unquoted field is a blank line.
    fn is_blank_row(row: &[Field]) -> bool {
        matches!(row, [f] if !f.quoted && f.text.is_empty())
    }
}

/// The separator: `,` when the first line has a comma outside quotes, else `;` or tab, whichever
/// appears more often there (`,` when neither does).
fn detect_separator(text: &str) -> char {
    let (mut commas, mut semis, mut tabs) = (0, 0, 0);
    let mut in_quotes = false;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' | '\r' if !in_quotes => break,
            ',' if !in_quotes => commas += 1,
            ';' if !in_quotes => semis += 1,
            '\t' if !in_quotes => tabs += 1,
            _ => {}
        }
    }
    if commas > 0 {
        ','
    } else if semis > 0 && semis >= tabs {
        ';'
    } else if tabs > 0 {
        '\t'
    } else {
        ','
    }
}

/// Splits the text into rows of fields. Row numbers count every line a spreadsheet would show
/// as a row (a quoted field may span lines but stays in its row).
fn split_rows(text: &str, sep: char) -> Result<Vec<Vec<Field>>, CsvError> {
    let is_space = |c: char| (c == ' ' || c == '\t') && c != sep;
    let mut rows: Vec<Vec<Field>> = Vec::new();
    let mut row: Vec<Field> = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let (row_no, col_no) = (rows.len() + 1, row.len() + 1);
        while chars.peek().is_some_and(|&c| is_space(c)) {
            chars.next();
        }
        let mut text = String::new();
        let quoted = chars.peek() == Some(&'"');
        if quoted {
            chars.next();
            loop {
                match chars.next() {
                    None => {
                        return Err(CsvError::cell(
                            row_no,
                            col_no,
                            "a quoted field is never closed (its closing \" is missing)",
                        ))
                    }
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        text.push('"');
                    }
                    Some('"') => break,
                    Some('\r') => {
                        if chars.peek() == Some(&'\n') {
                            chars.next();
                        }
                        text.push('\n');
                    }
                    Some(c) => text.push(c),
                }
            }
            while chars.peek().is_some_and(|&c| is_space(c)) {
                chars.next();
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == sep || c == '\n' || c == '\r' {
                    break;
                }
                text.push(c);
                chars.next();
            }
            text.truncate(text.trim_end().len());
        }
        row.push(Field { text, quoted });
        match chars.next() {
            Some(c) if c == sep => {}
            end @ (Some('\n') | Some('\r') | None) => {
                if end == Some('\r') && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                rows.push(std::mem::take(&mut row));
                if chars.peek().is_none() {
                    break;
                }
            }
            Some(other) => {
                return Err(CsvError::cell(
                    row_no,
                    col_no,
                    format!(
                        "unexpected {other:?} after a closing quote; quote the whole field \
                         and write a quote inside it as \"\""
                    ),
                ))
            }
        }
    }
    Ok(rows)
}

/// The text of a cell for a message: quoted, and shortened when long.
fn shown(text: &str) -> String {
    let short: String = if text.chars().count() > 30 {
        text.chars().take(27).chain("...".chars()).collect()
    } else {
        text.to_string()
    };
    format!("{short:?}")
}

/// Checks one name of a kind (`"item"` or `"feature"`) at (row, column) and returns it trimmed.
/// `earlier` holds the names already read; `where_earlier(k)` says where the k-th one was.
fn check_name(
    field: &Field,
    kind: &str,
    (r, c): (usize, usize),
    earlier: &[String],
    where_earlier: impl Fn(usize) -> String,
) -> Result<String, CsvError> {
    let name = field.text.trim();
    if name.is_empty() {
        return Err(CsvError::cell(r, c, format!("the {kind} name is empty")));
    }
    if name.chars().count() > limits::MAX_NAME_CHARS {
        return Err(CsvError::cell(
            r,
            c,
            format!(
                "the {kind} name {} is longer than {} characters",
                shown(name),
                limits::MAX_NAME_CHARS
            ),
        ));
    }
    if let Some(k) = earlier.iter().position(|n| n == name) {
        return Err(CsvError::cell(
            r,
            c,
            format!(
                "the {kind} name {} is already used in {}",
                shown(name),
                where_earlier(k)
            ),
        ));
    }
    Ok(name.to_string())
}

/// Reads one value cell: a finite number of magnitude at most `limits::MAX_ABS_VALUE`.
fn number(field: &Field, sep: char) -> Result<f64, String> {
    let t = field.text.trim();
    if t.is_empty() {
        return Err("the cell is empty; enter a number".into());
    }
    let decimal_comma = sep != ',' && !t.contains('.') && t.matches(',').count() == 1;
    let parsed = if decimal_comma {
        t.replace(',', ".").parse::<f64>()
    } else {
        t.parse::<f64>()
    };
    match parsed {
        Ok(v) if !v.is_finite() => Err(format!("{} is not a finite number", shown(t))),
        Ok(v) if v.abs() > limits::MAX_ABS_VALUE => Err(format!(
            "{} is too large; values must be between -{max} and {max}",
            shown(t),
            max = limits::MAX_ABS_VALUE
        )),
        // Adding 0.0 turns -0 into 0.
        Ok(v) => Ok(v + 0.0),
        Err(_) => Err(format!("{} is not a number", shown(t))),
    }
}

/// Parses an item x feature matrix from CSV text (the format is described in the module docs).
pub fn parse_matrix(text: &str) -> Result<Matrix, CsvError> {
    if text.len() > MAX_BYTES {
        return Err(CsvError::whole(format!(
            "the CSV has {} bytes; the limit is 1 MB ({MAX_BYTES} bytes)",
            text.len()
        )));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let sep = detect_separator(text);
    let mut rows = split_rows(text, sep)?;
    while rows.last().is_some_and(|r| Field::is_blank_row(r)) {
        rows.pop();
    }
    let Some(header) = rows.first() else {
        return Err(CsvError::whole(
            "the CSV is empty: its first row holds a corner cell and the feature names, \
             then one row per item",
        ));
    };
    if header.len() < 2 {
        return Err(CsvError::row(
            1,
            "row 1 has no feature names: it should hold a corner cell, then one name per feature",
        ));
    }
    let n_features = header.len() - 1;
    if n_features > limits::MAX_FEATURES {
        return Err(CsvError::row(
            1,
            format!(
                "row 1 names {n_features} features; the limit is {}",
                limits::MAX_FEATURES
            ),
        ));
    }
    let mut features: Vec<String> = Vec::with_capacity(n_features);
    for (j, field) in header[1..].iter().enumerate() {
        let name = check_name(field, "feature", (1, j + 2), &features, |k| {
            format!("column {}", k + 2)
        })?;
        features.push(name);
    }
    if rows.len() < 2 {
        return Err(CsvError::row(
            2,
            "there are no items: after the header, add one row per item (its name, then one \
             number per feature)",
        ));
    }
    let n_items = rows.len() - 1;
    if n_items > limits::MAX_ITEMS {
        let r = limits::MAX_ITEMS + 2;
        return Err(CsvError::row(
            r,
            format!(
                "row {r} is item {}; the limit is {} items (the CSV has {n_items})",
                limits::MAX_ITEMS + 1,
                limits::MAX_ITEMS
            ),
        ));
    }
    let mut items: Vec<String> = Vec::with_capacity(n_items);
    let mut values = Vec::with_capacity(n_items);
    for (k, row) in rows[1..].iter().enumerate() {
        let r = k + 2;
        if Field::is_blank_row(row) {
            return Err(CsvError::row(
                r,
                format!("row {r} is empty; remove blank lines between rows"),
            ));
        }
        if row.len() != header.len() {
            let cells = if row.len() == 1 { "cell" } else { "cells" };
            return Err(CsvError::row(
                r,
                format!(
                    "row {r} has {} {cells}; the header has {}",
                    row.len(),
                    header.len()
                ),
            ));
        }
        let name = check_name(&row[0], "item", (r, 1), &items, |k| {
            format!("row {}", k + 2)
        })?;
        items.push(name);
        let mut out = Vec::with_capacity(n_features);
        for (j, field) in row[1..].iter().enumerate() {
            out.push(number(field, sep).map_err(|m| CsvError::cell(r, j + 2, m))?);
        }
        values.push(out);
    }
    Ok(Matrix {
        items,
        features,
        values,
    })
}

/// Writes a field, quoting it when it holds a separator, a quote, a line break, or spaces at
/// either end (or is empty).
fn push_field(out: &mut String, text: &str) {
    let needs_quotes =
        text.is_empty() || text.trim() != text || text.contains([',', ';', '\t', '"', '\n', '\r']);
    if needs_quotes {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// A number as short text that parses back to exactly the same value: plain decimals unless
/// they would be long (`0.000000000001`), then exponent form (`1e-12`).
fn number_text(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let plain = format!("{v}");
    let exp = format!("{v:e}");
    if plain.len() > 12 && exp.len() < plain.len() {
        exp
    } else {
        plain
    }
}

/// Writes a matrix as CSV: a header `item,<feature names>`, then one row per item. Names that
/// need it are quoted; lines end in `\n`, the last one too. [`parse_matrix`] reads it back
/// exactly.
pub fn to_csv(items: &[String], features: &[String], values: &[Vec<f64>]) -> String {
    let mut out = String::from("item");
    for f in features {
        out.push(',');
        push_field(&mut out, f);
    }
    out.push('\n');
    for (name, row) in items.iter().zip(values) {
        push_field(&mut out, name);
        for &v in row {
            let _ = write!(out, ",{}", number_text(v));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> CsvError {
        parse_matrix(text).expect_err("the text should be refused")
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    // ----- what is accepted -----

    #[test]
    fn a_plain_comma_separated_matrix_is_read_one_row_per_item() {
        let m = parse_matrix("item,grow,move\ncanary,1,1\noak,1,0\n").unwrap();
        assert_eq!(m.items, names(&["canary", "oak"]));
        assert_eq!(m.features, names(&["grow", "move"]));
        assert_eq!(m.values, vec![vec![1.0, 1.0], vec![1.0, 0.0]]);
    }

    #[test]
    fn the_corner_cell_may_be_empty_or_any_text() {
        for corner in ["", "items \\ features", "\"\""] {
            let m = parse_matrix(&format!("{corner},a\nx,1")).unwrap();
            assert_eq!(m.features, names(&["a"]), "corner {corner:?}");
        }
    }

    #[test]
    fn semicolons_or_tabs_separate_fields_when_the_first_line_has_no_comma() {
        let semi = parse_matrix("item;a;b\nx;1;0\n").unwrap();
        let tab = parse_matrix("item\ta\tb\nx\t1\t0\n").unwrap();
        assert_eq!(semi, tab);
        assert_eq!(semi.values, vec![vec![1.0, 0.0]]);
    }

    #[test]
    fn a_decimal_comma_is_read_when_fields_are_separated_by_semicolons() {
        let m = parse_matrix("item;a;b\nx;0,5;-1,25\n").unwrap();
        assert_eq!(m.values, vec![vec![0.5, -1.25]]);
    }

    #[test]
    fn crlf_line_ends_a_byte_order_mark_and_trailing_blank_lines_are_accepted() {
        let m = parse_matrix("\u{feff}item,a,b\r\nx,1,0\r\ny,0,1\r\n\r\n  \n\n").unwrap();
        assert_eq!(m.items, names(&["x", "y"]));
        assert_eq!(m.values, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
    }

    #[test]
    fn spaces_around_fields_are_ignored() {
        let m = parse_matrix("  item , a ,  b\n  x ,  1 , 2.5  \n").unwrap();
        assert_eq!(m.features, names(&["a", "b"]));
        assert_eq!(m.items, names(&["x"]));
        assert_eq!(m.values, vec![vec![1.0, 2.5]]);
    }

    #[test]
    fn quoted_fields_may_hold_commas_quotes_and_numbers() {
        let m = parse_matrix(
            "item,\"red, or pink\",\"the \"\"best\"\" one\"\n\"rose, wild\",\"1\", \"0\" \n",
        )
        .unwrap();
        assert_eq!(m.features, names(&["red, or pink", "the \"best\" one"]));
        assert_eq!(m.items, names(&["rose, wild"]));
        assert_eq!(m.values, vec![vec![1.0, 0.0]]);
    }

    #[test]
    fn negative_fractional_and_exponent_numbers_are_read_and_minus_zero_is_zero() {
        let m = parse_matrix("item,a,b,c,d\nx,-1,0.25,3e-2,-0\n").unwrap();
        assert_eq!(m.values, vec![vec![-1.0, 0.25, 0.03, 0.0]]);
        assert!(m.values[0][3].is_sign_positive());
    }

    #[test]
    fn the_largest_allowed_magnitude_is_accepted() {
        let m = parse_matrix("item,a,b\nx,1000000,-1e6\n").unwrap();
        assert_eq!(m.values, vec![vec![1e6, -1e6]]);
    }

    #[test]
    fn a_matrix_at_the_item_and_feature_limits_is_accepted() {
        let header: Vec<String> = (0..limits::MAX_FEATURES).map(|j| format!("f{j}")).collect();
        let text = format!(
            "item,{}\nx,{}\n",
            header.join(","),
            vec!["0"; limits::MAX_FEATURES].join(",")
        );
        assert_eq!(
            parse_matrix(&text).unwrap().features.len(),
            limits::MAX_FEATURES
        );
        let mut text = String::from("item,a\n");
        for i in 0..limits::MAX_ITEMS {
            text.push_str(&format!("i{i},1\n"));
        }
        assert_eq!(parse_matrix(&text).unwrap().items.len(), limits::MAX_ITEMS);
    }

    // ----- what is refused, one kind of bad input per test -----

    #[test]
    fn an_empty_text_is_refused() {
        for text in ["", "\n\n", "  \r\n"] {
            let e = err(text);
            assert!(e.message.starts_with("the CSV is empty"), "{e}");
            assert_eq!((e.row, e.column), (None, None));
        }
    }

    #[test]
    fn a_header_without_feature_names_is_refused() {
        let e = err("item\nx\n");
        assert_eq!(
            e.message,
            "row 1 has no feature names: it should hold a corner cell, then one name per feature"
        );
        assert_eq!((e.row, e.column), (Some(1), None));
    }

    #[test]
    fn a_header_without_item_rows_is_refused() {
        let e = err("item,a,b\n\n");
        assert!(e.message.starts_with("there are no items"), "{e}");
        assert_eq!(e.row, Some(2));
    }

    #[test]
    fn a_row_with_too_few_cells_is_refused_naming_the_row_and_both_counts() {
        let text = "item,a,b,c,d,e,f,g,h\nw,1,1,1,1,1,1,1,1\nx,0,0,0,0,0,0,0,0\ny,1,0,1,0,1\n";
        let e = err(text);
        assert_eq!(e.message, "row 4 has 6 cells; the header has 9");
        assert_eq!((e.row, e.column), (Some(4), None));
    }

    #[test]
    fn a_row_with_too_many_cells_is_refused() {
        assert_eq!(
            err("item,a\nx,1,2\n").message,
            "row 2 has 3 cells; the header has 2"
        );
        assert_eq!(
            err("item,a,b\nx\n").message,
            "row 2 has 1 cell; the header has 3"
        );
    }

    #[test]
    fn a_cell_that_is_not_a_number_is_refused_naming_its_row_and_column() {
        let e = err("item,a,b,c,d\nx,1,0,1,0\ny,0,1,0,abc\n");
        assert_eq!(e.message, "row 3, column 5: \"abc\" is not a number");
        assert_eq!((e.row, e.column), (Some(3), Some(5)));
    }

    #[test]
    fn an_empty_value_cell_is_refused() {
        let e = err("item,a,b\nx,1,\n");
        assert_eq!(
            e.message,
            "row 2, column 3: the cell is empty; enter a number"
        );
    }

    #[test]
    fn nan_and_infinite_values_are_refused() {
        for bad in ["NaN", "inf", "-Infinity", "1e400"] {
            let e = err(&format!("item,a\nx,{bad}\n"));
            assert_eq!(
                e.message,
                format!("row 2, column 2: {bad:?} is not a finite number")
            );
        }
    }

    #[test]
    fn a_value_larger_than_a_million_in_magnitude_is_refused() {
        let e = err("item,a,b\nx,1,-2e6\n");
        assert_eq!(
            e.message,
            "row 2, column 3: \"-2e6\" is too large; values must be between -1000000 and 1000000"
        );
    }

    #[test]
    fn an_empty_feature_name_is_refused() {
        let e = err("item,a,  ,c\nx,1,0,1\n");
        assert_eq!(e.message, "row 1, column 3: the feature name is empty");
        assert_eq!((e.row, e.column), (Some(1), Some(3)));
    }

    #[test]
    fn a_duplicate_feature_name_is_refused_naming_both_columns() {
        let e = err("item,a,b, a\nx,1,0,1\n");
        assert_eq!(
            e.message,
            "row 1, column 4: the feature name \"a\" is already used in column 2"
        );
    }

    #[test]
    fn an_empty_item_name_is_refused() {
        let e = err("item,a\nx,1\n\"\",0\n");
        assert_eq!(e.message, "row 3, column 1: the item name is empty");
    }

    #[test]
    fn a_duplicate_item_name_is_refused_naming_both_rows() {
        let e = err("item,a\npine,1\noak,0\npine,1\n");
        assert_eq!(
            e.message,
            "row 4, column 1: the item name \"pine\" is already used in row 2"
        );
    }

    #[test]
    fn a_name_longer_than_forty_characters_is_refused_and_shortened_in_the_message() {
        let long = "x".repeat(41);
        let e = err(&format!("item,{long}\ny,1\n"));
        assert_eq!(
            e.message,
            format!(
                "row 1, column 2: the feature name \"{}...\" is longer than 40 characters",
                "x".repeat(27)
            )
        );
    }

    #[test]
    fn a_text_over_one_megabyte_is_refused_before_it_is_read() {
        let text = format!("item,a\nx,{}\n", "1".repeat(MAX_BYTES));
        let e = err(&text);
        assert_eq!(
            e.message,
            format!(
                "the CSV has {} bytes; the limit is 1 MB (1048576 bytes)",
                text.len()
            )
        );
        assert_eq!((e.row, e.column), (None, None));
    }

    #[test]
    fn more_than_256_items_are_refused_naming_the_first_row_over_the_limit() {
        let mut text = String::from("item,a\n");
        for i in 0..300 {
            text.push_str(&format!("i{i},1\n"));
        }
        let e = err(&text);
        assert_eq!(
            e.message,
            "row 258 is item 257; the limit is 256 items (the CSV has 300)"
        );
        assert_eq!(e.row, Some(258));
    }

    #[test]
    fn more_features_than_the_limit_are_refused() {
        let n = limits::MAX_FEATURES + 1;
        let header: Vec<String> = (0..n).map(|j| format!("f{j}")).collect();
        let e = err(&format!("item,{}\nx,1\n", header.join(",")));
        assert_eq!(
            e.message,
            format!(
                "row 1 names {n} features; the limit is {}",
                limits::MAX_FEATURES
            )
        );
        assert_eq!(e.row, Some(1));
    }

    #[test]
    fn an_unterminated_quote_is_refused_naming_where_it_opens() {
        let e = err("item,a,b\nx,1,\"0\ny,0,1\n");
        assert_eq!(
            e.message,
            "row 2, column 3: a quoted field is never closed (its closing \" is missing)"
        );
        assert_eq!((e.row, e.column), (Some(2), Some(3)));
    }

    #[test]
    fn text_after_a_closing_quote_is_refused() {
        let e = err("item,\"a\"b\nx,1\n");
        assert!(
            e.message
                .starts_with("row 1, column 2: unexpected 'b' after a closing quote"),
            "{e}"
        );
    }

    #[test]
    fn a_blank_line_between_rows_is_refused() {
        let e = err("item,a\nx,1\n\ny,0\n");
        assert_eq!(e.message, "row 3 is empty; remove blank lines between rows");
    }

    #[test]
    fn the_first_problem_in_reading_order_is_reported() {
        // Row 2 is ragged and row 3 has a non-number: the ragged row comes first.
        let e = err("item,a,b\nx,1\ny,z,1\n");
        assert_eq!(e.row, Some(2));
        // A repeated item name in row 3 comes before a non-number in row 4.
        let e = err("item,a\nx,1\nx,0\ny,z\n");
        assert_eq!((e.row, e.column), (Some(3), Some(1)), "{e}");
        // Within a row, the item name comes before its values.
        let e = err("item,a\n,z\n");
        assert_eq!((e.row, e.column), (Some(2), Some(1)), "{e}");
    }

    // ----- writing, and reading back -----

    #[test]
    fn writing_gives_a_header_row_then_one_row_per_item() {
        let text = to_csv(
            &names(&["canary", "oak"]),
            &names(&["grow", "move"]),
            &[vec![1.0, 1.0], vec![1.0, 0.0]],
        );
        assert_eq!(text, "item,grow,move\ncanary,1,1\noak,1,0\n");
    }

    #[test]
    fn writing_quotes_names_that_hold_separators_quotes_or_line_breaks() {
        let text = to_csv(
            &names(&["rose, wild", "plain"]),
            &names(&["say \"hi\"", "a;b", "tab\there"]),
            &[vec![0.0; 3], vec![1.0; 3]],
        );
        assert_eq!(
            text,
            "item,\"say \"\"hi\"\"\",\"a;b\",\"tab\there\"\n\"rose, wild\",0,0,0\nplain,1,1,1\n"
        );
    }

    #[test]
    fn writing_keeps_numbers_short_and_exact() {
        assert_eq!(number_text(1.0), "1");
        assert_eq!(number_text(-0.5), "-0.5");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(1e6), "1000000");
        assert_eq!(number_text(1.5e-12), "1.5e-12");
        assert_eq!(number_text(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn awkward_names_and_values_round_trip_exactly() {
        let m = Matrix {
            items: names(&[
                "rose, wild",
                "say \"hi\"",
                "two\nlines",
                "ünïcödé 🌲",
                "=1+1",
            ]),
            features: names(&["a;b", "tab\there", "x", "\"quoted\""]),
            values: vec![
                vec![0.1 + 0.2, -1e6, 1e6, 1.5e-300],
                vec![-0.001, 0.0, 1.0, 123456.789],
                vec![2.0 / 3.0, -7.0, 1e-7, 0.5],
                vec![0.0, 0.0, 0.0, 0.0],
                vec![1.0, 1.0, 1.0, 1.0],
            ],
        };
        assert_eq!(parse_matrix(&m.to_csv()).unwrap(), m);
    }

    #[test]
    fn pseudo_random_matrices_round_trip_exactly() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for trial in 0..50 {
            let p = 1 + (next() % 12) as usize;
            let n = 1 + (next() % 20) as usize;
            let values: Vec<Vec<f64>> = (0..p)
                .map(|_| {
                    (0..n)
                        .map(|_| {
                            let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
                            let scale = 10f64.powi((next() % 13) as i32 - 6);
                            ((2.0 * u - 1.0) * scale).clamp(-1e6, 1e6)
                        })
                        .collect()
                })
                .collect();
            let m = Matrix {
                items: (0..p).map(|i| format!("item {i}")).collect(),
                features: (0..n).map(|j| format!("f,{j}")).collect(),
                values,
            };
            assert_eq!(parse_matrix(&m.to_csv()).unwrap(), m, "trial {trial}");
        }
    }

    #[test]
    fn every_built_in_dataset_round_trips_through_csv() {
        use crate::config::DatasetConfig;
        use crate::engine::Dataset;
        for d in [
            Dataset::rm8(),
            Dataset::toy4(),
            Dataset::tree(3, 2),
            Dataset::diffusion(2, 3, 40, 0.1, 3),
        ] {
            let DatasetConfig::Matrix {
                items,
                feature_names: features,
                values,
            } = d.matrix_config()
            else {
                panic!("matrix_config returns a matrix");
            };
            let m = parse_matrix(&to_csv(&items, &features, &values)).unwrap();
            assert_eq!((m.items, m.features, m.values), (items, features, values));
        }
    }
}
