//! How much of a feed one offer may take: the bounds every reader holds to, so that a broken or
//! hostile feed (a 300 MB line, a text node with no end) costs a rejected offer or a failed
//! import, never the process's memory. Readers stop buffering at these bounds and skip the
//! rest of the field or record as they read it.

/// Longest field (a CSV field, the text of one YML element) taken, in bytes. The longest value
/// kept is a description of 20 000 characters (at most 80 KB of UTF-8) and its HTML is a few
/// times that; a longer field is a broken feed, and its offer is rejected (`FIELD_TOO_LONG`)
/// rather than silently cut.
pub const MAX_FIELD_BYTES: usize = 256 * 1024;

/// Longest record (a CSV row with its line breaks, or everything inside one `<offer>`) taken,
/// in bytes: four fields at their limit. A longer record is rejected (`RECORD_TOO_LONG`); in
/// a CSV header row it fails the feed.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// Most fields in one CSV row (AN_MSC has 57 columns). More is a broken row, rejected as too
/// long; the bound keeps a row of a million empty fields from costing a million strings.
pub const MAX_FIELDS: usize = 1024;

/// Longest value of the Wholesaler's price and stock files, which are held in memory for the
/// whole import (a price or stock figure is a few characters; a longer one is rejected when
/// its offer is built).
pub const MAX_FIGURE_BYTES: usize = 256;

/// Longest supplier offer id, in bytes. Ids are keys in the database (a B-tree entry holds at
/// most ~2.7 KB); real ids are a few dozen characters.
pub const MAX_OFFER_ID_BYTES: usize = 512;

/// Deepest nesting of XML elements followed. YML is five levels deep; the parser remembers
/// every open element, so unbounded nesting would be unbounded memory.
pub const MAX_XML_DEPTH: usize = 64;

/// Most bytes of category names and ids a YML feed may declare (they are held for the whole
/// import to build category paths): about 100 000 categories of ordinary names.
pub const MAX_CATEGORY_BYTES: usize = 16 * 1024 * 1024;

/// `bytes` as a size a person reads: `256 KiB`, `1 MiB`.
pub fn human(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Text from a feed made fit to store and show: control characters (which PostgreSQL refuses
/// in text, NUL above all, or which garble a log line) written as `\u{0}`, and at most
/// `max_chars` characters (an ellipsis marks a cut).
pub fn printable(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    for (count, c) in text.chars().enumerate() {
        if count == max_chars {
            out.push('…');
            break;
        }
        if c.is_control() && c != '\n' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_controls_and_bounds_length() {
        assert_eq!(printable("a\0b\u{98}c", 100), "a\\u{0}b\\u{98}c");
        assert_eq!(printable("абвгд", 3), "абв…");
        assert_eq!(printable("line\nnext", 100), "line\nnext");
        assert_eq!(human(MAX_FIELD_BYTES), "256 KiB");
        assert_eq!(human(MAX_RECORD_BYTES), "1 MiB");
        assert_eq!(human(MAX_FIGURE_BYTES), "256 bytes");
    }
}
