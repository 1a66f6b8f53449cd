//! Ozon's documented request limits, per seller account (`Client-Id`).

use crate::marketplace::rate_limit::Limit;
use std::time::Duration;

/// "Не больше 50 запросов в секунду на все методы с одного Client ID": every request takes
/// a token here first.
pub const ALL_METHODS: Limit = Limit::per(50, Duration::from_secs(1), 50).named("ozon-all");

/// `/v2/products/stocks`: "до 80 запросов в минуту" per seller account. A burst of one, so
/// no 60 s window ever holds more than 80.
pub const STOCKS: Limit = Limit::per(80, Duration::from_secs(60), 1).named("ozon-stocks");

/// Most products per `/v3/product/import` request.
pub const IMPORT_BATCH: usize = 100;
/// Most prices per `/v1/product/import/prices` request (`maxItems`).
pub const PRICE_BATCH: usize = 1000;
/// Most product-warehouse pairs per `/v2/products/stocks` request.
pub const STOCK_BATCH: usize = 100;
/// Most ids per `/v3/product/info/list` request.
pub const INFO_BATCH: usize = 1000;
/// "Цену каждого товара можно обновлять не больше 10 раз в час."
pub const PRICE_CHANGES_PER_HOUR: usize = 10;
/// "Обновлять остатки у одной пары товар-склад можно только 1 раз в 30 секунд."
pub const STOCK_PAIR_EVERY: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::STOCKS;
    use crate::marketplace::rate_limit::RateLimits;
    use std::time::Duration;
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn no_minute_ever_holds_more_than_80_stock_requests() {
        let limits = RateLimits::default();
        let account = uuid::Uuid::from_u128(7);
        let start = Instant::now();
        let mut sent = Vec::new();
        for _ in 0..250 {
            limits.acquire(account, STOCKS).await;
            sent.push(Instant::now() - start);
        }
        for (i, at) in sent.iter().enumerate() {
            let within = sent[i..]
                .iter()
                .take_while(|t| **t < *at + Duration::from_secs(60))
                .count();
            assert!(within <= 80, "{within} requests in the minute from {at:?}");
        }
        // …and the pace is the limit's: 250 requests take 249 × 0.75 s.
        assert_eq!(sent[249], Duration::from_millis(249 * 750));
    }
}
