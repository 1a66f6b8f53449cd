//! A streaming reader of YML (Yandex Market Language) price lists.
//!
//! Reads `<yml_catalog><shop>` event by event with quick-xml: categories (a tree, collected
//! first; they are few), then each `<offer>` is normalized and handed out before the next is
//! read, so memory does not grow with the number of offers. The encoding comes from the XML
//! declaration (UTF-8 or windows-1251) unless the supplier is configured with one.
//!
//! Memory is bounded per offer as well (see [`super::limits`]): the parser reads through
//! [`BoundedXml`], so no single event holds more than [`MAX_FIELD_BYTES`]; a longer text or
//! CDATA section rejects its offer (`FIELD_TOO_LONG`), an offer holding more than
//! [`MAX_RECORD_BYTES`] is rejected (`RECORD_TOO_LONG`), and a tag that long, nesting deeper
//! than [`MAX_XML_DEPTH`] or categories past [`MAX_CATEGORY_BYTES`] fail the feed.

use super::bounded_xml::BoundedXml;
use super::feed::{FeedError, FeedItem, RejectReason, Rejection};
use super::limits::{MAX_CATEGORY_BYTES, MAX_FIELD_BYTES, MAX_RECORD_BYTES, MAX_XML_DEPTH, human, printable};
use super::offer_builder::{OfferBuilder, ReaderContext};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::io::BufRead;

/// Longest category chain followed (a cycle in `parentId` must not loop forever).
const MAX_CATEGORY_DEPTH: usize = 16;

/// The text of one element, or too long to keep.
#[derive(Debug)]
enum FieldText {
    Text(String),
    TooLong,
}

pub struct YmlReader<R: BufRead> {
    xml: Reader<BoundedXml<R>>,
    buf: Vec<u8>,
    context: ReaderContext,
    line: u64,
    /// Elements open now.
    depth: usize,
    /// Whether the last text event was cut at [`MAX_FIELD_BYTES`].
    cut: bool,
    /// Bytes of category ids and names held.
    category_bytes: usize,
    /// id → (parent id, name)
    categories: HashMap<String, (Option<String>, String)>,
    paths: HashMap<String, Option<String>>,
    started: bool,
    finished: bool,
}

/// One `<offer>` as read, before normalization.
#[derive(Debug, Default)]
struct RawOffer {
    line: u64,
    id: Option<String>,
    available: Option<String>,
    kind: Option<String>,
    group_id: Option<String>,
    fields: HashMap<String, String>,
    barcodes: Vec<String>,
    pictures: Vec<String>,
    params: Vec<(String, String)>,
    outlet_stock: Option<u64>,
    /// Bytes of text held.
    bytes: usize,
    /// The first element whose text was longer than [`MAX_FIELD_BYTES`].
    too_long_field: Option<String>,
    /// Whether the offer held more than [`MAX_RECORD_BYTES`] (what came after was dropped).
    too_long: bool,
}

impl RawOffer {
    /// Counts `text` against the offer's bound; `false` when it does not fit any more.
    fn fits(&mut self, text: &str) -> bool {
        self.bytes = self.bytes.saturating_add(text.len());
        if self.bytes > MAX_RECORD_BYTES {
            self.too_long = true;
        }
        !self.too_long
    }

    /// Keeps the text of element `name`, or notes why it cannot.
    fn take(&mut self, name: &str, text: FieldText) -> Option<String> {
        match text {
            FieldText::Text(text) if self.fits(&text) => Some(text),
            FieldText::Text(_) => None,
            FieldText::TooLong => {
                self.too_long_field.get_or_insert_with(|| name.to_owned());
                None
            }
        }
    }
}

impl<R: BufRead> YmlReader<R> {
    pub fn new(input: R, context: ReaderContext) -> Self {
        // Text is not trimmed: entities split text into several events, and trimming each would
        // eat the spaces around them; the whitespace between elements also counts the lines.
        let xml = Reader::from_reader(BoundedXml::new(input, MAX_FIELD_BYTES));
        Self {
            xml,
            buf: Vec::with_capacity(64 * 1024),
            context,
            line: 1,
            depth: 0,
            cut: false,
            category_bytes: 0,
            categories: HashMap::new(),
            paths: HashMap::new(),
            started: false,
            finished: false,
        }
    }

    fn malformed(&self, message: impl Into<String>) -> FeedError {
        FeedError::Malformed {
            line: self.line,
            message: message.into(),
        }
    }

    /// The next event, with the line counter advanced past it.
    fn next_event(&mut self) -> Result<Event<'static>, FeedError> {
        self.buf.clear();
        self.xml.get_mut().mark();
        let read = self.xml.read_event_into(&mut self.buf).map(Event::into_owned);
        let source = self.xml.get_mut();
        self.cut = source.take_truncated();
        self.line += source.take_skipped_newlines();
        let event = match read {
            Ok(event) => event,
            Err(_) if source.over_limit() => {
                return Err(self.malformed(format!(
                    "a tag, comment or declaration is longer than {}",
                    human(MAX_FIELD_BYTES)
                )));
            }
            Err(error) => return Err(self.malformed(error.to_string())),
        };
        self.line += event.iter().filter(|&&b| b == b'\n').count() as u64;
        match &event {
            Event::Start(_) => {
                self.depth += 1;
                if self.depth > MAX_XML_DEPTH {
                    return Err(self.malformed(format!("elements nest deeper than {MAX_XML_DEPTH} levels")));
                }
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        Ok(event)
    }

    /// Text in the feed's encoding; bytes the encoding does not define read as U+FFFD (the
    /// offer is then rejected for its name or id, not the whole feed for one byte).
    fn decode(&self, bytes: &[u8]) -> String {
        self.xml
            .decoder()
            .encoding()
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()
    }

    /// The text content of the element just opened, up to its end tag; [`FieldText::TooLong`]
    /// past [`MAX_FIELD_BYTES`] (the rest is read and dropped).
    fn element_text(&mut self, name: &[u8]) -> Result<FieldText, FeedError> {
        let mut text = String::new();
        let mut too_long = false;
        let mut depth = 0;
        loop {
            let event = self.next_event()?;
            too_long |= self.cut;
            match event {
                Event::Text(t) if !too_long => text.push_str(&self.decode(&t)),
                Event::CData(c) if !too_long => text.push_str(&self.decode(&c)),
                Event::GeneralRef(r) if !too_long => {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        text.push(c);
                    } else {
                        let name = self.decode(&r);
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(value) => text.push_str(value),
                            None => {
                                text.push('&');
                                text.push_str(&name);
                                text.push(';');
                            }
                        }
                    }
                }
                Event::Start(_) => depth += 1,
                Event::End(e) if depth == 0 && e.local_name().as_ref() == name => {
                    return Ok(if too_long {
                        FieldText::TooLong
                    } else {
                        FieldText::Text(text)
                    });
                }
                Event::End(_) => depth -= 1,
                Event::Eof => return Err(self.malformed("the feed ends inside an element")),
                _ => {}
            }
            if text.len() > MAX_FIELD_BYTES {
                too_long = true;
                text = String::new();
            }
        }
    }

    fn attribute(&self, element: &BytesStart<'_>, name: &[u8]) -> Option<String> {
        let attribute = element
            .attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == name)?;
        let value = attribute
            .decode_and_unescape_value(self.xml.decoder())
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| self.decode(&attribute.value));
        Some(value.trim().to_owned())
    }

    /// Checks the root element is `<yml_catalog>`.
    fn start(&mut self) -> Result<(), FeedError> {
        loop {
            match self.next_event()? {
                Event::Start(e) | Event::Empty(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    return if name == "yml_catalog" {
                        Ok(())
                    } else {
                        Err(FeedError::NotAFeed {
                            expected: "YML",
                            found: format!("the root element is <{name}>"),
                        })
                    };
                }
                Event::Eof => {
                    return Err(FeedError::NotAFeed {
                        expected: "YML",
                        found: "it has no root element".into(),
                    });
                }
                Event::Text(t) if !t.iter().all(u8::is_ascii_whitespace) => {
                    return Err(FeedError::NotAFeed {
                        expected: "YML",
                        found: "it starts with text, not XML".into(),
                    });
                }
                _ => {}
            }
        }
    }

    fn read_category(&mut self, element: &BytesStart<'_>) -> Result<(), FeedError> {
        let id = self.attribute(element, b"id");
        let parent = self.attribute(element, b"parentId").filter(|p| !p.is_empty());
        // A category name too long to keep names no category.
        let FieldText::Text(name) = self.element_text(b"category")? else {
            return Ok(());
        };
        if let Some(id) = id {
            let name = name.trim().to_owned();
            self.category_bytes += id.len() + name.len() + parent.as_ref().map_or(0, String::len);
            if self.category_bytes > MAX_CATEGORY_BYTES {
                return Err(self.malformed(format!("the categories take more than {}", human(MAX_CATEGORY_BYTES))));
            }
            self.categories.insert(id, (parent, name));
        }
        Ok(())
    }

    /// "Parent/Child" for a category id, following `parentId`.
    fn category_path(&mut self, id: &str) -> Option<String> {
        if let Some(path) = self.paths.get(id) {
            return path.clone();
        }
        // Only declared categories are remembered: offers name any id they like.
        if !self.categories.contains_key(id) {
            return None;
        }
        let mut names = Vec::new();
        let mut current = Some(id.to_owned());
        while let Some(at) = current {
            let Some((parent, name)) = self.categories.get(&at) else {
                break;
            };
            names.push(name.replace('/', " "));
            current = parent.clone();
            if names.len() >= MAX_CATEGORY_DEPTH {
                break;
            }
        }
        names.reverse();
        let path = (!names.is_empty()).then(|| names.join("/"));
        self.paths.insert(id.to_owned(), path.clone());
        path
    }

    fn read_offer(&mut self, element: &BytesStart<'_>) -> Result<RawOffer, FeedError> {
        let mut raw = RawOffer {
            line: self.line,
            id: self.attribute(element, b"id").filter(|id| !id.is_empty()),
            available: self.attribute(element, b"available"),
            kind: self.attribute(element, b"type"),
            group_id: self.attribute(element, b"group_id"),
            ..RawOffer::default()
        };
        loop {
            match self.next_event()? {
                Event::Start(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    match name.as_str() {
                        "param" => {
                            let param = self.attribute(&e, b"name").unwrap_or_default();
                            let unit = self.attribute(&e, b"unit");
                            let text = self.element_text(b"param")?;
                            let Some(value) = raw.take(&format!("param name=\"{}\"", printable(&param, 60)), text)
                            else {
                                continue;
                            };
                            if !raw.fits(&param) {
                                continue;
                            }
                            let value = match unit {
                                Some(unit) if !unit.is_empty() => format!("{} {unit}", value.trim()),
                                _ => value.trim().to_owned(),
                            };
                            if !param.is_empty() && !value.is_empty() {
                                raw.params.push((param, value));
                            }
                        }
                        "outlets" => {}
                        "outlet" => {
                            // <outlet id=".." instock="5"></outlet>
                            let units = self.attribute(&e, b"instock").and_then(|v| v.parse::<u64>().ok());
                            raw.outlet_stock = Some(raw.outlet_stock.unwrap_or(0).saturating_add(units.unwrap_or(0)));
                            self.element_text(b"outlet")?;
                        }
                        _ => {
                            let text = self.element_text(name.as_bytes())?;
                            let Some(text) = raw.take(&name, text) else {
                                continue;
                            };
                            if !raw.fits(&name) {
                                continue;
                            }
                            match name.as_str() {
                                "barcode" => raw.barcodes.push(text),
                                "picture" => raw.pictures.push(text),
                                _ => {
                                    raw.fields.entry(name).or_insert(text);
                                }
                            }
                        }
                    }
                }
                Event::Empty(e) if e.local_name().as_ref() == b"outlet" => {
                    let units = self.attribute(&e, b"instock").and_then(|v| v.parse::<u64>().ok());
                    raw.outlet_stock = Some(raw.outlet_stock.unwrap_or(0).saturating_add(units.unwrap_or(0)));
                }
                Event::End(e) if e.local_name().as_ref() == b"offer" => return Ok(raw),
                Event::Eof => return Err(self.malformed("the feed ends inside an <offer>")),
                _ => {}
            }
        }
    }

    fn normalize(&mut self, raw: RawOffer) -> FeedItem {
        let reject = |reason: RejectReason, message: String, sku: Option<String>| {
            FeedItem::Rejected(Rejection {
                line: raw.line,
                supplier_sku: sku,
                reason,
                message,
            })
        };
        let Some(id) = raw.id.clone() else {
            return reject(RejectReason::MissingId, "the offer has no id attribute".into(), None);
        };
        if let Some(name) = &raw.too_long_field {
            return reject(
                RejectReason::FieldTooLong,
                format!("the offer's <{name}> is longer than {}", human(MAX_FIELD_BYTES)),
                Some(id),
            );
        }
        if raw.too_long {
            return reject(
                RejectReason::RecordTooLong,
                format!("the offer holds more than {} of text", human(MAX_RECORD_BYTES)),
                Some(id),
            );
        }
        let field = |name: &str| raw.fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let title = if raw.kind.as_deref() == Some("vendor.model") {
            let parts: Vec<&str> = ["typePrefix", "vendor", "model"]
                .iter()
                .filter_map(|f| field(f))
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        } else {
            field("name").map(str::to_owned)
        };
        let category = field("categoryId")
            .map(str::to_owned)
            .and_then(|c| self.category_path(&c));
        let currency_ok = field("currencyId").is_none_or(|c| matches!(c.to_ascii_uppercase().as_str(), "RUR" | "RUB"));
        if !currency_ok {
            return reject(
                RejectReason::BadCurrency,
                format!("currency {} is not roubles", field("currencyId").unwrap_or_default()),
                Some(id),
            );
        }
        let stock_text = ["count", "quantity", "stock_quantity"]
            .iter()
            .find_map(|f| field(f))
            .map(str::to_owned)
            .or_else(|| raw.outlet_stock.map(|units| units.to_string()));
        let available = raw
            .available
            .as_deref()
            .is_none_or(|a| !matches!(a.to_ascii_lowercase().as_str(), "false" | "0" | "no"));
        let mut attributes: Vec<(String, String)> = raw.params.clone();
        if let Some(group) = &raw.group_id {
            attributes.push(("group_id".into(), group.clone()));
        }
        for (field_name, label) in [("country_of_origin", "Страна"), ("url", "url")] {
            if let Some(value) = field(field_name) {
                attributes.push((label.into(), value.to_owned()));
            }
        }
        let builder = OfferBuilder {
            supplier_sku: &id,
            article: field("vendorCode"),
            title: title.as_deref(),
            description: field("description"),
            brand: field("vendor"),
            category: category.as_deref(),
            barcodes: raw.barcodes.iter().map(String::as_str).collect(),
            price: field("price"),
            retail_price: None,
            stock_by_warehouse: vec![("default", stock_text.as_deref())],
            available,
            images: raw.pictures.clone(),
            attributes,
            size_text: None,
            yml_dimensions: field("dimensions"),
            weight_kg: field("weight"),
        };
        match builder.build(&self.context) {
            Ok(offer) => FeedItem::Offer {
                line: raw.line,
                offer: Box::new(offer),
            },
            Err((reason, message)) => reject(reason, message, Some(id)),
        }
    }
}

impl<R: BufRead> Iterator for YmlReader<R> {
    type Item = Result<FeedItem, FeedError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        if !self.started {
            self.started = true;
            if let Err(error) = self.start() {
                self.finished = true;
                return Some(Err(error));
            }
        }
        loop {
            let event = match self.next_event() {
                Ok(event) => event,
                Err(error) => {
                    self.finished = true;
                    return Some(Err(error));
                }
            };
            let outcome = match event {
                Event::Start(e) if e.local_name().as_ref() == b"category" => self.read_category(&e).map(|()| None),
                Event::Start(e) if e.local_name().as_ref() == b"offer" => {
                    self.read_offer(&e).map(|raw| Some(self.normalize(raw)))
                }
                Event::End(e) if e.local_name().as_ref() == b"yml_catalog" => {
                    self.finished = true;
                    return None;
                }
                Event::Eof => Err(self.malformed("the feed ends before </yml_catalog>")),
                _ => Ok(None),
            };
            match outcome {
                Ok(Some(item)) => return Some(Ok(item)),
                Ok(None) => {}
                Err(error) => {
                    self.finished = true;
                    return Some(Err(error));
                }
            }
        }
    }
}
