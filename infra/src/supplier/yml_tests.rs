use super::*;
use gomarket_domain::catalog::SupplierOffer;
use std::io::Cursor;
use uuid::Uuid;

fn context() -> ReaderContext {
    ReaderContext {
        supplier_id: Uuid::from_u128(9),
        image_url_template: None,
    }
}

fn read(bytes: &[u8]) -> Vec<Result<FeedItem, FeedError>> {
    YmlReader::new(Cursor::new(bytes.to_vec()), context()).collect()
}

fn offers(items: &[Result<FeedItem, FeedError>]) -> Vec<&SupplierOffer> {
    items
        .iter()
        .filter_map(|i| match i {
            Ok(FeedItem::Offer { offer, .. }) => Some(offer.as_ref()),
            _ => None,
        })
        .collect()
}

fn rejections(items: &[Result<FeedItem, FeedError>]) -> Vec<&Rejection> {
    items
        .iter()
        .filter_map(|i| match i {
            Ok(FeedItem::Rejected(r)) => Some(r),
            _ => None,
        })
        .collect()
}

const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<yml_catalog date="2026-11-24 10:00">
  <shop>
    <name>Оптовик</name>
    <currencies><currency id="RUR" rate="1"/></currencies>
    <categories>
      <category id="1">Бытовая техника</category>
      <category id="2" parentId="1">Чайники</category>
    </categories>
    <offers>
      <offer id="A-1" available="true" group_id="77">
        <name>Чайник &quot;Vitek&quot; VT-7001 &amp; подставка</name>
        <vendor>Vitek</vendor>
        <vendorCode>VT-7001</vendorCode>
        <price>2 499,50</price>
        <currencyId>RUR</currencyId>
        <categoryId>2</categoryId>
        <picture>https://img.example.ru/a1.jpg</picture>
        <picture>https://img.example.ru/a1b.jpg</picture>
        <barcode>4006381333931</barcode>
        <description><![CDATA[<p>Стеклянная колба, <b>подсветка</b></p>]]></description>
        <param name="Цвет">белый</param>
        <param name="Объём" unit="л">1,7</param>
        <dimensions>20/15/25</dimensions>
        <weight>1.2</weight>
        <count>7</count>
      </offer>
      <offer id="A-2" available="false">
        <name>Чайник без остатка</name>
        <price>990</price>
      </offer>
      <offer id="A-3" type="vendor.model">
        <typePrefix>Утюг</typePrefix><vendor>Philips</vendor><model>GC-100</model>
        <price>1500.5</price>
        <outlets><outlet id="1" instock="3"/><outlet id="2" instock="2"/></outlets>
      </offer>
      <offer id="B-1"><price>10</price></offer>
      <offer id="B-2"><name>Без цены</name></offer>
      <offer id="B-3"><name>Кривой штрихкод</name><price>10</price><barcode>4006381333932</barcode></offer>
      <offer id="B-4"><name>Цена словами</name><price>дёшево</price></offer>
      <offer><name>Без id</name><price>5</price></offer>
      <offer id="B-5"><name>Доллары</name><price>5</price><currencyId>USD</currencyId></offer>
    </offers>
  </shop>
</yml_catalog>"#;

#[test]
fn offers_are_normalized() {
    let items = read(FEED.as_bytes());
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    let offers = offers(&items);
    assert_eq!(offers.len(), 3);
    let a1 = offers[0];
    assert_eq!(a1.link.supplier_sku, "A-1");
    assert_eq!(a1.sku.as_str(), "VT-7001");
    assert_eq!(a1.details.title.as_str(), "Чайник \"Vitek\" VT-7001 & подставка");
    assert_eq!(
        a1.details.category.as_ref().unwrap().as_str(),
        "Бытовая техника/Чайники"
    );
    assert_eq!(
        a1.details.description.as_ref().unwrap().as_str(),
        "Стеклянная колба, подсветка"
    );
    assert_eq!(a1.purchase_price.get(), 249_950);
    assert_eq!(a1.stock_by_warehouse["default"].get(), 7);
    assert_eq!(a1.content.images.len(), 2);
    assert_eq!(a1.content.attributes["Объём"], "1,7 л");
    assert_eq!(a1.content.attributes["group_id"], "77");
    assert_eq!(a1.content.dimensions.length_mm, Some(200));
    assert_eq!(a1.content.dimensions.weight_g, Some(1200));
    assert_eq!(a1.details.barcodes[0].as_str(), "4006381333931");

    let a2 = offers[1];
    assert!(!a2.available);
    assert_eq!(a2.stock_by_warehouse["default"].get(), 0);
    let a3 = offers[2];
    assert_eq!(a3.details.title.as_str(), "Утюг Philips GC-100");
    assert_eq!(a3.purchase_price.get(), 150_050);
    assert_eq!(a3.stock_by_warehouse["default"].get(), 5);
}

#[test]
fn broken_offers_are_rejected_with_their_reason_and_line() {
    let items = read(FEED.as_bytes());
    let reasons: Vec<(Option<&str>, RejectReason)> = rejections(&items)
        .iter()
        .map(|r| (r.supplier_sku.as_deref(), r.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            (Some("B-1"), RejectReason::MissingTitle),
            (Some("B-2"), RejectReason::MissingPrice),
            (Some("B-3"), RejectReason::BadBarcode),
            (Some("B-4"), RejectReason::BadPrice),
            (None, RejectReason::MissingId),
            (Some("B-5"), RejectReason::BadCurrency),
        ]
    );
    let b1 = rejections(&items)[0];
    let expected_line = FEED.lines().position(|l| l.contains("id=\"B-1\"")).unwrap() as u64 + 1;
    assert_eq!(b1.line, expected_line);
}

#[test]
fn windows_1251_feeds_decode_to_utf8() {
    let text = FEED.replace("UTF-8", "windows-1251");
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&text);
    assert!(!unmappable);
    let items = read(&bytes);
    let offers = offers(&items);
    assert_eq!(
        offers[0].details.category.as_ref().unwrap().as_str(),
        "Бытовая техника/Чайники"
    );
    assert_eq!(offers[1].details.title.as_str(), "Чайник без остатка");
}

#[test]
fn truncated_and_foreign_documents_fail_the_feed() {
    let cut = &FEED[..FEED.find("<offer id=\"A-3\"").unwrap() + 30];
    let items = read(cut.as_bytes());
    assert_eq!(offers(&items).len(), 2, "what came before the cut was read");
    assert!(
        matches!(items.last(), Some(Err(FeedError::Malformed { .. }))),
        "{:?}",
        items.last()
    );

    let html = read(b"<!DOCTYPE html><html><body>Not found</body></html>");
    assert!(matches!(html[..], [Err(FeedError::NotAFeed { .. })]), "{html:?}");
    let empty = read(b"");
    assert!(matches!(empty[..], [Err(FeedError::NotAFeed { .. })]), "{empty:?}");
}

/// A YML feed of `offers`, in windows-1251 when `cp1251`.
fn feed_of(offers: &str, cp1251: bool) -> Vec<u8> {
    let encoding = if cp1251 { "windows-1251" } else { "UTF-8" };
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n<yml_catalog><shop><offers>\n{offers}</offers></shop></yml_catalog>\n"
    );
    if cp1251 {
        encoding_rs::WINDOWS_1251.encode(&text).0.into_owned()
    } else {
        text.into_bytes()
    }
}

#[test]
fn a_name_with_a_nul_or_an_undefined_byte_says_so() {
    // The byte 0x98 has no character in windows-1251; a NUL is no text anywhere.
    let mut bytes = feed_of(
        "<offer id=\"N-1\"><name>Чайник \u{0}Vitek</name><price>10</price></offer>\n\
         <offer id=\"N-2\"><name>Утюг @</name><price>10</price></offer>\n\
         <offer id=\"N-3\"><name>Фен</name><price>10</price></offer>\n",
        true,
    );
    let at = bytes.iter().position(|&b| b == b'@').unwrap();
    bytes[at] = 0x98;
    let items = read(&bytes);
    let rejected: Vec<(&str, RejectReason, &str)> = rejections(&items)
        .iter()
        .map(|r| (r.supplier_sku.as_deref().unwrap(), r.reason, r.message.as_str()))
        .collect();
    assert_eq!(rejected.len(), 2, "{items:?}");
    assert_eq!((rejected[0].0, rejected[0].1), ("N-1", RejectReason::InvalidText));
    assert!(rejected[0].2.contains("NUL"), "{}", rejected[0].2);
    assert_eq!((rejected[1].0, rejected[1].1), ("N-2", RejectReason::InvalidText));
    assert!(rejected[1].2.contains("0x98"), "{}", rejected[1].2);
    assert_eq!(offers(&items).len(), 1);

    // Bytes that are not UTF-8 in a UTF-8 feed reject the offer, not the feed.
    let mut bytes = feed_of(
        "<offer id=\"U-1\"><name>Кривой @</name><price>10</price></offer>\n\
         <offer id=\"U-2\"><name>Ровный</name><price>10</price></offer>\n",
        false,
    );
    let at = bytes.iter().position(|&b| b == b'@').unwrap();
    bytes[at] = 0xff;
    let items = read(&bytes);
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    let rejected = rejections(&items);
    assert_eq!(rejected[0].reason, RejectReason::InvalidText);
    assert!(rejected[0].message.contains("U+FFFD"), "{}", rejected[0].message);
    assert_eq!(offers(&items).len(), 1);
}

#[test]
fn an_element_or_offer_past_its_limit_rejects_the_offer_and_reading_goes_on() {
    use crate::supplier::limits::{MAX_FIELD_BYTES, MAX_RECORD_BYTES};
    let long = "ж".repeat(MAX_FIELD_BYTES);
    let params: String = (0..(MAX_RECORD_BYTES / 1000 + 10))
        .map(|i| format!("<param name=\"p{i}\">{}</param>", "x".repeat(1000)))
        .collect();
    let offers_xml = format!(
        "<offer id=\"L-1\"><name>{long}</name><price>10</price></offer>\n\
         <offer id=\"L-2\"><name>Фен</name><description><![CDATA[{long}]]></description><price>10</price></offer>\n\
         <offer id=\"L-3\"><name>Фен</name><price>10</price>{params}</offer>\n\
         <offer id=\"L-4\"><name>Фен\nдорожный</name><price>10</price></offer>\n"
    );
    let items = read(&feed_of(&offers_xml, false));
    assert!(
        items.iter().all(Result::is_ok),
        "{:?}",
        items.iter().find(|i| i.is_err())
    );
    let rejected: Vec<(&str, RejectReason, &str)> = rejections(&items)
        .iter()
        .map(|r| (r.supplier_sku.as_deref().unwrap(), r.reason, r.message.as_str()))
        .collect();
    assert_eq!(
        rejected.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        [
            ("L-1", RejectReason::FieldTooLong),
            ("L-2", RejectReason::FieldTooLong),
            ("L-3", RejectReason::RecordTooLong),
        ]
    );
    assert!(rejected[0].2.contains("<name>"), "{}", rejected[0].2);
    assert!(rejected[1].2.contains("<description>"), "{}", rejected[1].2);
    let after = offers(&items);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].details.title.as_str(), "Фен дорожный");
    let l4 = rejections(&items).len();
    assert_eq!(l4, 3);
    let line = items
        .iter()
        .find_map(|i| match i {
            Ok(FeedItem::Offer { line, .. }) => Some(*line),
            _ => None,
        })
        .unwrap();
    assert_eq!(line, 6, "lines skipped with a long text still count");
}

#[test]
fn a_long_tag_deep_nesting_or_huge_categories_fail_the_feed() {
    use crate::supplier::limits::{MAX_FIELD_BYTES, MAX_XML_DEPTH};
    let tag = feed_of(
        &format!(
            "<offer id=\"T\" junk=\"{}\"><name>x</name></offer>\n",
            "j".repeat(MAX_FIELD_BYTES)
        ),
        false,
    );
    let items = read(&tag);
    assert!(
        matches!(items.last(), Some(Err(FeedError::Malformed { message, .. })) if message.contains("longer than")),
        "{:?}",
        items.last()
    );
    let deep = feed_of(
        &format!(
            "{}{}",
            "<a>".repeat(MAX_XML_DEPTH + 1),
            "</a>".repeat(MAX_XML_DEPTH + 1)
        ),
        false,
    );
    let items = read(&deep);
    assert!(
        matches!(items.last(), Some(Err(FeedError::Malformed { message, .. })) if message.contains("deeper")),
        "{:?}",
        items.last()
    );
}
