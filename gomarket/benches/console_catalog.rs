//! The console's catalog page in a real headless Chromium, on the catalog `benches/scale`
//! loads (issue 22's speed goals):
//!
//!   cargo bench -p gomarket --bench console_catalog                       # 100 000 offers
//!   cargo bench -p gomarket --bench console_catalog -- --offers 1000000   # on demand
//!
//! Needs PostgreSQL like the tests and Debian's chromium-driver (GOMARKET_TEST_CHROMEDRIVER).
//! For the first page, each search typed a key at a time (a person's pace, 80 ms a key) and
//! each next page, it reads from the page's own Performance timeline:
//! - the GraphQL request's duration (Resource Timing);
//! - "first paint after the answer": from the moment the answer is parsed (`catalog-answer`
//!   mark in `pages/catalog.js`) to the first frame after the table is in the page
//!   (`catalog-paint` measure: requestAnimationFrame, then a task);
//! - whether typing was ever blocked: Event Timing entries over 16 ms (a frame; their duration
//!   runs to the next frame, so one frame is the floor), and Long Tasks (over 50 ms) on the
//!   page's main thread.
//!   Prints a table for BENCHMARKS.md.

// Shared with `scale.rs`, which reads every field of the load report.
#[allow(dead_code)]
#[path = "scale/load.rs"]
mod load;
#[path = "common/rss.rs"]
mod rss;

use clap::Parser;
use gomarket::app::Application;
use gomarket_infra::shutdown;
use gomarket_testkit::browser::Browser;
use serde_json::{Value, json};
use std::time::Duration;

const PASSWORD: &str = "benchmark admin password";

#[derive(Debug, Parser)]
struct Args {
    /// Offers in the generated feed (the catalog `scale` loads).
    #[arg(long, env = "GOMARKET_BENCH_OFFERS", default_value_t = 100_000)]
    offers: usize,
    /// Searches typed.
    #[arg(long, default_value_t = 8)]
    searches: usize,
    /// Ignored (cargo bench passes it).
    #[arg(long, hide = true)]
    bench: bool,
}

/// Installed once the console is open: collects slow input events and long tasks.
const OBSERVE: &str = "
const done = arguments[arguments.length - 1];
window.__bench = { events: [], longtasks: [] };
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__bench.events.push({ name: e.name, duration: e.duration }); })
  .observe({ type: 'event', durationThreshold: 16 });
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__bench.longtasks.push(e.duration); })
  .observe({ type: 'longtask' });
done(true);";

/// What happened since the last collection; clears it.
const COLLECT: &str = "
const done = arguments[arguments.length - 1];
setTimeout(() => {
  const paints = performance.getEntriesByName('catalog-paint').map((e) => e.duration);
  const requests = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/graphql')).map((e) => e.duration);
  performance.clearMeasures('catalog-paint');
  performance.clearResourceTimings();
  const b = window.__bench;
  done({ paints, requests, events: b.events.splice(0), longtasks: b.longtasks.splice(0) });
}, 100);";

const PAINTS: &str = "arguments[0](performance.getEntriesByName('catalog-paint').length)";

#[derive(Debug, Default)]
struct Step {
    requests: Vec<f64>,
    paints: Vec<f64>,
    slow_events: Vec<f64>,
    longtasks: Vec<f64>,
}

impl Step {
    fn add(&mut self, collected: &Value) {
        let numbers = |key: &str| -> Vec<f64> {
            collected[key]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default()
        };
        self.requests.extend(numbers("requests"));
        self.paints.extend(numbers("paints"));
        self.longtasks.extend(numbers("longtasks"));
        if let Some(events) = collected["events"].as_array() {
            self.slow_events
                .extend(events.iter().filter_map(|e| e["duration"].as_f64()));
        }
    }

    fn row(&self, name: &str) -> String {
        let summary = |values: &[f64]| -> String {
            if values.is_empty() {
                return "—".to_owned();
            }
            let mut sorted = values.to_vec();
            sorted.sort_by(f64::total_cmp);
            format!("{:.0} / {:.0} ms", sorted[sorted.len() / 2], sorted[sorted.len() - 1])
        };
        let max = |values: &[f64]| values.iter().copied().fold(0.0_f64, f64::max);
        format!(
            "| {name} | {} | {} | {} | {} | {} |",
            self.paints.len(),
            summary(&self.requests),
            summary(&self.paints),
            if self.slow_events.is_empty() {
                "under 16 ms".to_owned()
            } else {
                format!(
                    "{:.0} ms; {} of {} over 50 ms",
                    max(&self.slow_events),
                    self.slow_events.iter().filter(|d| **d > 50.0).count(),
                    self.slow_events.len()
                )
            },
            if self.longtasks.is_empty() {
                "none".to_owned()
            } else {
                format!("{} (max {:.0} ms)", self.longtasks.len(), max(&self.longtasks))
            },
        )
    }
}

async fn paints(browser: &Browser) -> u64 {
    browser.execute_async(PAINTS, json!([])).await.as_u64().unwrap_or(0)
}

/// Waits until the page has painted a result more than `before` times.
async fn painted_after(browser: &Browser, before: u64) {
    for _ in 0..600 {
        if paints(browser).await > before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no results painted in 30 s");
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let url = load::catalog(args.offers, PASSWORD).await;
    let mut serve = load::serve_args(PASSWORD);
    serve.run_scheduler = false;
    serve.run_ingest = false;
    let app = Application::build(&url, 20, &serve).await.unwrap();
    let pool = app.pool().clone();
    let base = format!("http://{}", app.local_addr());
    let (stop, signal) = shutdown::channel();
    let server = tokio::spawn(app.run(signal));
    let products: i64 = sqlx::query_scalar("SELECT count(*) FROM products")
        .fetch_one(&pool)
        .await
        .unwrap();
    // Words a seller would type: the first word of sampled titles, and brands.
    let titles: Vec<String> = sqlx::query_scalar(
        "SELECT title FROM products TABLESAMPLE SYSTEM (1) REPEATABLE (7) WHERE title <> '' LIMIT 200",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut words: Vec<String> = Vec::new();
    for title in &titles {
        for word in title.split_whitespace() {
            let word = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
            if word.chars().count() >= 5 && word.chars().all(char::is_alphabetic) && !words.contains(&word) {
                words.push(word);
                break;
            }
        }
        if words.len() >= args.searches {
            break;
        }
    }

    let browser = Browser::start(1280, 800).await;
    browser.goto(&format!("{base}/#/catalog")).await;
    browser.wait_for_text("h1", "Вход").await;
    let email = browser.find("#login-email").await;
    browser.type_into(&email, "admin").await;
    let password = browser.find("#login-password").await;
    browser.type_into(&password, PASSWORD).await;
    let submit = browser.find("form button[type=submit]").await;
    browser.click(&submit).await;
    browser.wait_for_text("#catalog-summary", "Найдено").await;
    browser.execute_async(OBSERVE, json!([])).await;
    browser.execute_async(COLLECT, json!([])).await;

    // The first page, opened afresh each time.
    let mut first = Step::default();
    for _ in 0..5 {
        browser.goto(&format!("{base}/#/suppliers")).await;
        browser.find("main h1").await;
        let before = paints(&browser).await;
        browser.goto(&format!("{base}/#/catalog")).await;
        painted_after(&browser, before).await;
        first.add(&browser.execute_async(COLLECT, json!([])).await);
    }

    // Searches typed a key at a time.
    let mut typed = Step::default();
    let search = browser.find("#catalog-search").await;
    for word in &words {
        browser.clear(&search).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        browser.execute_async(COLLECT, json!([])).await;
        let before = paints(&browser).await;
        for key in word.chars() {
            browser.type_into(&search, &key.to_string()).await;
            tokio::time::sleep(Duration::from_millis(80)).await;
        }
        painted_after(&browser, before).await;
        typed.add(&browser.execute_async(COLLECT, json!([])).await);
    }
    let summary = browser.text(&browser.find("#catalog-summary").await).await;

    // Next pages of the whole catalog.
    browser.clear(&search).await;
    let before = paints(&browser).await;
    browser.type_into(&search, " ").await;
    painted_after(&browser, before).await;
    browser.execute_async(COLLECT, json!([])).await;
    let mut paging = Step::default();
    for _ in 0..5 {
        let before = paints(&browser).await;
        let next = browser.find("#catalog-next").await;
        browser.click(&next).await;
        painted_after(&browser, before).await;
        paging.add(&browser.execute_async(COLLECT, json!([])).await);
    }
    browser.screenshot("bench-console-catalog").await;
    browser.quit().await;
    stop.trigger();
    server.await.unwrap().unwrap();

    println!(
        "## The console's catalog page in headless Chromium: {products} products, 50 a page\n\n\
         Searched: {}; the last search's page said \"{summary}\".\n",
        words.join(", ")
    );
    println!(
        "| step | results painted | GraphQL request p50 / max | first paint after the answer p50 / max | slowest input event (of those over 16 ms) | long tasks |"
    );
    println!("|---|---|---|---|---|---|");
    println!("{}", first.row("open the catalog (first page)"));
    println!("{}", typed.row("type a search, a key per 80 ms"));
    println!("{}", paging.row("next page"));
}
