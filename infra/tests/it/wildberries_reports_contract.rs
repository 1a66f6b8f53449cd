//! The reports the sales ingest reads, against Prism validating mocks of Wildberries' own
//! specs (`reports-openapi.yaml`, `tariffs-openapi.yaml`, `analytics-openapi.yaml`,
//! `--errors`): the orders, sales and stocks reports, the commission table and the stock
//! history report are asked as the specs say (Prism logs any request that breaks them), and
//! what comes back is read (the rows Prism makes up are kept as invalid rows saying why).

use gomarket_infra::marketplace::wildberries::{RateLimits, RetryPolicy, WbAccount, WbClient, WbEndpoints, WbError};
use gomarket_testkit::prism::{PrismMock, WbSpec};

#[tokio::test]
async fn the_reports_and_the_commission_are_asked_as_the_specs_say() {
    let reports = PrismMock::start(WbSpec::Reports).await;
    let tariffs = PrismMock::start(WbSpec::Tariffs).await;
    let analytics = PrismMock::start(WbSpec::Analytics).await;
    let client = WbClient::new(
        WbEndpoints {
            statistics: reports.url.clone(),
            tariffs: tariffs.url.clone(),
            analytics: analytics.url.clone(),
            ..WbEndpoints::default()
        },
        RateLimits::default(),
        RetryPolicy::default(),
    );
    let account = WbAccount::new(uuid::Uuid::now_v7(), "test-token.eyJhY2Nlc3MiOiJ3YiJ9").unwrap();

    // Prism answers rows built from the schema (see `WbSpec::args`): one each, with an `nmId`
    // of 0 (no Wildberries article) and a `saleID` of "string" (neither a sale nor a return),
    // so each is kept as an invalid row that says why. (The spec's own example rows read
    // exactly: see the statistics module's tests.)
    let orders = client
        .orders_since(&account, "2022-03-01T00:00:00")
        .await
        .expect("orders");
    let sales = client
        .sales_since(&account, "2022-03-06T10:11:07")
        .await
        .expect("sales");
    let stocks = client.stocks_since(&account, "2019-06-20").await.expect("stocks");
    for (report, rows, why) in [
        (
            "orders",
            orders
                .rows
                .iter()
                .map(|r| r.as_ref().err().cloned())
                .collect::<Vec<_>>(),
            "out of range",
        ),
        (
            "sales",
            sales.rows.iter().map(|r| r.as_ref().err().cloned()).collect(),
            "not a known kind of sale",
        ),
        (
            "stocks",
            stocks.rows.iter().map(|r| r.as_ref().err().cloned()).collect(),
            "out of range",
        ),
    ] {
        assert_eq!(rows.len(), 1, "{report}");
        let invalid = rows[0].as_ref().expect("the made-up row is refused");
        assert!(invalid.reason.contains(why), "{report}: {invalid:?}");
    }
    assert!(orders.next_from.is_some() && !orders.is_end());

    // The tariffs spec's answer is a `oneOf` of five shapes that overlap, so no answer Prism
    // can make fits exactly one and it answers 500 whatever was asked: the request is what is
    // checked here (one attempt), the reading of the documented example in the tariffs
    // module's tests.
    let once = WbClient::new(
        WbEndpoints {
            tariffs: tariffs.url.clone(),
            ..WbEndpoints::default()
        },
        RateLimits::default(),
        RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        },
    );
    let commission = once.commission(&account).await;
    assert!(matches!(commission, Err(WbError::Unavailable { .. })), "{commission:?}");

    // The stock history report: Prism answers the spec's example article, read exactly.
    let end = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let history = client
        .stock_history(&account, end - chrono::Duration::days(29), end, 0)
        .await
        .expect("stock history");
    assert_eq!(history.rows.len(), 1, "{history:?}");
    let article = history.rows[0].as_ref().expect("the example reads");
    assert_eq!(article.nm_id.get(), 123_456_789);
    assert_eq!(article.figures.lost_orders_hundredths, Some(155_052));
    assert!(history.is_last);

    assert_eq!(reports.violations(), Vec::<String>::new());
    assert_eq!(tariffs.violations(), Vec::<String>::new());
    assert_eq!(analytics.violations(), Vec::<String>::new());
    assert_eq!(
        (reports.requests(), tariffs.requests(), analytics.requests()),
        (3, 1, 1)
    );
}

#[tokio::test]
async fn a_report_asked_without_its_date_is_a_violation_the_mock_catches() {
    // The check above can fail: the orders report without `dateFrom` breaks the spec.
    let reports = PrismMock::start(WbSpec::Reports).await;
    let account = WbAccount::new(uuid::Uuid::now_v7(), "t").unwrap();
    // Prism answers it 500 (its made-up error body fits none of the documented shapes): one
    // attempt is enough to see the violation logged.
    let client = WbClient::new(
        WbEndpoints {
            statistics: reports.url.clone(),
            ..WbEndpoints::default()
        },
        RateLimits::default(),
        RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        },
    );
    let refused = client
        .send(
            &account,
            gomarket_infra::marketplace::wildberries::LimitGroup::StatisticsOrders,
            gomarket_infra::marketplace::wildberries::WbApi::Statistics,
            reqwest::Method::GET,
            "/api/v1/supplier/orders",
            None,
        )
        .await;
    assert!(refused.is_err(), "{refused:?}");
    assert!(!reports.violations().is_empty());
}
