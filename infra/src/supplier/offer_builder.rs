//! Turns the raw fields of one offer, whatever the format, into a normalized
//! [`SupplierOffer`], or the reason it cannot be one.

use super::feed::RejectReason;
use super::limits::{MAX_OFFER_ID_BYTES, human};
use gomarket_domain::catalog::{
    Barcode, Brand, CategoryPath, Description, Dimensions, Kopecks, ProductContent, ProductDetails, Quantity, Sku,
    SupplierLink, SupplierOffer, Title, parse_dimensions,
};
use gomarket_domain::supplier::ImageUrlTemplate;
use gomarket_domain::supplier::normalize::{cut_title, parse_price_kopecks, parse_stock, strip_html};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What every offer of one feed shares.
#[derive(Debug, Clone)]
pub struct ReaderContext {
    pub supplier_id: Uuid,
    /// Builds image URLs from image keys (formats that give keys, not URLs).
    pub image_url_template: Option<ImageUrlTemplate>,
}

/// The raw fields of one offer.
#[derive(Debug)]
pub struct OfferBuilder<'a> {
    pub supplier_sku: &'a str,
    /// The supplier's article code, shown as the SKU when present.
    pub article: Option<&'a str>,
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub brand: Option<&'a str>,
    pub category: Option<&'a str>,
    pub barcodes: Vec<&'a str>,
    pub price: Option<&'a str>,
    pub retail_price: Option<&'a str>,
    /// (warehouse, raw stock text) pairs.
    pub stock_by_warehouse: Vec<(&'a str, Option<&'a str>)>,
    pub available: bool,
    pub images: Vec<String>,
    pub attributes: Vec<(String, String)>,
    /// Free text with sizes (Wholesaler's `dimension`).
    pub size_text: Option<&'a str>,
    /// YML `dimensions`: "L/W/H" in centimetres.
    pub yml_dimensions: Option<&'a str>,
    /// YML `weight`, kilograms.
    pub weight_kg: Option<&'a str>,
}

/// What makes `text` unfit for a required text (a name, an id), in words, or `None`: a
/// control character (NUL above all; PostgreSQL refuses it in text), or U+FFFD, which bytes
/// the feed's encoding does not define decode to.
fn invalid_text(text: &str) -> Option<String> {
    let c = text
        .chars()
        .find(|&c| c.is_control() || c == char::REPLACEMENT_CHARACTER)?;
    Some(match c {
        '\0' => "a NUL character (U+0000)".to_owned(),
        // windows-1251 leaves the byte 0x98 undefined; decoders read it as U+0098.
        '\u{98}' => "the control character U+0098: the byte 0x98, which is no character in windows-1251".to_owned(),
        char::REPLACEMENT_CHARACTER => {
            "bytes that are not valid text in the feed's encoding (they read as U+FFFD)".to_owned()
        }
        c => format!("the control character U+{:04X}", u32::from(c)),
    })
}

/// The name of an offer, or why it has none that can be taken.
fn title(raw: Option<&str>) -> Result<Title, (RejectReason, String)> {
    let missing = || (RejectReason::MissingTitle, "the offer has no name".to_owned());
    let plain = strip_html(raw.ok_or_else(missing)?).replace('\n', " ");
    if let Some(problem) = invalid_text(&plain) {
        return Err((
            RejectReason::InvalidText,
            format!("the offer's name contains {problem}"),
        ));
    }
    Title::parse(&cut_title(&plain, Title::MAX_CHARS)).map_err(|_| missing())
}

/// Text kept as it comes (attribute names and values, image addresses), without control
/// characters other than line breaks: they carry nothing, and a NUL could not be stored.
/// Text that has none (nearly all) is kept, not copied.
fn without_controls(text: String) -> String {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return text;
    }
    text.chars().filter(|&c| !c.is_control() || c == '\n').collect()
}

/// `text` without the whitespace around it, copied only when it has some.
fn trimmed(text: String) -> String {
    if text.trim().len() == text.len() {
        text
    } else {
        text.trim().to_owned()
    }
}

fn text(raw: Option<&str>, max: usize) -> Option<String> {
    let plain = strip_html(raw?);
    let cut = cut_title(&plain.replace('\n', " "), max);
    (!cut.is_empty()).then_some(cut)
}

/// A description keeps its line breaks; only its length is bounded.
fn description(raw: Option<&str>) -> Option<Description> {
    let plain = strip_html(raw?);
    let bounded: String = plain.chars().take(Description::MAX_CHARS).collect();
    Description::parse(&bounded).ok()
}

/// Centimetres or kilograms as decimal text, to whole millimetres or grams.
fn scaled(raw: &str, factor: f64) -> Option<u32> {
    let value: f64 = raw.trim().replace(',', ".").parse().ok()?;
    let scaled = (value * factor).round();
    (scaled >= 0.0 && scaled <= f64::from(u32::MAX)).then_some(scaled as u32)
}

impl OfferBuilder<'_> {
    pub fn build(self, context: &ReaderContext) -> Result<SupplierOffer, (RejectReason, String)> {
        if self.supplier_sku.len() > MAX_OFFER_ID_BYTES {
            return Err((
                RejectReason::FieldTooLong,
                format!("the offer's id is longer than {}", human(MAX_OFFER_ID_BYTES)),
            ));
        }
        if let Some(problem) = invalid_text(self.supplier_sku) {
            return Err((RejectReason::InvalidText, format!("the offer's id contains {problem}")));
        }
        let title = title(self.title)?;
        let price_text = self
            .price
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .ok_or((RejectReason::MissingPrice, "the offer has no price".to_owned()))?;
        let purchase_price =
            parse_price_kopecks(price_text).map_err(|e| (RejectReason::BadPrice, format!("price: {e}")))?;
        let retail_price = match self
            .retail_price
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != "NULL")
        {
            Some(raw) => {
                Some(parse_price_kopecks(raw).map_err(|e| (RejectReason::BadPrice, format!("retail price: {e}")))?)
            }
            None => None,
        };
        let mut barcodes = Vec::new();
        for raw in self.barcodes.iter().flat_map(|b| b.split(['#', ',', ';'])) {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let barcode = Barcode::parse(raw).map_err(|e| (RejectReason::BadBarcode, format!("barcode {raw}: {e}")))?;
            if !barcodes.contains(&barcode) {
                barcodes.push(barcode);
            }
        }
        let mut stock_by_warehouse = BTreeMap::new();
        for (warehouse, raw) in &self.stock_by_warehouse {
            let units = match raw {
                Some(raw) => {
                    parse_stock(raw).map_err(|e| (RejectReason::BadStock, format!("stock {warehouse}: {e}")))?
                }
                // No stock figure at all: an available offer counts as plenty, as YML means it.
                None if self.available => gomarket_domain::supplier::normalize::PLENTY_UNITS,
                None => 0,
            };
            let units = Quantity::new(i64::from(units)).map_err(|e| (RejectReason::BadStock, format!("stock: {e}")))?;
            stock_by_warehouse.insert((*warehouse).to_owned(), units);
        }
        let sku_text = self
            .article
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .unwrap_or(self.supplier_sku);
        if let Some(problem) = invalid_text(sku_text) {
            return Err((
                RejectReason::InvalidText,
                format!("the offer's article contains {problem}"),
            ));
        }
        let sku = Sku::parse(&sku_text.chars().take(Sku::MAX_CHARS).collect::<String>())
            .map_err(|e| (RejectReason::MissingId, format!("sku: {e}")))?;
        let mut dimensions = self.size_text.map(parse_dimensions).unwrap_or_default();
        if let Some(lwh) = self.yml_dimensions {
            let parts: Vec<Option<u32>> = lwh.split('/').map(|p| scaled(p, 10.0)).collect();
            if let [length, width, height] = parts[..] {
                dimensions = Dimensions {
                    length_mm: length,
                    width_mm: width,
                    depth_mm: height,
                    ..dimensions
                };
            }
        }
        if let Some(weight) = self.weight_kg.and_then(|w| scaled(w, 1000.0)) {
            dimensions.weight_g = Some(weight);
        }
        let images = self
            .images
            .into_iter()
            .map(|i| without_controls(trimmed(i)))
            .filter(|i| !i.is_empty())
            .map(|key| match &context.image_url_template {
                Some(template) if !key.contains("://") => template.url_for(&key),
                _ => key,
            })
            .collect();
        let attributes = self
            .attributes
            .into_iter()
            .map(|(k, v)| (without_controls(strip_html(&k)), without_controls(strip_html(&v))))
            .filter(|(k, v)| !k.is_empty() && !v.is_empty())
            .collect();
        Ok(SupplierOffer {
            link: SupplierLink {
                supplier_id: context.supplier_id,
                supplier_sku: self.supplier_sku.to_owned(),
            },
            sku,
            details: ProductDetails {
                title,
                brand: text(self.brand, Brand::MAX_CHARS).and_then(|b| Brand::parse(&b).ok()),
                description: description(self.description),
                category: self
                    .category
                    .and_then(|c| CategoryPath::parse(&strip_html(c).replace('\n', " ")).ok()),
                barcodes,
            },
            purchase_price,
            stock_by_warehouse,
            available: self.available,
            content: ProductContent {
                images,
                attributes,
                dimensions,
                retail_price: retail_price.filter(|p: &Kopecks| p.get() > 0),
            },
        })
    }
}
