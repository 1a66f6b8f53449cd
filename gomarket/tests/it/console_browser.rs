//! The console in a real headless Chromium (Debian's `chromium` and `chromium-driver`): log
//! in, search the catalog in Russian, open a product and its history, the Today page, a
//! session that ends and comes back to the same page. Screenshots of each page go to
//! `target/screenshots/`.

use crate::support::feeds::FeedServer;
use crate::support::marketplace::{CATEGORY, app_for, args_for, connect, map_category, products, publish, wait_for};
use crate::support::sales_fake::{ORDERS, SalesFake};
use crate::support::sync::{feed, register_supplier};
use crate::support::wb_fake::WbFake;
use crate::support::{ADMIN_PASSWORD, TestApp, accepted, product_input};
use gomarket_infra::supplier::generate::{FeedSpec, ean13, write_yml};
use gomarket_testkit::TestDatabase;
use gomarket_testkit::browser::Browser;
use serde_json::json;

async fn log_in(browser: &Browser, login: &str, password: &str) {
    let email = browser.find("#login-email").await;
    browser.type_into(&email, login).await;
    let field = browser.find("#login-password").await;
    browser.type_into(&field, password).await;
    let submit = browser.find("form button[type=submit]").await;
    browser.click(&submit).await;
}

#[tokio::test]
async fn a_seller_logs_in_searches_in_russian_opens_a_product_and_comes_back_after_the_session_ends() {
    let app = TestApp::spawn().await;
    for (sku, title) in [
        ("KET-1", None),
        ("KET-2", None),
        ("VAC-1", Some("Пылесос беспроводной Dreame")),
    ] {
        let mut input = product_input(sku);
        if let Some(title) = title {
            input["title"] = json!(title);
            input["category"] = json!("Бытовая техника/Пылесосы");
            input["description"] = json!("Беспроводной, 120 Вт");
        }
        let created = app.create_product(input).await;
        accepted(&created, "createProduct");
    }
    let browser = Browser::start(1280, 800).await;

    // An unauthenticated visit goes to the login page and comes back to where it was going.
    browser.goto(&app.url("/#/catalog")).await;
    browser.wait_for_text("h1", "Вход").await;
    assert!(
        browser.url().await.contains("next=%2Fcatalog"),
        "{}",
        browser.url().await
    );
    browser.screenshot("console-login").await;
    log_in(&browser, "admin", "wrong password").await;
    browser.wait_for_text("#login-error", "Проверьте логин и пароль").await;
    for field in ["#login-email", "#login-password"] {
        let field = browser.find(field).await;
        browser.clear(&field).await;
    }
    log_in(&browser, "admin", ADMIN_PASSWORD).await;
    browser.wait_for_text("h1", "Каталог").await;

    // Search in Russian, any word form.
    let search = browser.find("#catalog-search").await;
    browser.type_into(&search, "чайники").await;
    browser.wait_for_text("#catalog-summary", "Найдено: 2").await;
    let table = browser
        .wait_for_text("#catalog-table", "Чайник электрический KET-1")
        .await;
    assert!(table.contains("KET-2"), "{table}");
    assert!(!table.contains("Пылесос"), "only the kettles: {table}");
    assert!(
        browser.url().await.contains("q=%D1%87%D0%B0%D0%B9"),
        "the search is in the address"
    );
    browser.screenshot("console-catalog").await;

    // The product and its history, and the product as it was.
    let link = browser.find("#catalog-table tbody a").await;
    browser.click(&link).await;
    browser.wait_for_text("#product-title", "Чайник электрический").await;
    browser.wait_for_text("#product-history", "ProductCreated").await;
    let history = browser.wait_for_text("#product-history", "user:admin").await;
    assert!(history.contains("как было"), "{history}");
    browser.screenshot("console-product").await;

    // A supplier registered and imported from the page: progress to the end, then a
    // rejected offer with its line and reason.
    let feed = std::env::temp_dir().join(format!("console-feed-{}.yml", uuid::Uuid::new_v4().simple()));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&feed).unwrap());
    let spec = FeedSpec {
        broken_every: Some(10),
        ..FeedSpec::new(40, 7)
    };
    write_yml(&spec, &mut out).unwrap();
    drop(out);
    browser.goto(&app.url("/#/suppliers")).await;
    browser.wait_for_text("#suppliers-empty", "Поставщиков пока нет").await;
    let name = browser.find("#supplier-name").await;
    browser.type_into(&name, "Оптторг").await;
    let url = browser.find("#supplier-url").await;
    browser.type_into(&url, &format!("file://{}", feed.display())).await;
    let register = browser.find("#supplier-form button[type=submit]").await;
    browser.click(&register).await;
    browser.wait_for_text("h1", "Оптторг").await;
    let start = browser.find("#import-start").await;
    browser.click(&start).await;
    browser.wait_for_text("#imports-table", "завершён").await;
    let rejected = browser.wait_for_text("#rejected-table", "Строка").await;
    assert!(rejected.lines().count() >= 2, "at least one rejected offer: {rejected}");
    browser.screenshot("console-import").await;
    std::fs::remove_file(&feed).unwrap();
    // Its settings changed from its page, then switched off (no import can start).
    let edit = browser.find("#supplier-edit summary").await;
    browser.click(&edit).await;
    let name = browser.find("#supplier-edit #supplier-name").await;
    browser.clear(&name).await;
    browser.type_into(&name, "Оптторг Север").await;
    let save = browser.find("#supplier-edit button[type=submit]").await;
    browser.click(&save).await;
    browser.wait_for_text("h1", "Оптторг Север").await;
    let toggle = browser.find("#supplier-toggle").await;
    browser.click(&toggle).await;
    browser.wait_for_text("main", "выключен: импорты не запускаются").await;
    let supplier = app
        .graphql("{ suppliers(first: 5) { nodes { name enabled } } }", json!({}))
        .await;
    assert_eq!(
        supplier["data"]["suppliers"]["nodes"][0],
        json!({ "name": "Оптторг Север", "enabled": false }),
        "{supplier}"
    );

    // Today, with what to do next when no marketplace is connected yet.
    browser.goto(&app.url("/#/")).await;
    browser.wait_for_text("h1", "Сегодня").await;
    browser.wait_for_text("main", "Маркетплейс ещё не подключён").await;
    browser.wait_for_text("#today-imports", "Оптторг").await;
    browser.screenshot("console-today").await;

    // The session ends elsewhere (logout everywhere): the next request sends the user to log
    // in, and logging in comes back to the same search.
    browser
        .goto(&app.url("/#/catalog?q=%D0%BF%D1%8B%D0%BB%D0%B5%D1%81%D0%BE%D1%81"))
        .await;
    browser.wait_for_text("#catalog-table", "Пылесос").await;
    let elsewhere = app.login("admin", ADMIN_PASSWORD).await;
    app.graphql_as(
        Some(&elsewhere),
        "mutation { logout(everywhere: true) { revoked } }",
        json!({}),
    )
    .await;
    let brand = browser.find("#catalog-brand").await;
    browser.type_into(&brand, "Vitek").await;
    browser.wait_for_text("h1", "Вход").await;
    log_in(&browser, "admin", ADMIN_PASSWORD).await;
    browser.wait_for_text("#catalog-table", "Пылесос").await;
    assert!(
        browser.url().await.contains("q=%D0%BF%D1%8B"),
        "{}",
        browser.url().await
    );

    // GraphiQL, from the binary alone (Chromium runs with no network but this host), signed in
    // with the console's session: its sample query, which needs a user, answers.
    browser.goto(&app.url("/graphql")).await;
    browser.wait_for_text(".graphiql-container", "products(first: 5)").await;
    let run = browser.find(".graphiql-execute-button").await;
    browser.click(&run).await;
    // (The result editor shows only the lines in view, so the top of the answer is checked.)
    let result = browser.wait_for_text(".result-window", "\"email\": \"admin\"").await;
    assert!(result.contains("\"products\""), "{result}");
    browser.screenshot("graphiql").await;
    browser.quit().await;
}

#[tokio::test]
async fn an_account_is_connected_from_the_page_and_a_viewer_sees_no_action_and_is_refused_one() {
    let fake = WbFake::start().await;
    let app = app_for(&fake).await;
    let ids = products(&app, 3).await;
    let browser = Browser::start(1280, 800).await;
    browser.goto(&app.url("/#/marketplaces")).await;
    browser.wait_for_text("h1", "Вход").await;
    log_in(&browser, "admin", ADMIN_PASSWORD).await;
    browser.wait_for_text("#accounts-empty", "Кабинетов пока нет").await;

    // Connect a Wildberries account (the scripted fake checks the token); the token field is
    // emptied and never shown back.
    for (field, value) in [
        ("#account-name", "Основной WB"),
        ("#account-token", "wb-console-token"),
        ("#account-warehouses", "507"),
    ] {
        let input = browser.find(field).await;
        browser.type_into(&input, value).await;
    }
    let submit = browser.find("#account-form button[type=submit]").await;
    browser.click(&submit).await;
    browser.wait_for_text("h1", "Основной WB").await;
    browser.wait_for_text("#listings-empty", "опубликуйте").await;
    let account = browser.url().await.rsplit('/').next().unwrap().to_owned();

    // The catalog's category mapped to a Wildberries subject, from the page.
    browser.goto(&app.url("/#/marketplaces")).await;
    browser
        .wait_for_text("#mappings-empty", "Категории не сопоставлены")
        .await;
    for (field, value) in [("#mapping-category", CATEGORY), ("#mapping-subject", "7771")] {
        let input = browser.find(field).await;
        browser.type_into(&input, value).await;
    }
    let map = browser.find("#mapping-save").await;
    browser.click(&map).await;
    let mappings = browser.wait_for_text("#mappings-table", CATEGORY).await;
    assert!(mappings.contains("7771"), "{mappings}");

    // Published from the catalog: two ticked on the page, then the third from its own page.
    browser.goto(&app.url("/#/catalog?sort=TITLE_ASC")).await;
    browser.wait_for_text("#catalog-table", "Polaris PWK 2").await;
    browser.wait_for_text("#publish-bar", "Основной WB").await;
    let boxes = browser.all("#catalog-table tbody input[type=checkbox]").await;
    assert_eq!(boxes.len(), 3, "a box per product");
    browser.click(&boxes[0]).await;
    browser.click(&boxes[1]).await;
    browser.wait_for_text("#publish-selected", "(2)").await;
    let publish_selected = browser.find("#publish-selected").await;
    browser.click(&publish_selected).await;
    browser
        .wait_for_text("#publish-message", "Отправлено на площадку: 2")
        .await;
    browser.screenshot("console-catalog-publish").await;
    browser.goto(&app.url(&format!("/#/product/{}", ids[2]))).await;
    browser.wait_for_text("#product-listings", "не опубликован").await;
    let publish_one = browser.find("#product-listings button").await;
    browser.click(&publish_one).await;
    browser
        .wait_for_text("#product-publish-message", "Опубликовано в «Основной WB»")
        .await;
    // Three listings (the read model shows the last one a moment after the mutation), each card
    // created on the fake.
    gomarket_testkit::eventually(std::time::Duration::from_secs(90), "three cards created", || async {
        let listed = app
            .graphql(
                "query($a: ID!) { listings(accountId: $a) { nodes { state } } }",
                json!({ "a": account }),
            )
            .await;
        let states = listed["data"]["listings"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if states.len() == 3 && states.iter().all(|l| l["state"] == "CREATED") {
            Ok(())
        } else {
            Err(listed)
        }
    })
    .await;
    // The product page shows where it is listed (by way of another page: going to the same
    // address does not load it again).
    browser.goto(&app.url("/#/marketplaces")).await;
    browser.goto(&app.url(&format!("/#/product/{}", ids[2]))).await;
    let listings = browser.wait_for_text("#product-listings", "карточка создана").await;
    assert!(listings.contains("Основной WB"), "{listings}");
    browser.screenshot("console-product-listings").await;
    browser.goto(&app.url(&format!("/#/listings/{account}?errors=0"))).await;
    let table = browser.wait_for_text("#listings-table", "карточка создана").await;
    assert_eq!(table.matches("карточка создана").count(), 3, "{table}");
    browser.screenshot("console-listings").await;
    browser.goto(&app.url("/#/marketplaces")).await;
    let accounts = browser.wait_for_text("#accounts-table", "Основной WB").await;
    assert!(
        !accounts.contains("wb-console-token"),
        "the token is never shown: {accounts}"
    );
    browser.screenshot("console-marketplaces").await;

    // A viewer: the same pages without a single action, and an action forced from the page's
    // own API client is refused with the API's message.
    app.user_with_roles("viewer@shop.ru", &["VIEWER"]).await;
    let logout = browser.find(".bar .who button").await;
    browser.click(&logout).await;
    browser.wait_for_text("h1", "Вход").await;
    log_in(&browser, "viewer@shop.ru", "viewer@shop.ru-password").await;
    browser.wait_for_text("#accounts-table", "Основной WB").await;
    for page in ["/#/marketplaces", "/#/suppliers", "/#/catalog"] {
        browser.goto(&app.url(page)).await;
        browser.find("main h1").await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let buttons = browser.all("main button, main form:not([role=search])").await;
        let mut texts = Vec::new();
        for button in &buttons {
            texts.push(browser.text(button).await);
        }
        // Paging buttons are navigation, not actions.
        texts.retain(|t| !t.contains("Назад") && !t.contains("Дальше") && !t.is_empty());
        assert!(texts.is_empty(), "{page}: a viewer is offered {texts:?}");
    }
    // Users: a viewer manages no one (its own API keys it may create, within its rights).
    browser.goto(&app.url("/#/users")).await;
    browser.wait_for_text("h1", "Ключи API").await;
    assert!(browser.all("#users-table, #user-form").await.is_empty());
    browser.screenshot("console-viewer").await;
    let forced = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             import('/console/js/api.js')
               .then((api) => api.gql('mutation { registerSupplier(input: {name: \"X\", kind: YML, url: \"https://example.com/x.yml\"}) { errors { message } } }'))
               .then(() => done('accepted'), (e) => done(`${e.code}: ${e.message}`));",
            json!([]),
        )
        .await;
    let forced = forced.as_str().unwrap_or_default().to_owned();
    assert!(forced.starts_with("FORBIDDEN: "), "{forced}");
    assert!(forced.contains("suppliers:write"), "the API's own message: {forced}");
    browser.quit().await;
}

#[tokio::test]
async fn a_policy_created_on_the_page_explains_edits_live_runs_and_a_held_price_is_approved() {
    let fake = WbFake::start().await;
    let app = app_for(&fake).await;
    let server = FeedServer::start().await;
    // Purchase prices 1 000 ₽ + 100 ₽ × i, stock 5 + i.
    let mut offers: Vec<Option<(i64, i64)>> = (0..5).map(|i| Some((1_000 + 100 * i, 5 + i))).collect();
    server.set_feed(feed(&offers));
    register_supplier(&app, &server.url("/feed.yml")).await;
    map_category(&app).await;
    connect(&app, "WB", "wb-token.eyJzeW5jIjoxfQ").await;

    let browser = Browser::start(1280, 800).await;
    browser.goto(&app.url("/#/sync")).await;
    browser.wait_for_text("h1", "Вход").await;
    log_in(&browser, "admin", ADMIN_PASSWORD).await;
    browser.wait_for_text("#policies-empty", "Новая политика").await;
    let create = browser.find("#policy-new").await;
    browser.click(&create).await;
    browser.wait_for_text("h1", "Новая политика").await;
    let name = browser.find("#policy-name").await;
    browser.type_into(&name, "Север → WB").await;
    let ticked = browser
        .execute_async(
            "arguments[0](document.querySelector('#policy-suppliers input[type=checkbox]').checked)",
            json!([]),
        )
        .await;
    assert_eq!(ticked, json!(true), "the only supplier is ticked");
    let save = browser.find("#policy-save").await;
    browser.click(&save).await;
    browser.wait_for_text("h1", "Север → WB").await;
    assert!(browser.url().await.contains("#/policy/"), "{}", browser.url().await);

    // The seed formula for 1 000 ₽ (worked out in the pricing tests): 1 789,78 ₽.
    browser.wait_for_text("#explain-result", "1 789,78").await;
    let sample = browser.find("#explain-purchase").await;
    browser.clear(&sample).await;
    browser.type_into(&sample, "2000").await;
    let explained = browser.wait_for_text("#explain-result", "purchase price 2000.00").await;
    assert!(
        !explained.contains("1 789,78"),
        "the explanation follows the input: {explained}"
    );
    // Editing a rule explains with the edited rule before it is saved.
    let discount = browser.find("#policy-discount").await;
    browser.clear(&discount).await;
    browser.type_into(&discount, "20").await;
    browser.wait_for_text("#explain-result", "скидка 20 %").await;
    browser.screenshot("console-policy").await;
    let unsaved = app
        .graphql("{ syncPolicies { pricing { discountPercent } } }", json!({}))
        .await;
    assert_eq!(
        unsaved["data"]["syncPolicies"][0]["pricing"]["discountPercent"], 0,
        "not saved yet: {unsaved}"
    );
    browser.clear(&discount).await;
    browser.type_into(&discount, "0").await;
    browser.wait_for_text("#explain-result", "скидка 0 %").await;
    let guard = browser.find("#policy-guard").await;
    browser.clear(&guard).await;
    browser.type_into(&guard, "40").await;
    let save = browser.find("#policy-save").await;
    browser.click(&save).await;
    browser.wait_for_text("#policy-message", "Сохранено").await;
    let saved = app
        .graphql("{ syncPolicies { priceDropGuardPercent } }", json!({}))
        .await;
    assert_eq!(
        saved["data"]["syncPolicies"][0]["priceDropGuardPercent"], 40.0,
        "{saved}"
    );

    let trigger = browser.find("#sync-trigger").await;
    browser.click(&trigger).await;
    // The page follows the run by itself until it ends (cards are created on the fake first).
    browser
        .wait_for_text_within("main", "завершена", std::time::Duration::from_secs(90))
        .await;
    let counts = browser.wait_for_text("main", "опубликовано 5").await;
    assert!(counts.contains("ошибок 0"), "{counts}");
    let items = browser.wait_for_text("#run-items", "опубликован").await;
    assert!(items.contains("GM-"), "items by their vendor codes: {items}");
    browser.screenshot("console-run").await;
    assert!(browser.url().await.contains("#/run/"), "{}", browser.url().await);

    // A 70 % cut of one purchase price is held (guard: 40 %); the run page shows the live and
    // the new price and the drop, and approving lets it go out.
    offers[2] = offers[2].map(|(price, stock)| (price * 3 / 10, stock));
    server.set_feed(feed(&offers));
    let back = browser.find("main p a").await;
    browser.click(&back).await;
    let trigger = browser.find("#sync-trigger").await;
    browser.click(&trigger).await;
    browser
        .wait_for_text_within("main", "завершена", std::time::Duration::from_secs(90))
        .await;
    browser.wait_for_text("main", "на утверждении 1").await;
    browser.wait_for_text("#run-items", "на утверждении").await;
    let drop = browser.find("#run-items tbody td strong").await;
    let drop = browser.text(&drop).await;
    assert!(drop.starts_with('−') && drop.ends_with('%'), "{drop}");
    browser.screenshot("console-run-held").await;
    let approve = browser.find("#run-approve").await;
    browser.click(&approve).await;
    browser
        .wait_for_text_within("main", "на утверждении 0", std::time::Duration::from_secs(90))
        .await;
    let done = browser
        .wait_for_text_within("main", "завершена", std::time::Duration::from_secs(90))
        .await;
    assert!(done.contains("обновлено 1"), "the approved price went out: {done}");
    browser.quit().await;
}

/// Moscow report time `minutes` from now (negative: before), as the statistics reports write it.
fn report_time(minutes: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(3) + chrono::Duration::minutes(minutes))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

#[tokio::test]
async fn today_updates_live_when_an_order_arrives_and_analytics_charts_it() {
    let wb = WbFake::start().await;
    let reports = SalesFake::start(100).await;
    let mut args = args_for(&wb);
    args.run_ingest = true;
    args.api.marketplace.wb_statistics_url = reports.url();
    args.api.marketplace.wb_tariffs_url = reports.url();
    args.api.marketplace.wb_analytics_url = reports.url();
    args.api.marketplace.wb_limits_divisor = 600;
    args.api.marketplace.ingest_interval_ms = 50;
    let app = TestApp::spawn_on(TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    map_category(&app).await;
    let ids = products(&app, 2).await;
    let account = connect(&app, "Основной WB", "wb-token.eyJ0b2RheSI6MX0").await;
    publish(&app, &account, &ids).await;
    wait_for(&app, &account, "cards created", |l| l["state"] == "CREATED").await;
    let nm_id = wb.nm_id_of("GM-KT-0000").expect("the card of KT-0000");

    let browser = Browser::start(1280, 800).await;
    browser.goto(&app.url("/#/")).await;
    browser.wait_for_text("h1", "Вход").await;
    log_in(&browser, "admin", ADMIN_PASSWORD).await;
    browser.wait_for_text("h1", "Сегодня").await;
    let tile = browser.wait_for_text("#tile-orders .value", "0").await;
    assert_eq!(tile, "0");

    // An order arrives in the marketplace's report; the tile changes with no reload. It is
    // placed now, in today's Moscow day (the tile's): not in the two minutes before midnight.
    let since_midnight =
        chrono::Timelike::num_seconds_from_midnight(&(chrono::Utc::now() + chrono::Duration::hours(3)).time());
    if since_midnight > 86_400 - 120 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(86_400 - since_midnight) + 5)).await;
    }
    reports.set_rows(
        ORDERS,
        vec![json!({
            "date": report_time(0), "lastChangeDate": report_time(0),
            "warehouseName": "Коледино", "regionName": "Московская",
            "supplierArticle": "GM-KT-0000", "nmId": nm_id, "barcode": ean13(0),
            "totalPrice": 2000, "discountPercent": 0, "spp": 0,
            "finishedPrice": 2000, "priceWithDisc": 2000,
            "isCancel": false, "cancelDate": "0001-01-01T00:00:00", "srid": "srid-console-1",
        })],
    );
    let before = browser.url().await;
    browser
        .wait_for_text_within("#tile-orders .value", "1", std::time::Duration::from_secs(60))
        .await;
    assert_eq!(browser.url().await, before, "the same page, not reloaded");
    browser.screenshot("console-today-live").await;

    // Analytics: the order by day, the article in the performance table, its own page.
    browser.goto(&app.url("/#/analytics")).await;
    let totals = browser.wait_for_text("#analytics-totals", "заказов 1").await;
    assert!(totals.contains("отмен 0"), "{totals}");
    let bars = browser.all("#analytics-charts svg rect").await;
    assert_eq!(
        bars.len(),
        3 * 30,
        "a bar per day of the 30 in each of the three charts"
    );
    let table = browser.wait_for_text("#performance-table", "Polaris PWK 0").await;
    assert!(table.contains("1"), "{table}");
    browser.screenshot("console-analytics").await;
    let sort = browser.find("#performance-table th button[aria-pressed=false]").await;
    let by = browser.text(&sort).await;
    browser.click(&sort).await;
    // The table drawn again, sorted by the header clicked.
    browser
        .wait_for_text("#performance-table th button[aria-pressed=true]", &by)
        .await;
    browser.wait_for_text("#performance-table", "Polaris PWK 0").await;
    assert!(
        !browser.url().await.contains("sort=REVENUE_DESC"),
        "{}",
        browser.url().await
    );
    let link = browser.find("#performance-table tbody a").await;
    browser.click(&link).await;
    browser.wait_for_text("#listing-title", "Polaris PWK 0").await;
    browser.wait_for_text("#listing-velocity", "шт./день").await;
    browser.screenshot("console-listing").await;
    browser.quit().await;
}

/// What makes a page fail on a phone or for a screen reader: content wider than the screen
/// (tables scroll inside their own box), fields without a label.
const LAYOUT_CHECK: &str = "
const done = arguments[arguments.length - 1];
const unlabeled = [...document.querySelectorAll('main input, main select, main textarea')]
  .filter((e) => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map((e) => e.id || e.outerHTML.slice(0, 80));
const wide = [...document.querySelectorAll('body *')]
  .filter((e) => !e.closest('.scroll') && e.getBoundingClientRect().right > window.innerWidth + 1)
  .map((e) => `${e.tagName}#${e.id}.${e.className}: ${e.getBoundingClientRect().right}`).slice(-5);
done({ overflow: document.documentElement.scrollWidth - window.innerWidth, unlabeled, wide });";

#[tokio::test]
async fn on_a_phone_every_page_fits_every_field_has_a_label_and_login_works_by_keyboard() {
    let fake = WbFake::start().await;
    let app = app_for(&fake).await;
    let ids = products(&app, 3).await;
    map_category(&app).await;
    let server = FeedServer::start().await;
    server.set_feed(feed(&[Some((1_000, 5))]));
    let supplier = register_supplier(&app, &server.url("/feed.yml")).await;
    let account = connect(&app, "WB", "wb-token.eyJwaG9uZSI6MX0").await;
    publish(&app, &account, &ids).await;
    let policy = crate::support::sync::upsert_policy(
        &app,
        json!({ "name": "Север → WB", "supplierIds": [supplier], "accountId": account }),
    )
    .await;

    let browser = Browser::phone().await;
    browser.goto(&app.url("/#/")).await;
    browser.wait_for_text("h1", "Вход").await;
    let width = browser
        .execute_async("arguments[0](window.innerWidth)", json!([]))
        .await;
    assert_eq!(width, json!(390), "a phone's width");
    // By keyboard: the login, Tab to the password, Enter submits.
    let email = browser.find("#login-email").await;
    browser.type_into(&email, "admin\u{E004}").await;
    let focused = browser
        .execute_async("arguments[0](document.activeElement.id)", json!([]))
        .await;
    assert_eq!(focused, json!("login-password"), "Tab moves to the password");
    let password = browser.find("#login-password").await;
    browser.type_into(&password, &format!("{ADMIN_PASSWORD}\u{E007}")).await;
    browser.wait_for_text("h1", "Сегодня").await;

    for page in [
        "/#/".to_owned(),
        "/#/catalog".to_owned(),
        format!("/#/product/{}", ids[0]),
        "/#/suppliers".to_owned(),
        format!("/#/supplier/{supplier}"),
        "/#/marketplaces".to_owned(),
        format!("/#/listings/{account}"),
        "/#/analytics".to_owned(),
        "/#/sync".to_owned(),
        format!("/#/policy/{policy}"),
        "/#/policy/new".to_owned(),
        "/#/users".to_owned(),
    ] {
        browser.goto(&app.url("/#/nowhere")).await;
        browser.wait_for_text("h1", "Нет такой страницы").await;
        browser.goto(&app.url(&page)).await;
        browser.find("main h1").await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let check = browser.execute_async(LAYOUT_CHECK, json!([])).await;
        assert!(
            check["overflow"].as_i64().is_some_and(|o| o <= 0),
            "{page} is wider than a phone: {check}"
        );
        assert_eq!(check["unlabeled"], json!([]), "{page}: fields without a label");
    }
    browser.goto(&app.url("/#/catalog")).await;
    browser.wait_for_text("#catalog-table", "Polaris").await;
    browser.screenshot("console-phone-catalog").await;
    browser.quit().await;
}
