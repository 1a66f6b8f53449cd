//! Deterministic supplier feeds for tests and benchmarks (`gomarket gen-feed`).
//!
//! Every offer is derived from (seed, index) alone, so a variant of a feed (a few prices or
//! stocks changed, some offers removed) differs from the original in exactly those offers.
//! Feeds carry Cyrillic text, HTML descriptions, variants of one model (`group_id`), and, every
//! `broken_every`-th offer, one kind of broken offer, in rotation, whose reason is known.

use super::feed::RejectReason;
use super::generate_words;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// What to generate.
#[derive(Debug, Clone)]
pub struct FeedSpec {
    pub offers: usize,
    pub seed: u64,
    /// Every n-th offer (n ≥ 2) is broken; `None`: none.
    pub broken_every: Option<usize>,
    /// Offers (by index) whose price is raised by 10 %.
    pub repriced: Vec<usize>,
    /// Offers (by index) whose stock is changed.
    pub restocked: Vec<usize>,
    /// Offers (by index) left out.
    pub removed: Vec<usize>,
    pub windows_1251: bool,
}

impl FeedSpec {
    pub fn new(offers: usize, seed: u64) -> Self {
        Self {
            offers,
            seed,
            broken_every: Some(50),
            repriced: vec![],
            restocked: vec![],
            removed: vec![],
            windows_1251: false,
        }
    }

    /// Whether offer `index` is a broken one, and how.
    pub fn broken_kind(&self, index: usize) -> Option<RejectReason> {
        let every = self.broken_every.filter(|&n| n >= 2)?;
        if index % every != every - 1 {
            return None;
        }
        Some(BROKEN_KINDS[(index / every) % BROKEN_KINDS.len()])
    }
}

/// The kinds of broken offers a YML feed gets, in rotation.
const BROKEN_KINDS: [RejectReason; 6] = [
    RejectReason::MissingTitle,
    RejectReason::BadPrice,
    RejectReason::BadBarcode,
    RejectReason::MissingId,
    RejectReason::DuplicateSkuInFeed,
    RejectReason::MissingPrice,
];

/// What a generated feed holds, for exact expectations in tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedStats {
    /// Offers written (valid and broken).
    pub written: usize,
    /// Offers that import.
    pub valid: usize,
    pub broken: BTreeMap<&'static str, usize>,
}

const BRANDS: &[&str] = &[
    "Vitek",
    "Polaris",
    "Redmond",
    "Scarlett",
    "Bosch",
    "Philips",
    "Тефаль",
    "Смарт",
];
const KINDS: &[(&str, &str)] = &[
    ("Чайник электрический", "Бытовая техника/Кухня/Чайники"),
    ("Утюг паровой", "Бытовая техника/Уход за одеждой/Утюги"),
    ("Пылесос", "Бытовая техника/Уборка/Пылесосы"),
    ("Фен для волос", "Красота и здоровье/Фены"),
    ("Мультиварка", "Бытовая техника/Кухня/Мультиварки"),
    ("Блендер погружной", "Бытовая техника/Кухня/Блендеры"),
];
const COLORS: &[&str] = &["белый", "чёрный", "красный", "серебристый"];

/// A valid EAN-13 for a number (`460`, the number's last 9 digits, the check digit).
pub fn ean13(number: u64) -> String {
    let body = format!("460{:09}", number % 1_000_000_000);
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Writes a YML feed; returns what it holds.
pub fn write_yml(spec: &FeedSpec, out: &mut impl Write) -> io::Result<FeedStats> {
    let mut writer = EncodingWriter {
        out,
        windows_1251: spec.windows_1251,
    };
    let encoding = if spec.windows_1251 { "windows-1251" } else { "UTF-8" };
    writer.write(&format!(
        "<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n<yml_catalog date=\"2026-11-24 10:00\">\n<shop>\n\
         <name>Оптовая база «Север»</name>\n<company>ООО \"Север\"</company>\n<url>https://sever.example.ru</url>\n\
         <currencies><currency id=\"RUR\" rate=\"1\"/></currencies>\n<categories>\n"
    ))?;
    let mut category_ids: BTreeMap<String, usize> = BTreeMap::new();
    for (_, path) in KINDS {
        let mut parent: Option<usize> = None;
        let mut prefix = String::new();
        for level in path.split('/') {
            prefix = if prefix.is_empty() {
                level.to_owned()
            } else {
                format!("{prefix}/{level}")
            };
            let next_id = category_ids.len() + 1;
            let id = *category_ids.entry(prefix.clone()).or_insert_with(|| next_id);
            if id == next_id {
                let parent_attr = parent.map(|p| format!(" parentId=\"{p}\"")).unwrap_or_default();
                writer.write(&format!(
                    "<category id=\"{id}\"{parent_attr}>{}</category>\n",
                    escape(level)
                ))?;
            }
            parent = Some(id);
        }
    }
    writer.write("</categories>\n<offers>\n")?;
    let mut stats = FeedStats::default();
    for index in 0..spec.offers {
        if spec.removed.contains(&index) {
            continue;
        }
        let broken = spec.broken_kind(index);
        writer.write(&offer_xml(spec, index, broken, &category_ids))?;
        stats.written += 1;
        match broken {
            Some(kind) => *stats.broken.entry(kind.as_str()).or_default() += 1,
            None => stats.valid += 1,
        }
    }
    writer.write("</offers>\n</shop>\n</yml_catalog>\n")?;
    Ok(stats)
}

/// The offer id of a valid offer `index`.
pub fn offer_id(index: usize) -> String {
    format!("SV-{index:07}")
}

/// What a generated offer is, whatever the format renders of it.
pub(super) struct Item {
    pub kind: &'static str,
    pub category: &'static str,
    pub brand: &'static str,
    pub model: String,
    pub color: &'static str,
    pub price: String,
    pub stock: u32,
    /// `None` for an offer broken by a missing id.
    pub id: Option<String>,
    pub title: Option<String>,
    /// `None` for a missing price; "по запросу" for a bad one.
    pub price_text: Option<String>,
    pub barcode: String,
    pub power_watts: u32,
    pub size: (u32, u32, u32),
    pub weight_grams: u32,
}

/// Offer `index` of the feed, broken as `broken` says.
pub(super) fn item(spec: &FeedSpec, index: usize, broken: Option<RejectReason>) -> Item {
    let mut rng = StdRng::seed_from_u64(spec.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ index as u64);
    let (kind, category) = KINDS[rng.gen_range(0..KINDS.len())];
    let brand = BRANDS[rng.gen_range(0..BRANDS.len())];
    let model = format!(
        "{}-{}",
        &brand[..brand.char_indices().nth(2).map_or(brand.len(), |(i, _)| i)],
        100 + index % 900
    );
    let color = COLORS[index % COLORS.len()];
    let mut price_kopecks: u64 = rng.gen_range(30_000..2_000_000);
    if spec.repriced.contains(&index) {
        price_kopecks += price_kopecks / 10;
    }
    let mut stock: u32 = rng.gen_range(0..40);
    if spec.restocked.contains(&index) {
        stock = if stock == 0 { 5 } else { 0 };
    }
    let price = format!("{}.{:02}", price_kopecks / 100, price_kopecks % 100);
    Item {
        kind,
        category,
        brand,
        color,
        stock,
        id: match broken {
            Some(RejectReason::MissingId) => None,
            // A duplicate repeats the id of the offer before it (which is valid).
            Some(RejectReason::DuplicateSkuInFeed) => Some(offer_id(index - 1)),
            _ => Some(offer_id(index)),
        },
        title: (broken != Some(RejectReason::MissingTitle)).then(|| format!("{kind} {brand} {model}, {color}")),
        price_text: match broken {
            Some(RejectReason::MissingPrice) => None,
            Some(RejectReason::BadPrice) => Some("по запросу".to_owned()),
            _ => Some(price.clone()),
        },
        price,
        barcode: match broken {
            Some(RejectReason::BadBarcode) => "4600000000001".to_owned(),
            _ => ean13(spec.seed.wrapping_mul(1_000_003) + index as u64),
        },
        model,
        power_watts: 800 + rng.gen_range(0..15) * 100,
        size: (rng.gen_range(10..40), rng.gen_range(10..30), rng.gen_range(10..50)),
        weight_grams: rng.gen_range(0..5) * 1000 + rng.gen_range(0..10) * 100,
    }
}

fn offer_xml(
    spec: &FeedSpec,
    index: usize,
    broken: Option<RejectReason>,
    categories: &BTreeMap<String, usize>,
) -> String {
    let Item {
        kind,
        category: path,
        brand,
        model,
        color,
        stock,
        id,
        title,
        price_text,
        barcode,
        power_watts,
        size,
        weight_grams,
        ..
    } = item(spec, index, broken);
    let name = title
        .map(|t| format!("<name>{}</name>", escape(&t)))
        .unwrap_or_default();
    let price_xml = price_text.map(|p| format!("<price>{p}</price>")).unwrap_or_default();
    let id_attr = id.map(|id| format!(" id=\"{id}\"")).unwrap_or_default();
    let group = index / 4;
    let features = features(spec, index);
    format!(
        "<offer{id_attr} available=\"{}\" group_id=\"{group}\">\n{name}\n<vendor>{}</vendor>\n<vendorCode>{model}-{index}</vendorCode>\n\
         {price_xml}\n<currencyId>RUR</currencyId>\n<categoryId>{}</categoryId>\n\
         <picture>https://img.sever.example.ru/{index}/1.jpg</picture>\n<barcode>{barcode}</barcode>\n\
         <description><![CDATA[<p>{} <b>{brand}</b> — надёжный помощник дома.</p><ul><li>Цвет: {color}</li><li>Гарантия 1 год</li></ul><p>Особенности: {features}.</p>]]></description>\n\
         <param name=\"Цвет\">{color}</param>\n<param name=\"Мощность\" unit=\"Вт\">{}</param>\n\
         <dimensions>{}/{}/{}</dimensions>\n<weight>{}.{}</weight>\n<count>{stock}</count>\n</offer>\n",
        stock > 0,
        escape(brand),
        categories[path],
        escape(kind),
        power_watts,
        size.0,
        size.1,
        size.2,
        weight_grams / 1000,
        (weight_grams % 1000) / 100,
    )
}

/// Three words of the description drawn by frequency rank (see [`generate_words`]), so a
/// catalog has common and rare words like a real one; from their own random stream, so the
/// rest of the offer does not depend on them.
fn features(spec: &FeedSpec, index: usize) -> String {
    let mut rng = StdRng::seed_from_u64(spec.seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ (index as u64).rotate_left(17));
    (0..3)
        .map(|_| generate_words::word(generate_words::zipf_rank(&mut rng)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes text as UTF-8, or transcoded to windows-1251.
struct EncodingWriter<'a, W: Write> {
    out: &'a mut W,
    windows_1251: bool,
}

impl<W: Write> EncodingWriter<'_, W> {
    fn write(&mut self, text: &str) -> io::Result<()> {
        if self.windows_1251 {
            let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
            self.out.write_all(&bytes)
        } else {
            self.out.write_all(text.as_bytes())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supplier::{FeedItem, ReaderContext, YmlReader};
    use std::io::Cursor;

    fn read(spec: &FeedSpec) -> (FeedStats, Vec<FeedItem>) {
        let mut bytes = Vec::new();
        let stats = write_yml(spec, &mut bytes).unwrap();
        let context = ReaderContext {
            supplier_id: uuid::Uuid::from_u128(1),
            image_url_template: None,
        };
        let items = YmlReader::new(Cursor::new(bytes), context)
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        (stats, items)
    }

    #[test]
    fn generated_feeds_read_back_with_the_expected_rejections() {
        let spec = FeedSpec::new(600, 7);
        let (stats, items) = read(&spec);
        assert_eq!(stats.written, 600);
        assert_eq!(stats.valid, 588);
        let offers = items.iter().filter(|i| matches!(i, FeedItem::Offer { .. })).count();
        // Duplicates are found by the importer (it compares across the feed), not the reader.
        assert_eq!(offers, stats.valid + stats.broken["DUPLICATE_SKU_IN_FEED"]);
        let mut rejected: BTreeMap<&str, usize> = BTreeMap::new();
        for item in &items {
            if let FeedItem::Rejected(r) = item {
                *rejected.entry(r.reason.as_str()).or_default() += 1;
            }
        }
        let mut expected = stats.broken.clone();
        expected.remove("DUPLICATE_SKU_IN_FEED");
        assert_eq!(rejected, expected);
    }

    #[test]
    fn variants_differ_in_exactly_the_chosen_offers() {
        let base = FeedSpec::new(200, 3);
        let mut changed = base.clone();
        changed.repriced = vec![10, 20];
        changed.restocked = vec![30];
        changed.removed = vec![40];
        let (_, a) = read(&base);
        let (_, b) = read(&changed);
        let by_id = |items: &[FeedItem]| -> BTreeMap<String, gomarket_domain::catalog::SupplierOffer> {
            items
                .iter()
                .filter_map(|i| match i {
                    FeedItem::Offer { offer, .. } => Some((offer.link.supplier_sku.clone(), (**offer).clone())),
                    _ => None,
                })
                .collect()
        };
        let (a, b) = (by_id(&a), by_id(&b));
        assert_eq!(a.len(), b.len() + 1);
        let differing: Vec<&String> = b.keys().filter(|k| a[*k] != b[*k]).collect();
        assert_eq!(differing, [&offer_id(10), &offer_id(20), &offer_id(30)]);
        assert!(!b.contains_key(&offer_id(40)));
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        write_yml(&FeedSpec::new(50, 11), &mut a).unwrap();
        write_yml(&FeedSpec::new(50, 11), &mut b).unwrap();
        assert_eq!(a, b);
        let mut c = Vec::new();
        write_yml(&FeedSpec::new(50, 12), &mut c).unwrap();
        assert_ne!(a, c);
    }
}
