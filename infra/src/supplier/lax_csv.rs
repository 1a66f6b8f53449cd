//! The CSV dialect suppliers use: `;`-separated, lax quoting (stray quotes kept as text), rows
//! shorter or longer than the header, windows-1251 or UTF-8. Rows are decoded one at a time.
//!
//! The reader drives csv-core's state machine itself, so that memory is bounded per row, not
//! per file: a field past [`MAX_FIELD_BYTES`] or a row past [`MAX_RECORD_BYTES`] is not kept —
//! its bytes are skipped as they are read, and the row comes back marked [`Oversized`] for its
//! offer to be rejected. A file whose last row has no line break after it was cut off (a
//! broken upload, a dropped connection): reading it fails, so that an import never applies a
//! truncated feed. That also refuses the rare exporter that writes no final line break: a row
//! cut inside its last field looks complete, and applying it would store a truncated value
//! (a stock of 1 for 12), which an import must never do.

use super::feed::FeedError;
use super::limits::{MAX_FIELD_BYTES, MAX_FIELDS, MAX_RECORD_BYTES, human};
use gomarket_domain::supplier::FeedEncoding;
use std::io::Read;

/// Bytes read from the input at a time, and the most a field grows by per step.
const CHUNK: usize = 64 * 1024;

/// What of a row was too long to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversized {
    /// The field at this index (0-based) is longer than [`MAX_FIELD_BYTES`]; it reads as
    /// empty.
    Field(usize),
    /// The row is longer than [`MAX_RECORD_BYTES`] or has more than [`MAX_FIELDS`] fields;
    /// only the fields before the limit are kept.
    Record,
}

/// One decoded row and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    /// Byte offset of the row in the file (to come back to it).
    pub byte: u64,
    pub fields: Vec<String>,
    /// Set when part of the row was too long to keep.
    pub oversized: Option<Oversized>,
}

impl Oversized {
    /// Why the row's offer is rejected, naming the field by `name_of` its index.
    pub fn describe(self, name_of: impl Fn(usize) -> Option<String>) -> (super::feed::RejectReason, String) {
        use super::feed::RejectReason;
        match self {
            Self::Field(index) => {
                let name = name_of(index).unwrap_or_else(|| format!("column {}", index + 1));
                (
                    RejectReason::FieldTooLong,
                    format!("the field `{name}` is longer than {}", human(MAX_FIELD_BYTES)),
                )
            }
            Self::Record => (
                RejectReason::RecordTooLong,
                format!(
                    "the row is longer than {} or has more than {MAX_FIELDS} fields",
                    human(MAX_RECORD_BYTES)
                ),
            ),
        }
    }
}

/// A byte csv-core treats the same in every state inside a field: copied, never a boundary.
/// While the rest of an oversized field is skipped, only such bytes are passed over.
fn inert(byte: u8) -> bool {
    !matches!(byte, b'"' | b';' | b'\r' | b'\n')
}

pub struct LaxCsv<R: Read> {
    input: R,
    buf: Box<[u8]>,
    /// The unread part of `buf`.
    start: usize,
    end: usize,
    eof: bool,
    parser: csv_core::Reader,
    out: Box<[u8]>,
    /// Bytes of the input consumed so far.
    offset: u64,
    /// Line feeds consumed so far.
    newlines: u64,
    /// The last byte fed to the parser.
    last_fed: Option<u8>,
    /// Return a row as soon as it is known to be too long, without reading to its end.
    fail_fast: bool,
    encoding: FeedEncoding,
}

/// A row as read, before blank rows are dropped.
struct Record {
    row: Row,
    /// Whether a line break ended it (the last row of a file cut off mid-line has none).
    terminated: bool,
}

impl<R: Read> LaxCsv<R> {
    pub fn new(input: R, encoding: FeedEncoding) -> Self {
        let parser = csv_core::ReaderBuilder::new()
            .delimiter(b';')
            .double_quote(true)
            .build();
        Self {
            input,
            buf: vec![0; CHUNK].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            parser,
            out: vec![0; CHUNK].into_boxed_slice(),
            offset: 0,
            newlines: 0,
            last_fed: None,
            fail_fast: false,
            encoding,
        }
    }

    /// A field's text: as configured, or (`AUTO`) UTF-8 when the bytes are valid UTF-8 and
    /// windows-1251 otherwise (Cyrillic in windows-1251 is almost never valid UTF-8).
    fn decode(&self, bytes: &[u8]) -> String {
        let text = match self.encoding {
            FeedEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            FeedEncoding::Windows1251 => encoding_rs::WINDOWS_1251
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
            FeedEncoding::Auto => match std::str::from_utf8(bytes) {
                Ok(text) => text.to_owned(),
                Err(_) => encoding_rs::WINDOWS_1251
                    .decode_without_bom_handling(bytes)
                    .0
                    .into_owned(),
            },
        };
        text.trim_start_matches('\u{feff}').trim().to_owned()
    }

    /// The next row (blank rows skipped), `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Row>, FeedError> {
        loop {
            let Some(Record { row, terminated }) = self.read_record()? else {
                return Ok(None);
            };
            if row.oversized.is_none() && row.fields.iter().all(String::is_empty) {
                continue;
            }
            if !terminated {
                return Err(FeedError::Malformed {
                    line: row.line,
                    message: "the file ends in the middle of this row (no line break after it): \
                              it looks cut off, so none of it is imported; a complete file ends \
                              with a line break"
                        .into(),
                });
            }
            return Ok(Some(row));
        }
    }

    /// The first row, for a header: like [`LaxCsv::next_row`], but a row too long to be a
    /// header comes back, marked [`Oversized`], as soon as that is known — the file is not
    /// read to the end of a 300 MB line to say it has no header. Reading on after such a row
    /// is meaningless.
    pub fn first_row(&mut self) -> Result<Option<Row>, FeedError> {
        self.fail_fast = true;
        let row = self.next_row();
        self.fail_fast = false;
        row
    }

    fn refill(&mut self) -> Result<(), FeedError> {
        loop {
            match self.input.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.start = 0;
                    self.end = n;
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(FeedError::Io(e)),
            }
        }
    }

    /// Reads one record, keeping at most [`MAX_FIELD_BYTES`] per field and
    /// [`MAX_RECORD_BYTES`] per record.
    fn read_record(&mut self) -> Result<Option<Record>, FeedError> {
        let mut fields: Vec<String> = Vec::new();
        let mut field: Vec<u8> = Vec::new();
        let mut field_over = false;
        let mut record_over = false;
        let mut too_long_field: Option<usize> = None;
        let mut record_bytes: usize = 0;
        // (line, byte) of the record's first byte, once read: blank lines before it are not
        // part of it.
        let mut start: Option<(u64, u64)> = None;
        loop {
            if self.start == self.end && !self.eof {
                self.refill()?;
            }
            let at_eof = self.start == self.end;
            if (field_over || record_over) && self.last_fed.is_some_and(inert) {
                // Inside a field whose bytes are not kept: pass over what cannot end it.
                let pending = &self.buf[self.start..self.end];
                let skip = pending.iter().position(|&b| !inert(b)).unwrap_or(pending.len());
                if skip > 0 {
                    self.start += skip;
                    self.offset += skip as u64;
                    record_bytes = record_bytes.saturating_add(skip);
                    continue;
                }
            }
            let input = &self.buf[self.start..self.end];
            let (result, read, written) = self.parser.read_field(input, &mut self.out);
            let consumed = &input[..read];
            let mut counted = consumed;
            if start.is_none()
                && let Some(first) = consumed.iter().position(|b| !matches!(b, b'\r' | b'\n'))
            {
                let blank = consumed[..first].iter().filter(|&&b| b == b'\n').count() as u64;
                start = Some((self.newlines + blank + 1, self.offset + first as u64));
                counted = &consumed[first..];
            }
            if start.is_some() {
                record_bytes = record_bytes.saturating_add(counted.len());
            }
            self.newlines += consumed.iter().filter(|&&b| b == b'\n').count() as u64;
            if let Some(&last) = consumed.last() {
                self.last_fed = Some(last);
            }
            self.start += read;
            self.offset += read as u64;

            if !field_over && !record_over {
                if field.len() + written > MAX_FIELD_BYTES {
                    field_over = true;
                    too_long_field.get_or_insert(fields.len());
                    field = Vec::new();
                } else {
                    field.extend_from_slice(&self.out[..written]);
                }
            }
            if record_bytes > MAX_RECORD_BYTES {
                record_over = true;
            }
            if self.fail_fast && (field_over || record_over) {
                let (line, byte) = start.unwrap_or((self.newlines + 1, self.offset));
                let oversized = Some(too_long_field.map_or(Oversized::Record, Oversized::Field));
                return Ok(Some(Record {
                    row: Row {
                        line,
                        byte,
                        fields,
                        oversized,
                    },
                    terminated: true,
                }));
            }
            match result {
                csv_core::ReadFieldResult::InputEmpty | csv_core::ReadFieldResult::OutputFull => {}
                csv_core::ReadFieldResult::Field { record_end } => {
                    if !record_over {
                        fields.push(if field_over { String::new() } else { self.decode(&field) });
                        record_over = fields.len() >= MAX_FIELDS && !record_end;
                    }
                    field.clear();
                    field_over = false;
                    if record_end {
                        let (line, byte) = start.unwrap_or((self.newlines + 1, self.offset));
                        let oversized = match (too_long_field, record_over) {
                            (Some(index), _) => Some(Oversized::Field(index)),
                            (None, true) => Some(Oversized::Record),
                            (None, false) => None,
                        };
                        return Ok(Some(Record {
                            row: Row {
                                line,
                                byte,
                                fields,
                                oversized,
                            },
                            // A record ended by the end of the input, not by a line break.
                            terminated: !at_eof,
                        }));
                    }
                }
                csv_core::ReadFieldResult::End => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &[u8], encoding: FeedEncoding) -> Result<Vec<Row>, FeedError> {
        let mut csv = LaxCsv::new(bytes, encoding);
        let mut rows = Vec::new();
        while let Some(row) = csv.next_row()? {
            rows.push(row);
        }
        Ok(rows)
    }

    #[test]
    fn lax_rows_in_both_encodings() {
        let text = "code;title;price\n1;\"Чайник \"\"Vitek\"\"\";100\n2;Утюг \"новый;200;extra\n\n3;Фен\n";
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        for (bytes, encoding) in [
            (text.as_bytes().to_vec(), FeedEncoding::Auto),
            (cp1251.to_vec(), FeedEncoding::Auto),
            (cp1251.to_vec(), FeedEncoding::Windows1251),
        ] {
            let rows = rows(&bytes, encoding).unwrap();
            assert_eq!(rows.len(), 4, "{rows:?}");
            assert_eq!(rows[1].fields, ["1", "Чайник \"Vitek\"", "100"]);
            assert_eq!(rows[2].fields, ["2", "Утюг \"новый", "200", "extra"]);
            assert_eq!(rows[3].fields, ["3", "Фен"]);
            assert_eq!(rows[3].line, 5);
            assert!(rows.iter().all(|r| r.oversized.is_none()));
        }
    }

    #[test]
    fn lines_and_offsets_count_blank_lines_crlf_and_quoted_breaks() {
        let text = b"\r\n\r\na;b\r\n\"multi\nline\";x\r\n\n\nlast;row\n";
        let rows = rows(text, FeedEncoding::Utf8).unwrap();
        let places: Vec<(u64, u64)> = rows.iter().map(|r| (r.line, r.byte)).collect();
        assert_eq!(places, [(3, 4), (4, 9), (8, 27)]);
        assert_eq!(rows[1].fields, ["multi\nline", "x"]);
        for row in &rows {
            assert_eq!(rows_at(text, row.byte), row.fields);
        }
    }

    fn rows_at(text: &[u8], byte: u64) -> Vec<String> {
        let mut csv = LaxCsv::new(&text[byte as usize..], FeedEncoding::Utf8);
        csv.next_row().unwrap().unwrap().fields
    }

    #[test]
    fn a_field_past_the_limit_is_skipped_and_named() {
        let mut text = b"1;ok;".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_FIELD_BYTES + 1));
        text.extend_from_slice(b";tail\n2;next\n");
        let read = rows(&text, FeedEncoding::Utf8).unwrap();
        assert_eq!(read[0].oversized, Some(Oversized::Field(2)));
        assert_eq!(read[0].fields, ["1", "ok", "", "tail"]);
        assert_eq!(
            (read[1].line, read[1].fields.clone()),
            (2, vec!["2".into(), "next".into()])
        );

        // Quoted, with line breaks and delimiters inside: still one field, skipped.
        let mut text = b"1;\"".to_vec();
        for _ in 0..(MAX_FIELD_BYTES / 4) {
            text.extend_from_slice(b"ab;c\nd\"\"");
        }
        text.extend_from_slice(b"\";end\n2;next\n");
        let read = rows(&text, FeedEncoding::Utf8).unwrap();
        assert_eq!(read[0].oversized, Some(Oversized::Field(1)));
        assert_eq!(read[0].fields, ["1", "", "end"]);
        assert_eq!(read[1].fields, ["2", "next"]);
        assert_eq!(read[1].line, 2 + (MAX_FIELD_BYTES / 4) as u64);
    }

    #[test]
    fn a_row_past_the_limit_keeps_its_first_fields() {
        let mut text = b"1;".to_vec();
        for _ in 0..8 {
            text.extend(std::iter::repeat_n(b'y', MAX_FIELD_BYTES - 10));
            text.push(b';');
        }
        text.extend_from_slice(b"z\n2;next\n");
        let read = rows(&text, FeedEncoding::Utf8).unwrap();
        assert_eq!(read[0].oversized, Some(Oversized::Record));
        assert_eq!(read[0].fields[0], "1");
        assert!(read[0].fields.len() < 6, "{}", read[0].fields.len());
        assert_eq!(read[1].fields, ["2", "next"]);

        let many = ";".repeat(MAX_FIELDS * 3) + "\nnext\n";
        let read = rows(many.as_bytes(), FeedEncoding::Utf8).unwrap();
        assert_eq!(read[0].oversized, Some(Oversized::Record));
        assert_eq!(read[0].fields.len(), MAX_FIELDS);
        assert_eq!(read[1].fields, ["next"]);
    }

    #[test]
    fn a_file_cut_mid_row_fails_and_one_ending_in_a_line_break_does_not() {
        assert!(matches!(
            rows(b"a;b\n1;2", FeedEncoding::Utf8),
            Err(FeedError::Malformed { line: 2, .. })
        ));
        assert!(matches!(
            rows(b"a;b\n1;\"open quote\n", FeedEncoding::Utf8),
            Err(FeedError::Malformed { line: 2, .. })
        ));
        assert_eq!(rows(b"a;b\r\n1;2\r\n", FeedEncoding::Utf8).unwrap().len(), 2);
        // Trailing blanks after the last line break are no row.
        assert_eq!(rows(b"a;b\n   ", FeedEncoding::Utf8).unwrap().len(), 1);
        assert!(rows(b"", FeedEncoding::Utf8).unwrap().is_empty());
    }
}
