//! A streaming reader of YML (Yandex Market Language) price lists.
//!
//! Reads `<yml_catalog><shop>` event by event with quick-xml: categories (a tree, collected
//! first; they are few), then each `<offer>` is normalized and handed out before the next is
//! read, so memory does not grow with the number of offers. The encoding comes from the XML
//! declaration (UTF-8 or windows-1251) unless the supplier is configured with one.

use super::feed::{FeedError, FeedItem, RejectReason, Rejection};
use super::offer_builder::{OfferBuilder, ReaderContext};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::io::BufRead;

/// Longest category chain followed (a cycle in `parentId` must not loop forever).
const MAX_CATEGORY_DEPTH: usize = 16;

pub struct YmlReader<R: BufRead> {
    xml: Reader<R>,
    buf: Vec<u8>,
    context: ReaderContext,
    line: u64,
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
}

impl<R: BufRead> YmlReader<R> {
    pub fn new(input: R, context: ReaderContext) -> Self {
        // Text is not trimmed: entities split text into several events, and trimming each would
        // eat the spaces around them; the whitespace between elements also counts the lines.
        let xml = Reader::from_reader(input);
        Self {
            xml,
            buf: Vec::with_capacity(64 * 1024),
            context,
            line: 1,
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
        let event = match self.xml.read_event_into(&mut self.buf) {
            Ok(event) => event.into_owned(),
            Err(error) => return Err(self.malformed(error.to_string())),
        };
        self.line += event.iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(event)
    }

    /// The text content of the element just opened, up to its end tag.
    fn element_text(&mut self, name: &[u8]) -> Result<String, FeedError> {
        let mut text = String::new();
        let mut depth = 0;
        loop {
            match self.next_event()? {
                Event::Text(t) => text.push_str(&t.decode().map_err(|e| self.malformed(e.to_string()))?),
                Event::CData(c) => text.push_str(&c.decode().map_err(|e| self.malformed(e.to_string()))?),
                Event::GeneralRef(r) => {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        text.push(c);
                    } else {
                        let name = r.decode().map_err(|e| self.malformed(e.to_string()))?;
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
                Event::End(e) if depth == 0 && e.local_name().as_ref() == name => return Ok(text),
                Event::End(_) => depth -= 1,
                Event::Eof => return Err(self.malformed("the feed ends inside an element")),
                _ => {}
            }
        }
    }

    fn attribute(&self, element: &BytesStart<'_>, name: &[u8]) -> Option<String> {
        element
            .attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == name)
            .and_then(|a| a.decode_and_unescape_value(self.xml.decoder()).ok())
            .map(|v| v.trim().to_owned())
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
        let name = self.element_text(b"category")?;
        if let Some(id) = id {
            self.categories.insert(id, (parent, name.trim().to_owned()));
        }
        Ok(())
    }

    /// "Parent/Child" for a category id, following `parentId`.
    fn category_path(&mut self, id: &str) -> Option<String> {
        if let Some(path) = self.paths.get(id) {
            return path.clone();
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
                            let value = self.element_text(b"param")?;
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
                            raw.outlet_stock = Some(raw.outlet_stock.unwrap_or(0) + units.unwrap_or(0));
                            self.element_text(b"outlet")?;
                        }
                        _ => {
                            let text = self.element_text(name.as_bytes())?;
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
                    raw.outlet_stock = Some(raw.outlet_stock.unwrap_or(0) + units.unwrap_or(0));
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
