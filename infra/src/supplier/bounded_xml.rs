//! The byte source between a YML file and quick-xml that bounds one XML event.
//!
//! quick-xml copies a whole event (a text node, a CDATA section, a tag) into its buffer before
//! handing it out, so a 300 MB text node would cost 300 MB. This source hands the parser at
//! most `limit` bytes of one event. Past that, a text node or CDATA section — where a long
//! field lives — is skipped up to its end as it is read and the event is marked
//! [`BoundedXml::take_truncated`] (its offer is then rejected as too long); any other event
//! (a tag, a comment, a declaration) that long fails the read with
//! [`BoundedXml::over_limit`] set.
//!
//! The reader calls [`BoundedXml::mark`] before each event. What kind of event is being read
//! is told by its first bytes: the parser consumes the `<` that ends a text node with that
//! text, so the markup after it starts without one.

use std::io::{self, BufRead, Read};

/// What is being skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skip {
    /// The rest of a text node, up to the next `<` or `&` (where the node ends).
    Text,
    /// The rest of a CDATA section, up to `]]>`; `brackets` counts the `]` just passed.
    CData { brackets: usize },
}

#[derive(Debug)]
pub struct BoundedXml<R> {
    inner: R,
    limit: usize,
    /// Bytes of the current event handed to the parser.
    taken: usize,
    /// The first bytes of the current event.
    head: [u8; 9],
    head_len: usize,
    /// Whether the byte consumed just before the current event was `<`.
    after_lt: bool,
    last: u8,
    /// `]` at the end of what the parser consumed (at most 2).
    brackets: usize,
    skipping: Option<Skip>,
    /// `]` to hand to the parser again after a skipped CDATA section (its end, `]]`, was
    /// skipped with it).
    replay: usize,
    truncated: bool,
    over_limit: bool,
    skipped_newlines: u64,
}

impl<R: BufRead> BoundedXml<R> {
    pub fn new(inner: R, limit: usize) -> Self {
        Self {
            inner,
            limit,
            taken: 0,
            head: [0; 9],
            head_len: 0,
            after_lt: false,
            last: 0,
            brackets: 0,
            skipping: None,
            replay: 0,
            truncated: false,
            over_limit: false,
            skipped_newlines: 0,
        }
    }

    /// A new event starts.
    pub fn mark(&mut self) {
        self.taken = 0;
        self.head_len = 0;
        self.after_lt = self.last == b'<';
        self.truncated = false;
    }

    /// Whether the event just read was a text node or CDATA section cut at the limit.
    pub fn take_truncated(&mut self) -> bool {
        std::mem::take(&mut self.truncated)
    }

    /// Whether reading failed on an event, other than text, longer than the limit.
    pub fn over_limit(&self) -> bool {
        self.over_limit
    }

    /// Line feeds in the bytes skipped since the last call (the parser never saw them).
    pub fn take_skipped_newlines(&mut self) -> u64 {
        std::mem::take(&mut self.skipped_newlines)
    }

    /// The event has reached the limit: skip the rest of a text node or CDATA section, or
    /// fail.
    fn start_skipping(&mut self) -> io::Result<()> {
        let head = &self.head[..self.head_len];
        let (markup, content) = match head.split_first() {
            _ if self.after_lt => (true, head),
            Some((b'<', rest)) => (true, rest),
            _ => (false, head),
        };
        self.skipping = match (markup, head.first()) {
            (false, Some(b'&')) => None,
            (false, _) => Some(Skip::Text),
            (true, _) if content.starts_with(b"![CDATA[") => Some(Skip::CData {
                brackets: self.brackets,
            }),
            (true, _) => None,
        };
        if self.skipping.is_none() {
            self.over_limit = true;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("an XML tag, comment or declaration is longer than {} bytes", self.limit),
            ));
        }
        self.truncated = true;
        Ok(())
    }

    /// Passes over `bytes` the parser will not see, with `newlines` line feeds among them.
    fn skip(&mut self, bytes: usize, newlines: u64) {
        self.skipped_newlines += newlines;
        self.inner.consume(bytes);
    }
}

impl<R: BufRead> Read for BoundedXml<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for BoundedXml<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        loop {
            if self.replay > 0 {
                return Ok(&b"]]"[2 - self.replay..]);
            }
            match self.skipping {
                None if self.taken >= self.limit => self.start_skipping()?,
                None => break,
                Some(Skip::Text) => {
                    let buf = self.inner.fill_buf()?;
                    if buf.is_empty() {
                        self.skipping = None;
                        break;
                    }
                    // One pass over the bytes: where the text ends, and its line feeds.
                    let (mut end, mut newlines) = (None, 0);
                    for (i, &b) in buf.iter().enumerate() {
                        match b {
                            b'<' | b'&' => {
                                end = Some(i);
                                break;
                            }
                            b'\n' => newlines += 1,
                            _ => {}
                        }
                    }
                    match end {
                        Some(end) => {
                            self.skip(end, newlines);
                            self.skipping = None;
                            // The parser still has to see the byte that ends the text.
                            self.taken = 0;
                        }
                        None => {
                            let all = buf.len();
                            self.skip(all, newlines);
                        }
                    }
                }
                Some(Skip::CData { mut brackets }) => {
                    let buf = self.inner.fill_buf()?;
                    if buf.is_empty() {
                        self.skipping = None;
                        break;
                    }
                    let (mut end, mut newlines) = (None, 0);
                    for (i, &b) in buf.iter().enumerate() {
                        match b {
                            b']' => brackets += 1,
                            b'>' if brackets >= 2 => {
                                end = Some(i);
                                break;
                            }
                            b'\n' => {
                                newlines += 1;
                                brackets = 0;
                            }
                            _ => brackets = 0,
                        }
                    }
                    match end {
                        Some(end) => {
                            // Skip up to `>`; the parser gets `]]` again, then `>`.
                            self.skip(end, newlines);
                            self.skipping = None;
                            self.replay = 2;
                            self.taken = 0;
                        }
                        None => {
                            let all = buf.len();
                            self.skip(all, newlines);
                            self.skipping = Some(Skip::CData { brackets });
                        }
                    }
                }
            }
        }
        let room = self.limit.saturating_sub(self.taken);
        let buf = self.inner.fill_buf()?;
        Ok(&buf[..buf.len().min(room)])
    }

    fn consume(&mut self, mut amount: usize) {
        if self.replay > 0 {
            let replayed = amount.min(self.replay);
            self.replay -= replayed;
            amount -= replayed;
            self.brackets = (self.brackets + replayed).min(2);
            self.last = b']';
            if amount == 0 {
                return;
            }
        }
        if amount == 0 {
            return;
        }
        if let Ok(buf) = self.inner.fill_buf() {
            let consumed = &buf[..amount.min(buf.len())];
            for &b in consumed.iter().take(self.head.len() - self.head_len) {
                self.head[self.head_len] = b;
                self.head_len += 1;
            }
            let trailing = consumed.iter().rev().take_while(|&&b| b == b']').count();
            self.brackets = if trailing == consumed.len() {
                (self.brackets + trailing).min(2)
            } else {
                trailing.min(2)
            };
            if let Some(&b) = consumed.last() {
                self.last = b;
            }
        }
        self.taken += amount;
        self.inner.consume(amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::Reader;
    use quick_xml::events::Event;

    /// An event as read: its kind, its length, whether it was cut.
    type Seen = (String, usize, bool);

    /// Every event read, and how reading ended.
    fn events(xml: &[u8], limit: usize) -> (Vec<Seen>, Result<(), String>) {
        let mut reader = Reader::from_reader(BoundedXml::new(xml, limit));
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            buf.clear();
            reader.get_mut().mark();
            let event = match reader.read_event_into(&mut buf) {
                Ok(Event::Eof) => return (out, Ok(())),
                Ok(event) => event,
                Err(e) => return (out, Err(e.to_string())),
            };
            let truncated = reader.get_mut().take_truncated();
            let (kind, len) = match &event {
                Event::Start(e) => (format!("<{}>", String::from_utf8_lossy(e.name().as_ref())), e.len()),
                Event::End(e) => (format!("</{}>", String::from_utf8_lossy(e.name().as_ref())), e.len()),
                Event::Text(t) => ("text".into(), t.len()),
                Event::CData(c) => ("cdata".into(), c.len()),
                Event::GeneralRef(r) => ("ref".into(), r.len()),
                other => (format!("{other:?}"), 0),
            };
            out.push((kind, len, truncated));
        }
    }

    #[test]
    fn long_text_and_cdata_are_cut_and_the_rest_reads_on() {
        let long = "x".repeat(100);
        let xml = format!("<a><b>{long}</b><c><![CDATA[{long}]]]]></c><d>{long}&amp;tail</d><e>short</e></a>");
        let (events, outcome) = events(xml.as_bytes(), 16);
        assert_eq!(outcome, Ok(()));
        assert!(events.iter().all(|(_, len, _)| *len <= 16), "{events:?}");
        let summary: Vec<(&str, bool)> = events.iter().map(|(k, _, t)| (k.as_str(), *t)).collect();
        assert_eq!(
            summary,
            [
                ("<a>", false),
                ("<b>", false),
                ("text", true),
                ("</b>", false),
                ("<c>", false),
                ("cdata", true),
                ("</c>", false),
                ("<d>", false),
                ("text", true),
                ("ref", false),
                ("text", false),
                ("</d>", false),
                ("<e>", false),
                ("text", false),
                ("</e>", false),
                ("</a>", false),
            ]
        );
        assert_eq!(events[9].1, 3, "the reference after a cut text is whole");
        assert_eq!(events[13].1, 5);
    }

    #[test]
    fn a_long_tag_fails_the_read() {
        let xml = format!("<a><b {}=\"1\"/></a>", "n".repeat(100));
        let (_, outcome) = events(xml.as_bytes(), 32);
        assert!(outcome.unwrap_err().contains("longer than 32 bytes"));
    }

    #[test]
    fn a_cdata_end_at_the_limit_is_found() {
        // The section's content ends right at the limit, its `]]` handed over already.
        let xml = b"<a><![CDATA[0123456]]></a>";
        let (events, outcome) = events(xml, 18);
        assert_eq!(outcome, Ok(()));
        assert_eq!(events[1].0, "cdata");
        assert_eq!(events[2].0, "</a>");
    }
}
