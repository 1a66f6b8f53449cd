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
use std::borrow::Cow;
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

/// The elements of an offer that normalizing reads, in the order of [`RawOffer::fields`].
/// Any other element's text is read, counted against the offer's bound and dropped.
const FIELDS: [&str; 16] = [
    "name",
    "vendorCode",
    "typePrefix",
    "vendor",
    "model",
    "description",
    "categoryId",
    "currencyId",
    "count",
    "quantity",
    "stock_quantity",
    "price",
    "dimensions",
    "weight",
    "country_of_origin",
    "url",
];

/// The parser and where it is in the feed. Events are read into a buffer the caller owns and
/// lent from it, not copied: a feed of a million offers is some sixty million events.
struct Events<R: BufRead> {
    xml: Reader<BoundedXml<R>>,
    line: u64,
    /// Elements open now.
    depth: usize,
    /// Whether the last text event was cut at [`MAX_FIELD_BYTES`].
    cut: bool,
}

pub struct YmlReader<R: BufRead> {
    events: Events<R>,
    buf: Vec<u8>,
    /// The name of the last unlisted element opened in an offer (kept for a message).
    element: String,
    context: ReaderContext,
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
    /// The first text of each of [`FIELDS`].
    fields: [Option<String>; FIELDS.len()],
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

    /// Keeps the text of element `name`, or notes why it cannot (the name is only written
    /// out then).
    fn take(&mut self, name: impl FnOnce() -> String, text: FieldText) -> Option<String> {
        match text {
            FieldText::Text(text) if self.fits(&text) => Some(text),
            FieldText::Text(_) => None,
            FieldText::TooLong => {
                self.too_long_field.get_or_insert_with(name);
                None
            }
        }
    }

    /// The trimmed text of field `name` (one of [`FIELDS`]), when there is some.
    fn field(&self, name: &str) -> Option<&str> {
        let slot = FIELDS.iter().position(|f| *f == name)?;
        self.fields[slot].as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
}

/// What an element opened inside an `<offer>` is, with what its tag says.
enum Opened {
    Param {
        name: String,
        unit: Option<String>,
    },
    /// `<outlets>` holds `<outlet>`s: nothing to read of its own.
    Outlets,
    Outlet {
        units: Option<u64>,
    },
    Barcode,
    Picture,
    /// One of [`FIELDS`], by its index.
    Field(usize),
    /// An element normalizing does not read; its name is in `YmlReader::element`.
    Other,
}

/// What an element opened outside offers starts.
enum Section {
    Category { id: Option<String>, parent: Option<String> },
    Offer(Box<RawOffer>),
    End,
    Skip,
}

impl<R: BufRead> Events<R> {
    fn malformed(&self, message: impl Into<String>) -> FeedError {
        FeedError::Malformed {
            line: self.line,
            message: message.into(),
        }
    }

    /// The next event, read into `buf`, with the line counter advanced past it.
    fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<Event<'b>, FeedError> {
        buf.clear();
        self.xml.get_mut().mark();
        let read = self.xml.read_event_into(buf);
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
    /// offer is then rejected for its name or id, not the whole feed for one byte). UTF-8
    /// text is lent as it is.
    fn decode<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        self.xml.decoder().encoding().decode_without_bom_handling(bytes).0
    }

    /// The text content of the element just opened, up to its end tag; [`FieldText::TooLong`]
    /// past [`MAX_FIELD_BYTES`] (the rest is read and dropped). The parser checks that end
    /// tags match, so the element ends at the first end tag that closes no child.
    fn element_text(&mut self, buf: &mut Vec<u8>) -> Result<FieldText, FeedError> {
        let mut text = String::new();
        let mut too_long = false;
        let mut depth = 0usize;
        loop {
            let event = self.next(buf)?;
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
                Event::End(_) if depth == 0 => {
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
            .unwrap_or_else(|_| self.decode(&attribute.value));
        Some(match value {
            Cow::Owned(value) if value.trim().len() == value.len() => value,
            value => value.trim().to_owned(),
        })
    }

    /// What the element `element`, opened inside an offer, is; an unlisted element's name is
    /// written into `name`.
    fn opened(&self, element: &BytesStart<'_>, name: &mut String) -> Opened {
        let local = element.local_name();
        match local.as_ref() {
            b"param" => Opened::Param {
                name: self.attribute(element, b"name").unwrap_or_default(),
                unit: self.attribute(element, b"unit"),
            },
            b"outlets" => Opened::Outlets,
            b"outlet" => Opened::Outlet {
                units: self.outlet_units(element),
            },
            b"barcode" => Opened::Barcode,
            b"picture" => Opened::Picture,
            local => match FIELDS.iter().position(|f| f.as_bytes() == local) {
                Some(slot) => Opened::Field(slot),
                None => {
                    name.clear();
                    name.push_str(&String::from_utf8_lossy(local));
                    Opened::Other
                }
            },
        }
    }

    /// `<outlet id=".." instock="5">`: the units it holds.
    fn outlet_units(&self, element: &BytesStart<'_>) -> Option<u64> {
        self.attribute(element, b"instock").and_then(|v| v.parse::<u64>().ok())
    }
}

impl<R: BufRead> YmlReader<R> {
    pub fn new(input: R, context: ReaderContext) -> Self {
        // Text is not trimmed: entities split text into several events, and trimming each would
        // eat the spaces around them; the whitespace between elements also counts the lines.
        let xml = Reader::from_reader(BoundedXml::new(input, MAX_FIELD_BYTES));
        Self {
            events: Events {
                xml,
                line: 1,
                depth: 0,
                cut: false,
            },
            buf: Vec::with_capacity(64 * 1024),
            element: String::new(),
            context,
            category_bytes: 0,
            categories: HashMap::new(),
            paths: HashMap::new(),
            started: false,
            finished: false,
        }
    }

    /// Checks the root element is `<yml_catalog>`.
    fn start(&mut self) -> Result<(), FeedError> {
        loop {
            match self.events.next(&mut self.buf)? {
                Event::Start(e) | Event::Empty(e) => {
                    return if e.local_name().as_ref() == b"yml_catalog" {
                        Ok(())
                    } else {
                        Err(FeedError::NotAFeed {
                            expected: "YML",
                            found: format!(
                                "the root element is <{}>",
                                String::from_utf8_lossy(e.local_name().as_ref())
                            ),
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

    fn read_category(&mut self, id: Option<String>, parent: Option<String>) -> Result<(), FeedError> {
        // A category name too long to keep names no category.
        let FieldText::Text(name) = self.events.element_text(&mut self.buf)? else {
            return Ok(());
        };
        if let Some(id) = id {
            let name = name.trim().to_owned();
            self.category_bytes += id.len() + name.len() + parent.as_ref().map_or(0, String::len);
            if self.category_bytes > MAX_CATEGORY_BYTES {
                return Err(self
                    .events
                    .malformed(format!("the categories take more than {}", human(MAX_CATEGORY_BYTES))));
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

    /// Reads the elements of the offer `raw` was opened as, up to `</offer>`.
    fn read_offer(&mut self, mut raw: RawOffer) -> Result<RawOffer, FeedError> {
        loop {
            // What the event says is taken out of it first: its bytes are lent from `buf`,
            // which reading the element's text reuses.
            let opened = match self.events.next(&mut self.buf)? {
                Event::Start(e) => self.events.opened(&e, &mut self.element),
                Event::Empty(e) if e.local_name().as_ref() == b"outlet" => {
                    let units = self.events.outlet_units(&e);
                    raw.outlet_stock = Some(raw.outlet_stock.unwrap_or(0).saturating_add(units.unwrap_or(0)));
                    continue;
                }
                Event::End(e) if e.local_name().as_ref() == b"offer" => return Ok(raw),
                Event::Eof => return Err(self.events.malformed("the feed ends inside an <offer>")),
                _ => continue,
            };
            match opened {
                Opened::Param { name, unit } => {
                    let text = self.events.element_text(&mut self.buf)?;
                    let Some(value) = raw.take(|| format!("param name=\"{}\"", printable(&name, 60)), text) else {
                        continue;
                    };
                    if !raw.fits(&name) {
                        continue;
                    }
                    let value = match unit {
                        Some(unit) if !unit.is_empty() => format!("{} {unit}", value.trim()),
                        _ if value.trim().len() == value.len() => value,
                        _ => value.trim().to_owned(),
                    };
                    if !name.is_empty() && !value.is_empty() {
                        raw.params.push((name, value));
                    }
                }
                Opened::Outlets => {}
                Opened::Outlet { units } => {
                    raw.outlet_stock = Some(raw.outlet_stock.unwrap_or(0).saturating_add(units.unwrap_or(0)));
                    self.events.element_text(&mut self.buf)?;
                }
                Opened::Barcode | Opened::Picture | Opened::Field(_) | Opened::Other => {
                    let name = match opened {
                        Opened::Barcode => "barcode",
                        Opened::Picture => "picture",
                        Opened::Field(slot) => FIELDS[slot],
                        _ => self.element.as_str(),
                    };
                    let text = self.events.element_text(&mut self.buf)?;
                    let Some(text) = raw.take(|| name.to_owned(), text) else {
                        continue;
                    };
                    if !raw.fits(name) {
                        continue;
                    }
                    match opened {
                        Opened::Barcode => raw.barcodes.push(text),
                        Opened::Picture => raw.pictures.push(text),
                        Opened::Field(slot) => {
                            raw.fields[slot].get_or_insert(text);
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// What the element `e`, outside offers, starts.
    fn section(events: &Events<R>, e: &BytesStart<'_>) -> Section {
        match e.local_name().as_ref() {
            b"category" => Section::Category {
                id: events.attribute(e, b"id"),
                parent: events.attribute(e, b"parentId").filter(|p| !p.is_empty()),
            },
            b"offer" => Section::Offer(Box::new(RawOffer {
                line: events.line,
                id: events.attribute(e, b"id").filter(|id| !id.is_empty()),
                available: events.attribute(e, b"available"),
                kind: events.attribute(e, b"type"),
                group_id: events.attribute(e, b"group_id"),
                ..RawOffer::default()
            })),
            _ => Section::Skip,
        }
    }

    fn normalize(&mut self, mut raw: RawOffer) -> FeedItem {
        let line = raw.line;
        let reject = |reason: RejectReason, message: String, sku: Option<String>| {
            FeedItem::Rejected(Rejection {
                line,
                supplier_sku: sku,
                reason,
                message,
            })
        };
        let Some(id) = raw.id.take() else {
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
        let mut attributes: Vec<(String, String)> = std::mem::take(&mut raw.params);
        let images = std::mem::take(&mut raw.pictures);
        let field = |name: &str| raw.field(name);
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
            images,
            attributes,
            size_text: None,
            yml_dimensions: field("dimensions"),
            weight_kg: field("weight"),
        };
        match builder.build(&self.context) {
            Ok(offer) => FeedItem::Offer {
                line,
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
            let section = match self.events.next(&mut self.buf) {
                Ok(Event::Start(e)) => Ok(Self::section(&self.events, &e)),
                Ok(Event::End(e)) if e.local_name().as_ref() == b"yml_catalog" => Ok(Section::End),
                Ok(Event::Eof) => Err(self.events.malformed("the feed ends before </yml_catalog>")),
                Ok(_) => Ok(Section::Skip),
                Err(error) => Err(error),
            };
            let outcome = match section {
                Ok(Section::Category { id, parent }) => self.read_category(id, parent).map(|()| None),
                Ok(Section::Offer(raw)) => self.read_offer(*raw).map(|raw| Some(self.normalize(raw))),
                Ok(Section::End) => {
                    self.finished = true;
                    return None;
                }
                Ok(Section::Skip) => Ok(None),
                Err(error) => Err(error),
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
