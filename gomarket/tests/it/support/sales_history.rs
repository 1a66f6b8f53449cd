//! A deterministic 89-day history of Wildberries reports for a set of listed articles (orders,
//! cancellations, buyouts, returns, warehouse stock, a few rows nobody lists), and the
//! figures `productPerformance` must show for it, computed here from the rows alone — not from
//! anything GoMarket wrote — so a test compares two independent computations.

use chrono::{Duration as Days, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Value, json};

/// An article as listed: its marketplace id, vendor code, the product's purchase price and
/// what was listed from the seller's warehouse.
#[derive(Debug, Clone)]
pub struct Article {
    pub nm_id: i64,
    pub vendor_code: String,
    pub barcode: String,
    pub purchase_kopecks: Option<i64>,
    pub seller_stock: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Order,
    Cancel,
    Sale,
    Return,
}

/// One fact as the rows state it: on which Moscow day, for how much.
#[derive(Debug, Clone, Copy)]
struct Fact {
    kind: Kind,
    day: NaiveDate,
    price_kopecks: i64,
    pay_kopecks: i64,
}

#[derive(Debug, Clone)]
struct Stock {
    quantity: i64,
    changed: NaiveDateTime,
}

/// The rows of each report and what they say per article.
pub struct SalesHistory {
    pub orders: Vec<Value>,
    pub sales: Vec<Value>,
    pub stocks: Vec<Value>,
    articles: Vec<(Article, Vec<Fact>, Option<Stock>)>,
}

/// The figures of one article over one window, as `productPerformance` names them.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub nm_id: i64,
    pub orders: i64,
    pub cancellations: i64,
    pub buyouts: i64,
    pub returns: i64,
    pub units: i64,
    pub ordered_kopecks: i64,
    pub revenue_kopecks: i64,
    pub payout_kopecks: i64,
    pub purchase_kopecks: Option<i64>,
    pub margin_kopecks: Option<i64>,
    pub velocity: Option<f64>,
    pub marketplace_stock: i64,
    pub seller_stock: Option<i64>,
    pub days_of_cover: Option<f64>,
    pub out_of_stock_days: i64,
    pub lost_revenue_kopecks: Option<i64>,
}

impl Expected {
    /// The same figures as a `ProductPerformance` node (with the fields of [`NODE`]).
    pub fn json(&self) -> Value {
        json!({
            "nmId": self.nm_id, "orders": self.orders, "cancellations": self.cancellations,
            "buyouts": self.buyouts, "returns": self.returns, "units": self.units,
            "orderedKopecks": self.ordered_kopecks, "revenueKopecks": self.revenue_kopecks,
            "payoutKopecks": self.payout_kopecks, "purchaseKopecks": self.purchase_kopecks,
            "marginKopecks": self.margin_kopecks, "velocity": self.velocity,
            "marketplaceStock": self.marketplace_stock, "sellerStock": self.seller_stock,
            "daysOfCover": self.days_of_cover, "outOfStockDays": self.out_of_stock_days,
            "lostRevenueKopecks": self.lost_revenue_kopecks,
        })
    }
}

/// The fields of a `ProductPerformance` node [`Expected::json`] compares.
pub const NODE: &str = "nmId orders cancellations buyouts returns units orderedKopecks revenueKopecks payoutKopecks
    purchaseKopecks marginKopecks velocity marketplaceStock sellerStock daysOfCover outOfStockDays
    lostRevenueKopecks";

/// Moscow's wall clock now.
pub fn moscow_now() -> NaiveDateTime {
    (Utc::now() + Days::hours(3)).naive_utc()
}

fn text(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Kopecks as the reports write money: decimal roubles.
fn roubles(kopecks: i64) -> f64 {
    kopecks as f64 / 100.0
}

/// Articles whose marketplace warehouses hold nothing, and since how many days.
pub fn emptied_days_ago(i: usize) -> Option<i64> {
    i.is_multiple_of(10).then_some((i % 20) as i64 + 1)
}

impl SalesHistory {
    /// Article `i` is ordered every `1 + i % 5` days from 89 days ago to yesterday, at a price
    /// that moves by the day; an order is cancelled when `(i + d) % 7 == 0`, bought out the
    /// next day unless `(i + d) % 4 == 0`, and returned two days later when `(i + d) % 29 ==
    /// 0`. Every tenth article is out of stock since `emptied_days_ago(i)` days. Five orders
    /// name vendor codes nobody lists.
    pub fn new(articles: &[Article]) -> Self {
        let today = moscow_now().date();
        let midnight = |day: NaiveDate| day.and_hms_opt(0, 0, 0).unwrap();
        let (mut orders, mut sales, mut stocks) = (Vec::new(), Vec::new(), Vec::new());
        let mut kept = Vec::new();
        for (i, article) in articles.iter().enumerate() {
            let mut facts = Vec::new();
            let every = 1 + i % 5;
            for ago in 1..=89usize {
                let d = 90 - ago;
                if d % every != 0 {
                    continue;
                }
                let placed = midnight(today - Days::days(ago as i64)) + Days::minutes(i as i64 * 7);
                let price = 100_055 + i as i64 * 100 + (d % 3) as i64 * 1_000;
                let pay = price * 85 / 100;
                let cancelled = (i + d) % 7 == 0;
                let srid = format!("o-{i}-{d}");
                facts.push(Fact {
                    kind: Kind::Order,
                    day: placed.date(),
                    price_kopecks: price,
                    pay_kopecks: 0,
                });
                if cancelled {
                    facts.push(Fact {
                        kind: Kind::Cancel,
                        day: (placed + Days::minutes(30)).date(),
                        price_kopecks: price,
                        pay_kopecks: 0,
                    });
                }
                orders.push(json!({
                    "date": text(placed),
                    "lastChangeDate": text(placed + Days::minutes(if cancelled { 31 } else { 5 })),
                    "warehouseName": "Коледино", "regionName": "Московская",
                    "supplierArticle": article.vendor_code, "nmId": article.nm_id, "barcode": article.barcode,
                    "totalPrice": roubles(price * 4 / 3), "discountPercent": 25, "spp": 10,
                    "finishedPrice": roubles(price * 9 / 10), "priceWithDisc": roubles(price),
                    "isCancel": cancelled,
                    "cancelDate": if cancelled { text(placed + Days::minutes(30)) } else { "0001-01-01T00:00:00".to_owned() },
                    "srid": srid,
                }));
                // Bought out the next day, up to yesterday.
                if cancelled || (i + d) % 4 == 0 || ago < 2 {
                    continue;
                }
                let sold = placed + Days::days(1);
                facts.push(Fact {
                    kind: Kind::Sale,
                    day: sold.date(),
                    price_kopecks: price,
                    pay_kopecks: pay,
                });
                sales.push(json!({
                    "date": text(sold), "lastChangeDate": text(sold + Days::minutes(5)),
                    "warehouseName": "Коледино", "regionName": "Московская",
                    "supplierArticle": article.vendor_code, "nmId": article.nm_id, "barcode": article.barcode,
                    "totalPrice": roubles(price * 4 / 3), "discountPercent": 25, "spp": 10,
                    "forPay": roubles(pay), "finishedPrice": roubles(price * 9 / 10), "priceWithDisc": roubles(price),
                    "saleID": format!("S-{i}-{d}"), "srid": srid,
                }));
                if (i + d) % 29 != 0 || ago < 3 {
                    continue;
                }
                let returned = placed + Days::days(2);
                facts.push(Fact {
                    kind: Kind::Return,
                    day: returned.date(),
                    price_kopecks: price,
                    pay_kopecks: pay,
                });
                sales.push(json!({
                    "date": text(returned), "lastChangeDate": text(returned + Days::minutes(5)),
                    "warehouseName": "Коледино", "regionName": "Московская",
                    "supplierArticle": article.vendor_code, "nmId": article.nm_id, "barcode": article.barcode,
                    "totalPrice": roubles(-price * 4 / 3), "discountPercent": 25, "spp": 10,
                    "forPay": roubles(-pay), "finishedPrice": roubles(-price * 9 / 10), "priceWithDisc": roubles(-price),
                    "saleID": format!("R-{i}-{d}"), "srid": srid,
                }));
            }
            let stock = match emptied_days_ago(i) {
                Some(ago) => Stock {
                    quantity: 0,
                    changed: midnight(today - Days::days(ago)) + Days::hours(12),
                },
                None => Stock {
                    quantity: (i % 17) as i64 + 1,
                    changed: midnight(today - Days::days(1)) + Days::hours(12) + Days::minutes(i as i64),
                },
            };
            stocks.push(json!({
                "lastChangeDate": text(stock.changed), "warehouseName": "Коледино",
                "supplierArticle": article.vendor_code, "nmId": article.nm_id, "barcode": article.barcode,
                "quantity": stock.quantity, "inWayToClient": 1, "inWayFromClient": 0,
            }));
            kept.push((article.clone(), facts, Some(stock)));
        }
        for n in 0..5i64 {
            let placed = midnight(today - Days::days(10)) + Days::minutes(n);
            orders.push(json!({
                "date": text(placed), "lastChangeDate": text(placed + Days::minutes(1)),
                "warehouseName": "Казань", "regionName": "Татарстан",
                "supplierArticle": format!("NOT-OURS-{n}"), "nmId": 900_000 + n, "barcode": "0000000000000",
                "totalPrice": 999, "discountPercent": 0, "spp": 0, "finishedPrice": 999, "priceWithDisc": 999,
                "isCancel": false, "cancelDate": "0001-01-01T00:00:00", "srid": format!("stranger-{n}"),
            }));
            let stranger = Article {
                nm_id: 900_000 + n,
                vendor_code: format!("NOT-OURS-{n}"),
                barcode: "0000000000000".into(),
                purchase_kopecks: None,
                seller_stock: None,
            };
            let fact = Fact {
                kind: Kind::Order,
                day: placed.date(),
                price_kopecks: 99_900,
                pay_kopecks: 0,
            };
            kept.push((stranger, vec![fact], None));
        }
        Self {
            orders,
            sales,
            stocks,
            articles: kept,
        }
    }

    /// Order rows (placed and cancelled facts), buyouts and returns the rows hold.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let count = |kind| {
            self.articles
                .iter()
                .flat_map(|a| &a.1)
                .filter(|f| f.kind == kind)
                .count()
        };
        (
            count(Kind::Order),
            count(Kind::Cancel),
            count(Kind::Sale),
            count(Kind::Return),
        )
    }

    /// Every article's figures over the `period` days up to `as_of`.
    pub fn expected(&self, period: i64, as_of: NaiveDate) -> Vec<Expected> {
        self.articles
            .iter()
            .map(|(article, facts, stock)| {
                let inside = |f: &&Fact| f.day > as_of - Days::days(period) && f.day <= as_of;
                let of = |kind| facts.iter().filter(inside).filter(move |f| f.kind == kind);
                let orders = of(Kind::Order).count() as i64;
                let cancellations = of(Kind::Cancel).count() as i64;
                let buyouts = of(Kind::Sale).count() as i64;
                let returns = of(Kind::Return).count() as i64;
                let ordered: i64 = of(Kind::Order).map(|f| f.price_kopecks).sum();
                let revenue = of(Kind::Sale).map(|f| f.price_kopecks).sum::<i64>()
                    - of(Kind::Return).map(|f| f.price_kopecks).sum::<i64>();
                let payout = of(Kind::Sale).map(|f| f.pay_kopecks).sum::<i64>()
                    - of(Kind::Return).map(|f| f.pay_kopecks).sum::<i64>();
                let units = orders - cancellations;
                // Out since the day it emptied, that day and today included.
                let out = match stock {
                    Some(s) if s.quantity == 0 => {
                        let first = s.changed.date().max(as_of - Days::days(period - 1));
                        ((as_of - first).num_days() + 1).clamp(0, period)
                    }
                    _ => 0,
                };
                let marketplace_stock = stock.as_ref().map_or(0, |s| s.quantity);
                let in_stock = period - out;
                Expected {
                    nm_id: article.nm_id,
                    orders,
                    cancellations,
                    buyouts,
                    returns,
                    units,
                    ordered_kopecks: ordered,
                    revenue_kopecks: revenue,
                    payout_kopecks: payout,
                    purchase_kopecks: article.purchase_kopecks,
                    margin_kopecks: article.purchase_kopecks.map(|p| payout - p * (buyouts - returns)),
                    velocity: (in_stock > 0).then(|| units as f64 / in_stock as f64),
                    marketplace_stock,
                    seller_stock: article.seller_stock,
                    days_of_cover: (units > 0 && in_stock > 0).then(|| {
                        (marketplace_stock + article.seller_stock.unwrap_or(0)) as f64 * in_stock as f64 / units as f64
                    }),
                    out_of_stock_days: out,
                    // ordered × out / in stock, halves away from zero
                    lost_revenue_kopecks: (in_stock > 0).then(|| (2 * ordered * out + in_stock) / (2 * in_stock)),
                }
            })
            .collect()
    }

    /// An article's units (orders less cancellations) from `from` to `to`, both included.
    pub fn units_between(&self, nm_id: i64, from: NaiveDate, to: NaiveDate) -> i64 {
        let facts = &self.articles.iter().find(|a| a.0.nm_id == nm_id).unwrap().1;
        let count = |kind| {
            facts
                .iter()
                .filter(|f| f.kind == kind && f.day >= from && f.day <= to)
                .count() as i64
        };
        count(Kind::Order) - count(Kind::Cancel)
    }
}
