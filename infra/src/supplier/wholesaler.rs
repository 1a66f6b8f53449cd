//! The Wholesaler feed set: four `;`-separated windows-1251 CSV files keyed by `global_id`.
//!
//! - `all_prod_info.csv`: 17 positional columns (or named, when the first row is a header);
//! - `all_prod_prices.csv`: `id товара;цена`, purchase price in whole roubles;
//! - `all_prod_prices__.csv`: `id товара;наличие`, stock;
//! - `all_prod_d33_.csv`: `global_id;description` (HTML).
//!
//! Prices and stock are small (an id and a number per item) and are held in memory, each value
//! bounded by [`MAX_FIGURE_BYTES`]; the descriptions are not: only each item's byte offset is,
//! and the text is read back from disk when its offer is built, so memory stays small whatever
//! the descriptions weigh. Every file is read to its end when the reader is built, except the
//! info file, which streams.

use super::feed::{FeedError, FeedItem, RejectReason, Rejection, open_buffered as open};
use super::lax_csv::{LaxCsv, Oversized, Row};
use super::limits::{MAX_FIELD_BYTES, MAX_FIGURE_BYTES, human};
use super::offer_builder::{OfferBuilder, ReaderContext};
use gomarket_domain::supplier::FeedEncoding;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The files of the set, in the order `paths` lists them.
pub const FILES: [&str; 4] = [
    "all_prod_info.csv",
    "all_prod_prices.csv",
    "all_prod_prices__.csv",
    "all_prod_d33_.csv",
];

/// The 17 columns of `all_prod_info.csv`, by position.
const INFO_COLUMNS: [&str; 17] = [
    "global_id",
    "model",
    "name",
    "category",
    "brand",
    "country",
    "product_type",
    "features",
    "sex",
    "color",
    "dimension",
    "package",
    "",
    "media",
    "barcodes",
    "material",
    "package_battery",
];

/// The set's files on local disk.
#[derive(Debug, Clone)]
pub struct WholesalerFiles {
    pub info: PathBuf,
    pub prices: PathBuf,
    pub stock: PathBuf,
    pub descriptions: PathBuf,
}

/// A price or stock figure as read: its text, or too long to be one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Figure {
    Text(String),
    TooLong,
}

impl Figure {
    /// The text to parse, or the rejection of a figure too long to be one (`what` names it).
    fn text(&self, what: &str) -> Result<&str, (RejectReason, String)> {
        match self {
            Self::Text(text) => Ok(text),
            Self::TooLong => Err((
                RejectReason::FieldTooLong,
                format!("the {what} is longer than {}", human(MAX_FIGURE_BYTES)),
            )),
        }
    }
}

pub struct WholesalerReader {
    info: LaxCsv<BufReader<File>>,
    columns: HashMap<String, usize>,
    pending_first: Option<Row>,
    prices: HashMap<String, Figure>,
    stock: HashMap<String, Figure>,
    descriptions: HashMap<String, u64>,
    descriptions_path: PathBuf,
    encoding: FeedEncoding,
    context: ReaderContext,
    finished: bool,
}

/// `id → value` of a two-column file, skipping a header row (a first row whose id is not a
/// number). A value longer than [`MAX_FIGURE_BYTES`] is kept as [`Figure::TooLong`].
fn key_values(path: &Path, encoding: FeedEncoding) -> Result<HashMap<String, Figure>, FeedError> {
    let mut csv = LaxCsv::new(open(path)?, encoding);
    let mut values = HashMap::new();
    while let Some(row) = csv.next_row()? {
        let Some(id) = row.fields.first().filter(|id| id.parse::<u64>().is_ok()) else {
            continue;
        };
        let value = match (row.fields.get(1), row.oversized) {
            (_, Some(Oversized::Field(1) | Oversized::Record)) => Figure::TooLong,
            (Some(value), _) if value.len() > MAX_FIGURE_BYTES => Figure::TooLong,
            (Some(value), _) => Figure::Text(value.clone()),
            (None, _) => continue,
        };
        values.insert(id.clone(), value);
    }
    Ok(values)
}

fn offsets(path: &Path, encoding: FeedEncoding) -> Result<HashMap<String, u64>, FeedError> {
    let mut csv = LaxCsv::new(open(path)?, encoding);
    let mut offsets = HashMap::new();
    while let Some(row) = csv.next_row()? {
        if let Some(id) = row.fields.first().filter(|id| id.parse::<u64>().is_ok()) {
            offsets.insert(id.clone(), row.byte);
        }
    }
    Ok(offsets)
}

impl WholesalerReader {
    pub fn new(files: &WholesalerFiles, encoding: FeedEncoding, context: ReaderContext) -> Result<Self, FeedError> {
        let mut info = LaxCsv::new(open(&files.info)?, encoding);
        let first = info.next_row()?.ok_or_else(|| FeedError::NotAFeed {
            expected: "Wholesaler",
            found: "all_prod_info.csv is empty".into(),
        })?;
        // A first row naming a known column is a header; otherwise columns are positional.
        let named = first
            .fields
            .iter()
            .any(|f| INFO_COLUMNS.contains(&f.to_lowercase().as_str()) && !f.is_empty());
        let (columns, pending_first) = if named {
            let columns = first
                .fields
                .iter()
                .enumerate()
                .map(|(i, f)| (f.to_lowercase(), i))
                .collect();
            (columns, None)
        } else {
            let columns = INFO_COLUMNS
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.is_empty())
                .map(|(i, c)| ((*c).to_owned(), i))
                .collect();
            (columns, Some(first))
        };
        Ok(Self {
            info,
            columns,
            pending_first,
            prices: key_values(&files.prices, encoding)?,
            stock: key_values(&files.stock, encoding)?,
            descriptions: offsets(&files.descriptions, encoding)?,
            descriptions_path: files.descriptions.clone(),
            encoding,
            context,
            finished: false,
        })
    }

    /// The description of `id`, or why its offer is rejected (a description longer than
    /// [`MAX_FIELD_BYTES`]).
    fn description(&self, id: &str) -> Result<Result<Option<String>, (RejectReason, String)>, FeedError> {
        let Some(&offset) = self.descriptions.get(id) else {
            return Ok(Ok(None));
        };
        let mut file = File::open(&self.descriptions_path)?;
        file.seek(SeekFrom::Start(offset))?;
        let mut csv = LaxCsv::new(BufReader::new(file), self.encoding);
        let Some(row) = csv.next_row()? else {
            return Ok(Ok(None));
        };
        Ok(match row.oversized {
            Some(Oversized::Field(1) | Oversized::Record) => Err((
                RejectReason::FieldTooLong,
                format!(
                    "the description in {} is longer than {}",
                    FILES[3],
                    human(MAX_FIELD_BYTES)
                ),
            )),
            _ => Ok(row.fields.get(1).cloned()),
        })
    }

    fn normalize(&self, row: &Row) -> Result<FeedItem, FeedError> {
        let field = |name: &str| {
            self.columns
                .get(name)
                .and_then(|&i| row.fields.get(i))
                .map(String::as_str)
                .filter(|v| !v.is_empty())
        };
        let reject = |supplier_sku: Option<&str>, (reason, message): (RejectReason, String)| {
            FeedItem::Rejected(Rejection {
                line: row.line,
                supplier_sku: supplier_sku.map(str::to_owned),
                reason,
                message,
            })
        };
        if let Some(oversized) = row.oversized {
            let name_of = |index: usize| {
                self.columns
                    .iter()
                    .find(|(_, i)| **i == index)
                    .map(|(name, _)| name.clone())
            };
            return Ok(reject(field("global_id"), oversized.describe(name_of)));
        }
        let Some(id) = field("global_id") else {
            return Ok(reject(
                None,
                (RejectReason::MissingId, "the row has no global_id".into()),
            ));
        };
        let description = match self.description(id)? {
            Ok(description) => description,
            Err(rejection) => return Ok(reject(Some(id), rejection)),
        };
        let price = match self.prices.get(id).map(|p| p.text("price")).transpose() {
            Ok(price) => price,
            Err(rejection) => return Ok(reject(Some(id), rejection)),
        };
        let stock = match self.stock.get(id).map(|s| s.text("stock")).transpose() {
            Ok(stock) => stock,
            Err(rejection) => return Ok(reject(Some(id), rejection)),
        };
        let attributes = [
            ("country", "Страна"),
            ("product_type", "Тип"),
            ("features", "Особенности"),
            ("sex", "Пол"),
            ("color", "Цвет"),
            ("material", "Материал"),
            ("package", "Упаковка"),
            ("package_battery", "Батарейки"),
        ]
        .iter()
        .filter_map(|(column, label)| field(column).map(|v| ((*label).to_owned(), v.to_owned())))
        .collect();
        let builder = OfferBuilder {
            supplier_sku: id,
            article: field("model"),
            title: field("name"),
            description: description.as_deref(),
            brand: field("brand"),
            category: field("category"),
            barcodes: field("barcodes").into_iter().collect(),
            price,
            retail_price: None,
            // An item missing from the stock file has none.
            stock_by_warehouse: vec![("default", Some(stock.unwrap_or("0")))],
            available: true,
            images: field("media")
                .map(|m| m.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            attributes,
            size_text: field("dimension"),
            yml_dimensions: None,
            weight_kg: None,
        };
        Ok(match builder.build(&self.context) {
            Ok(offer) => FeedItem::Offer {
                line: row.line,
                offer: Box::new(offer),
            },
            Err(rejection) => reject(Some(id), rejection),
        })
    }
}

impl Iterator for WholesalerReader {
    type Item = Result<FeedItem, FeedError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let row = match self.pending_first.take() {
            Some(row) => Ok(Some(row)),
            None => self.info.next_row(),
        };
        let item = match row {
            Ok(Some(row)) => self.normalize(&row),
            Ok(None) => {
                self.finished = true;
                return None;
            }
            Err(error) => Err(error),
        };
        if item.is_err() {
            self.finished = true;
        }
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn the_four_files_join_into_offers() {
        let dir = std::env::temp_dir().join(format!("gomarket-wholesaler-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let files = WholesalerFiles {
            info: write(
                &dir,
                "all_prod_info.csv",
                "101;M-1;Массажёр для спины с подогревом;Здоровье/Массажёры;Gess;Китай;массажёр;;унисекс;серый;Длина 35 см, вес 1,2 кг;коробка;;k101a k101b;4006381333931#4600000000008;пластик;нет\n\
                 102;M-2;Без цены;Здоровье;Gess;;;;;;;;;;;;\n\
                 103;M-3;Кривой штрихкод;Здоровье;Gess;;;;;;;;;;123;;\n\
                 ;M-4;Без id;Здоровье;Gess;;;;;;;;;;;;\n",
            ),
            prices: write(&dir, "all_prod_prices.csv", "id товара;цена\n101;2490\n103;10\n"),
            stock: write(&dir, "all_prod_prices__.csv", "id товара;наличие\n101;>10\n"),
            descriptions: write(
                &dir,
                "all_prod_d33_.csv",
                "101;\"<p>Прогрев <b>и</b> вибрация; 3 режима</p>\"\n102;нет\n",
            ),
        };
        let context = ReaderContext {
            supplier_id: uuid::Uuid::from_u128(3),
            image_url_template: Some(
                gomarket_domain::supplier::ImageUrlTemplate::parse("https://img.wh.example/{key}.jpg").unwrap(),
            ),
        };
        let items: Vec<FeedItem> = WholesalerReader::new(&files, FeedEncoding::Auto, context)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let FeedItem::Offer { offer, line } = &items[0] else {
            panic!("{items:?}")
        };
        assert_eq!(*line, 1);
        assert_eq!(offer.sku.as_str(), "M-1");
        assert_eq!(offer.details.title.as_str(), "Массажёр для спины с подогревом");
        assert_eq!(offer.purchase_price.get(), 249_000);
        assert_eq!(offer.stock_by_warehouse["default"].get(), 11);
        assert_eq!(
            offer.details.description.as_ref().unwrap().as_str(),
            "Прогрев и вибрация; 3 режима"
        );
        assert_eq!(offer.details.barcodes.len(), 2);
        assert_eq!(
            offer.content.images,
            ["https://img.wh.example/k101a.jpg", "https://img.wh.example/k101b.jpg"]
        );
        assert_eq!(offer.content.dimensions.length_mm, Some(350));
        assert_eq!(offer.content.dimensions.weight_g, Some(1200));
        assert_eq!(
            crate::supplier::feed::rejection_reasons(&items[1..]),
            [
                RejectReason::MissingPrice,
                RejectReason::BadBarcode,
                RejectReason::MissingId
            ]
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
