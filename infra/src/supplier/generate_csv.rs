//! Generated AN_MSC and Wholesaler feeds, from the same offers as the YML generator
//! ([`super::generate`]), in the suppliers' CSV dialect (`;`, windows-1251 unless asked for
//! UTF-8). Broken offers rotate through the kinds each format can break.

use super::feed::RejectReason;
use super::generate::{FeedSpec, FeedStats, Item, item};
use super::wholesaler::FILES as WHOLESALER_FILES;
use std::io::{self, Write};
use std::path::Path;

fn encode(spec: &FeedSpec, text: &str) -> Vec<u8> {
    if spec.windows_1251 {
        encoding_rs::WINDOWS_1251.encode(text).0.into_owned()
    } else {
        text.as_bytes().to_vec()
    }
}

/// How offer `index` of a CSV feed is broken: the YML kinds, plus a bad stock figure (AN_MSC).
fn broken_kind(spec: &FeedSpec, index: usize, with_bad_stock: bool) -> Option<RejectReason> {
    let kind = spec.broken_kind(index)?;
    Some(match kind {
        RejectReason::MissingPrice if with_bad_stock && (index / 50) % 12 >= 6 => RejectReason::BadStock,
        other => other,
    })
}

fn count(stats: &mut FeedStats, broken: Option<RejectReason>) {
    stats.written += 1;
    match broken {
        Some(kind) => *stats.broken.entry(kind.as_str()).or_default() += 1,
        None => stats.valid += 1,
    }
}

/// Writes an AN_MSC feed (`an_price_and_num_rrc.csv`) with a header row.
pub fn write_an_msc(spec: &FeedSpec, out: &mut impl Write) -> io::Result<FeedStats> {
    out.write_all(&encode(
        spec,
        "code;article;title;group_title;category_title;tmn;msk;nsk;spb;rst;kdr;minsk;ast;start_price;price;discount;\
         retail_price;fixed_price;image;images;barcode;brand_title;description;size;color;country\n",
    ))?;
    let mut stats = FeedStats::default();
    for index in (0..spec.offers).filter(|i| !spec.removed.contains(i)) {
        let broken = broken_kind(spec, index, true);
        let Item {
            kind,
            category,
            brand,
            model,
            color,
            stock,
            id,
            title,
            price_text,
            price,
            barcode,
            size,
            ..
        } = item(spec, index, broken);
        let (group, leaf) = category.rsplit_once('/').unwrap_or(("", category));
        let msk = match broken {
            Some(RejectReason::BadStock) => "уточняйте".to_owned(),
            _ if stock > 30 => "много".to_owned(),
            _ => stock.to_string(),
        };
        let retail = price.split('.').next().unwrap_or("0").parse::<u64>().unwrap_or(0) * 2;
        let row = format!(
            "{};{model}-{index};{};{};{leaf};0;{msk};0;{};0;0;0;0;;{};0;{retail};NULL;{index}.jpg;{index}b.jpg,{index}c.jpg;{barcode};{brand};\
             \"<p>{kind} <b>{brand}</b> — хит продаж</p>\";Длина {} см, ширина {} см;{color};Китай\n",
            id.unwrap_or_default(),
            title.unwrap_or_default(),
            group.replace('/', " "),
            stock / 2,
            price_text.unwrap_or_default().replace('.', ","),
            size.0,
            size.1,
        );
        out.write_all(&encode(spec, &row))?;
        count(&mut stats, broken);
    }
    Ok(stats)
}

/// Writes the Wholesaler set's four files into `folder` (info positional, without a header).
pub fn write_wholesaler(spec: &FeedSpec, folder: &Path) -> io::Result<FeedStats> {
    let create = |name: &str| std::fs::File::create(folder.join(name)).map(io::BufWriter::new);
    let [info_name, prices_name, stock_name, descriptions_name] = WHOLESALER_FILES;
    let (mut info, mut prices, mut stocks, mut descriptions) = (
        create(info_name)?,
        create(prices_name)?,
        create(stock_name)?,
        create(descriptions_name)?,
    );
    prices.write_all(&encode(spec, "id товара;цена\n"))?;
    stocks.write_all(&encode(spec, "id товара;наличие\n"))?;
    let mut stats = FeedStats::default();
    for index in (0..spec.offers).filter(|i| !spec.removed.contains(i)) {
        let broken = broken_kind(spec, index, false);
        let offer = item(spec, index, broken);
        // Wholesaler ids are integers: the offer's number (a duplicate repeats the one before).
        let global_id = match broken {
            Some(RejectReason::MissingId) => String::new(),
            Some(RejectReason::DuplicateSkuInFeed) => (index - 1).to_string(),
            _ => index.to_string(),
        };
        let row = format!(
            "{global_id};{}-{index};{};{};{};Китай;{};;унисекс;{};Длина {} см, ширина {} см, вес {} г;коробка;;{index}a {index}b;{};пластик;нет\n",
            offer.model,
            offer.title.unwrap_or_default(),
            offer.category,
            offer.brand,
            offer.kind,
            offer.color,
            offer.size.0,
            offer.size.1,
            offer.weight_grams,
            offer.barcode,
        );
        info.write_all(&encode(spec, &row))?;
        count(&mut stats, broken);
        if broken == Some(RejectReason::DuplicateSkuInFeed) {
            continue; // its id's price, stock and description are the first occurrence's
        }
        // Whole roubles; a missing price is simply absent from the prices file.
        if let Some(price) = offer.price_text {
            let roubles = if price.contains(' ') || price.chars().any(char::is_alphabetic) {
                price
            } else {
                price.split('.').next().unwrap_or("0").to_owned()
            };
            prices.write_all(&encode(spec, &format!("{global_id};{roubles}\n")))?;
        }
        stocks.write_all(&encode(spec, &format!("{global_id};{}\n", offer.stock)))?;
        descriptions.write_all(&encode(
            spec,
            &format!(
                "{global_id};\"<p>{} <b>{}</b>: подарок к празднику</p>\"\n",
                offer.kind, offer.brand
            ),
        ))?;
    }
    for file in [&mut info, &mut prices, &mut stocks, &mut descriptions] {
        file.flush()?;
    }
    Ok(stats)
}
