//! The CSV dialect suppliers use: `;`-separated, lax quoting (stray quotes kept as text), rows
//! shorter or longer than the header, windows-1251 or UTF-8. Rows are decoded one at a time.

use super::feed::FeedError;
use gomarket_domain::supplier::FeedEncoding;
use std::io::Read;

/// One decoded row and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    /// Byte offset of the row in the file (to come back to it).
    pub byte: u64,
    pub fields: Vec<String>,
}

/// Counts lines itself: the csv crate's own line numbers do not count blank lines, and a
/// rejection must name the line a person finds in the file. Remembers only the newlines read
/// ahead of the current record, so memory stays bounded.
struct LineCounting<R> {
    inner: R,
    offset: u64,
    pending: std::collections::VecDeque<u64>,
    lines_before: u64,
}

impl<R: Read> Read for LineCounting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, byte) in buf[..n].iter().enumerate() {
            if *byte == b'\n' {
                self.pending.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R> LineCounting<R> {
    /// The 1-based line of byte `offset`; offsets must not decrease between calls.
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.pending.front().is_some_and(|&newline| newline < offset) {
            self.pending.pop_front();
            self.lines_before += 1;
        }
        // The csv crate starts a record where the previous one ended, before any blank lines.
        let mut at = offset;
        while self.pending.front() == Some(&at) {
            self.pending.pop_front();
            self.lines_before += 1;
            at += 1;
        }
        self.lines_before + 1
    }
}

pub struct LaxCsv<R: Read> {
    reader: csv::Reader<LineCounting<R>>,
    record: csv::ByteRecord,
    encoding: FeedEncoding,
}

impl<R: Read> LaxCsv<R> {
    pub fn new(input: R, encoding: FeedEncoding) -> Self {
        let reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .flexible(true)
            .double_quote(true)
            .from_reader(LineCounting {
                inner: input,
                offset: 0,
                pending: Default::default(),
                lines_before: 0,
            });
        Self {
            reader,
            record: csv::ByteRecord::new(),
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
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => {
                    let byte = self.record.position().map_or(0, |p| p.byte());
                    let line = self.reader.get_mut().line_at(byte);
                    let fields: Vec<String> = self.record.iter().map(|f| self.decode(f)).collect();
                    if fields.iter().all(String::is_empty) {
                        continue;
                    }
                    return Ok(Some(Row { line, byte, fields }));
                }
                Err(error) => {
                    let line = error.position().map_or(0, |p| p.line());
                    return Err(match error.into_kind() {
                        csv::ErrorKind::Io(e) => FeedError::Io(e.to_string()),
                        other => FeedError::Malformed {
                            line,
                            message: format!("{other:?}"),
                        },
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lax_rows_in_both_encodings() {
        let text = "code;title;price\n1;\"Чайник \"\"Vitek\"\"\";100\n2;Утюг \"новый;200;extra\n\n3;Фен\n";
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        for (bytes, encoding) in [
            (text.as_bytes().to_vec(), FeedEncoding::Auto),
            (cp1251.to_vec(), FeedEncoding::Auto),
            (cp1251.to_vec(), FeedEncoding::Windows1251),
        ] {
            let mut csv = LaxCsv::new(bytes.as_slice(), encoding);
            let mut rows = Vec::new();
            while let Some(row) = csv.next_row().unwrap() {
                rows.push(row);
            }
            assert_eq!(rows.len(), 4, "{rows:?}");
            assert_eq!(rows[1].fields, ["1", "Чайник \"Vitek\"", "100"]);
            assert_eq!(rows[2].fields, ["2", "Утюг \"новый", "200", "extra"]);
            assert_eq!(rows[3].fields, ["3", "Фен"]);
            assert_eq!(rows[3].line, 5);
        }
    }
}
