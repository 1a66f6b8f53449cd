//! The AN_MSC feed: one wide `;`-separated CSV with a header row, keyed by `code`, with stock
//! per city warehouse (`tmn`, `msk`, `nsk`, `spb`, `rst`, `kdr`, `minsk`, `ast`).

use super::feed::{FeedError, FeedItem, RejectReason, Rejection};
use super::lax_csv::{LaxCsv, Row};
use super::limits::{MAX_FIELD_BYTES, MAX_RECORD_BYTES, human};
use super::offer_builder::{OfferBuilder, ReaderContext};
use gomarket_domain::supplier::FeedEncoding;
use std::collections::HashMap;
use std::io::Read;

/// The per-warehouse stock columns, in the feed's order.
pub const WAREHOUSES: [&str; 8] = ["tmn", "msk", "nsk", "spb", "rst", "kdr", "minsk", "ast"];

/// Columns kept as attributes (label shown to the seller).
const ATTRIBUTES: &[(&str, &str)] = &[
    ("material", "Материал"),
    ("size", "Размер"),
    ("color", "Цвет"),
    ("country", "Страна"),
    ("battery", "Батарейки"),
    ("waterproof", "Водонепроницаемость"),
    ("collection", "Коллекция"),
    ("pieces", "Количество в упаковке"),
    ("length", "Длина"),
    ("width", "Ширина"),
    ("weight", "Вес"),
    ("marked", "Маркировка"),
];

pub struct AnMscReader<R: Read> {
    csv: LaxCsv<R>,
    context: ReaderContext,
    columns: Option<HashMap<String, usize>>,
    /// The header's names by position, to name a field that is too long.
    names: Vec<String>,
    finished: bool,
}

impl<R: Read> AnMscReader<R> {
    pub fn new(input: R, encoding: FeedEncoding, context: ReaderContext) -> Self {
        Self {
            csv: LaxCsv::new(input, encoding),
            context,
            columns: None,
            names: Vec::new(),
            finished: false,
        }
    }

    fn header(&mut self) -> Result<(), FeedError> {
        let Some(row) = self.csv.first_row()? else {
            return Err(FeedError::NotAFeed {
                expected: "AN_MSC",
                found: "the file is empty".into(),
            });
        };
        if row.oversized.is_some() {
            return Err(FeedError::NotAFeed {
                expected: "AN_MSC",
                found: format!(
                    "its first row is longer than {} (or has a field longer than {}), not a header",
                    human(MAX_RECORD_BYTES),
                    human(MAX_FIELD_BYTES)
                ),
            });
        }
        let columns: HashMap<String, usize> = row
            .fields
            .iter()
            .enumerate()
            .map(|(i, name)| (name.to_lowercase(), i))
            .collect();
        if !(columns.contains_key("code") && columns.contains_key("price")) {
            return Err(FeedError::NotAFeed {
                expected: "AN_MSC",
                found: "its first row is not a header with `code` and `price`".into(),
            });
        }
        self.columns = Some(columns);
        self.names = row.fields;
        Ok(())
    }

    fn normalize(&self, row: &Row) -> FeedItem {
        let columns = self.columns.as_ref().expect("header read first");
        let field = |name: &str| {
            columns
                .get(name)
                .and_then(|&i| row.fields.get(i))
                .map(String::as_str)
                .filter(|v| !v.is_empty() && *v != "NULL")
        };
        if let Some(oversized) = row.oversized {
            let (reason, message) = oversized.describe(|i| self.names.get(i).cloned());
            return FeedItem::Rejected(Rejection {
                line: row.line,
                supplier_sku: field("code").map(str::to_owned),
                reason,
                message,
            });
        }
        let Some(code) = field("code") else {
            return FeedItem::Rejected(Rejection {
                line: row.line,
                supplier_sku: None,
                reason: RejectReason::MissingId,
                message: "the row has no code".into(),
            });
        };
        let category = match (field("category_title"), field("group_title")) {
            (Some(category), Some(group)) if category != group => Some(format!("{group}/{category}")),
            (Some(category), _) => Some(category.to_owned()),
            (None, group) => group.map(str::to_owned),
        };
        let mut images: Vec<String> = ["image", "image1", "image2"]
            .iter()
            .filter_map(|c| field(c))
            .map(str::to_owned)
            .collect();
        if let Some(list) = field("images") {
            for image in list.split([',', ' ', '|']).filter(|i| !i.is_empty()) {
                if !images.iter().any(|known| known == image) {
                    images.push(image.to_owned());
                }
            }
        }
        let barcodes: Vec<&str> = ["barcode", "barcodes"].iter().filter_map(|c| field(c)).collect();
        let attributes = ATTRIBUTES
            .iter()
            .filter_map(|(column, label)| field(column).map(|v| ((*label).to_owned(), v.to_owned())))
            .collect();
        let builder = OfferBuilder {
            supplier_sku: code,
            article: field("article"),
            title: field("title"),
            description: field("description"),
            brand: field("brand_title").or_else(|| field("manufacturer")),
            category: category.as_deref(),
            barcodes,
            price: field("price"),
            retail_price: field("retail_price"),
            stock_by_warehouse: WAREHOUSES
                .iter()
                .filter(|w| columns.contains_key(**w))
                .map(|w| (*w, Some(field(w).unwrap_or("0"))))
                .collect(),
            available: true,
            images,
            attributes,
            size_text: field("size"),
            yml_dimensions: None,
            weight_kg: None,
        };
        match builder.build(&self.context) {
            Ok(offer) => FeedItem::Offer {
                line: row.line,
                offer: Box::new(offer),
            },
            Err((reason, message)) => FeedItem::Rejected(Rejection {
                line: row.line,
                supplier_sku: Some(code.to_owned()),
                reason,
                message,
            }),
        }
    }
}

impl<R: Read> Iterator for AnMscReader<R> {
    type Item = Result<FeedItem, FeedError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        if self.columns.is_none()
            && let Err(error) = self.header()
        {
            self.finished = true;
            return Some(Err(error));
        }
        match self.csv.next_row() {
            Ok(Some(row)) => Some(Ok(self.normalize(&row))),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(error) => {
                self.finished = true;
                Some(Err(error))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_offers_with_stock_per_warehouse() {
        let text = "code;article;title;group_title;category_title;tmn;msk;spb;price;retail_price;fixed_price;image;images;barcode;brand_title;description;size;color\n\
                    1001;AN-1;Фен <b>Скарлетт</b>;Красота;Фены;много;>10;3;1 490,00;2990;NULL;a.jpg;b.jpg,c.jpg;4006381333931;Scarlett;<p>Мощный</p>;Длина 20 см, вес 500 г;синий\n\
                    1002;;Без цены;;;0;0;0;;;;;;;;;;\n\
                    ;;Без кода;;;;;;10\n\
                    1003;AN-3;Щётка;Красота;Щётки;нет;абв;0;100\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        let context = ReaderContext {
            supplier_id: uuid::Uuid::from_u128(5),
            image_url_template: Some(
                gomarket_domain::supplier::ImageUrlTemplate::parse("https://img.an.example/{key}").unwrap(),
            ),
        };
        let items: Vec<FeedItem> = AnMscReader::new(bytes.as_ref(), FeedEncoding::Auto, context)
            .collect::<Result<_, _>>()
            .unwrap();
        let FeedItem::Offer { offer, line } = &items[0] else {
            panic!("{items:?}")
        };
        assert_eq!(*line, 2);
        assert_eq!(offer.details.title.as_str(), "Фен Скарлетт");
        assert_eq!(offer.details.category.as_ref().unwrap().as_str(), "Красота/Фены");
        assert_eq!(offer.purchase_price.get(), 149_000);
        assert_eq!(offer.content.retail_price.unwrap().get(), 299_000);
        let stock: Vec<(&str, i64)> = offer
            .stock_by_warehouse
            .iter()
            .map(|(w, q)| (w.as_str(), q.get()))
            .collect();
        assert_eq!(stock, [("msk", 11), ("spb", 3), ("tmn", 10)]);
        assert_eq!(
            offer.content.images,
            [
                "https://img.an.example/a.jpg",
                "https://img.an.example/b.jpg",
                "https://img.an.example/c.jpg"
            ]
        );
        assert_eq!(offer.content.dimensions.weight_g, Some(500));
        assert_eq!(offer.content.attributes["Цвет"], "синий");
        assert_eq!(
            crate::supplier::feed::rejection_reasons(&items[1..]),
            [
                RejectReason::MissingPrice,
                RejectReason::MissingId,
                RejectReason::BadStock
            ]
        );
    }

    #[test]
    fn a_file_without_the_header_is_not_an_an_msc_feed() {
        let context = ReaderContext {
            supplier_id: uuid::Uuid::nil(),
            image_url_template: None,
        };
        let items: Vec<_> = AnMscReader::new("1;2;3\n".as_bytes(), FeedEncoding::Auto, context).collect();
        assert!(matches!(items[..], [Err(FeedError::NotAFeed { .. })]));
    }

    #[test]
    fn a_name_with_an_undefined_byte_or_a_field_past_its_limit_is_rejected_for_it() {
        let context = ReaderContext {
            supplier_id: uuid::Uuid::nil(),
            image_url_template: None,
        };
        let head = encoding_rs::WINDOWS_1251
            .encode("code;title;price;description\n1;Утюг ")
            .0
            .into_owned();
        let mut bytes = head;
        bytes.extend_from_slice(b"\x98;10;\n2;\xd4\xe5\xed;10;");
        bytes.extend(std::iter::repeat_n(b'x', crate::supplier::limits::MAX_FIELD_BYTES + 1));
        bytes.extend_from_slice(b"\n3;Nul\x00;10;\n4;OK;10;\n");
        let items: Vec<FeedItem> = AnMscReader::new(bytes.as_slice(), FeedEncoding::Auto, context)
            .collect::<Result<_, _>>()
            .unwrap();
        let rejected: Vec<(Option<&str>, RejectReason, &str)> = items
            .iter()
            .filter_map(|i| match i {
                FeedItem::Rejected(r) => Some((r.supplier_sku.as_deref(), r.reason, r.message.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(rejected.len(), 3, "{items:?}");
        assert_eq!((rejected[0].0, rejected[0].1), (Some("1"), RejectReason::InvalidText));
        assert!(rejected[0].2.contains("0x98"), "{}", rejected[0].2);
        assert_eq!((rejected[1].0, rejected[1].1), (Some("2"), RejectReason::FieldTooLong));
        assert!(rejected[1].2.contains("`description`"), "{}", rejected[1].2);
        assert_eq!((rejected[2].0, rejected[2].1), (Some("3"), RejectReason::InvalidText));
        assert!(rejected[2].2.contains("NUL"), "{}", rejected[2].2);
        assert!(matches!(&items[3], FeedItem::Offer { line: 5, .. }), "{:?}", items[3]);
    }
}
