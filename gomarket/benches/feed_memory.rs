//! Feed readers keep memory bounded whatever the feed size: peak resident memory of parsing
//! and normalizing a 10 000-offer feed against a 1 000 000-offer one, YML and AN_MSC.
//!
//!   cargo bench -p gomarket --bench feed_memory
//!
//! Each parse runs in a fresh child process (this same binary), so each peak (VmHWM) is its
//! own. The Wholesaler set is left out on purpose: its reader keeps prices and stock in memory
//! to join the four files (see docs/decisions.md).

#[path = "common/rss.rs"]
mod rss;

use gomarket_domain::supplier::FeedEncoding;
use gomarket_infra::supplier::generate::{FeedSpec, write_yml};
use gomarket_infra::supplier::generate_csv::write_an_msc;
use gomarket_infra::supplier::{AnMscReader, FeedItem, ReaderContext, YmlReader};
use rss::peak_rss_mib;
use std::io::BufReader;
use std::path::Path;
use std::time::Instant;

const CHILD: &str = "GOMARKET_FEED_MEMORY_CHILD";

/// In the child: parse the feed, print "offers peak_mib".
fn parse(format: &str, path: &Path) {
    let context = ReaderContext {
        supplier_id: uuid::Uuid::nil(),
        image_url_template: None,
    };
    let input = BufReader::with_capacity(256 * 1024, std::fs::File::open(path).unwrap());
    let items: Box<dyn Iterator<Item = _>> = match format {
        "yml" => Box::new(YmlReader::new(input, context)),
        _ => Box::new(AnMscReader::new(input, FeedEncoding::Auto, context)),
    };
    let offers = items.filter(|i| matches!(i, Ok(FeedItem::Offer { .. }))).count();
    println!("{offers} {:.1}", peak_rss_mib());
}

fn measure(format: &str, path: &Path) -> (usize, f64, f64) {
    let started = Instant::now();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .env(CHILD, format!("{format}:{}", path.display()))
        .output()
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let text = String::from_utf8(output.stdout).unwrap();
    let mut parts = text.split_whitespace();
    let offers = parts
        .next()
        .and_then(|o| o.parse().ok())
        .expect("child printed its count");
    let peak = parts
        .next()
        .and_then(|p| p.parse().ok())
        .expect("child printed its peak");
    (offers, peak, seconds)
}

fn main() {
    if let Ok(job) = std::env::var(CHILD) {
        let (format, path) = job.split_once(':').unwrap();
        return parse(format, Path::new(path));
    }
    let dir = std::env::temp_dir().join(format!("gomarket-feed-memory-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    println!("| format | offers | feed size | parsed offers | peak RSS | time |");
    println!("|---|---|---|---|---|---|");
    for format in ["yml", "an-msc"] {
        for offers in [10_000, 1_000_000] {
            let path = dir.join(format!("{offers}.{format}"));
            let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
            let spec = FeedSpec::new(offers, 5);
            match format {
                "yml" => write_yml(&spec, &mut out).unwrap(),
                _ => write_an_msc(&spec, &mut out).unwrap(),
            };
            drop(out);
            let size = std::fs::metadata(&path).unwrap().len() as f64 / 1048576.0;
            let (parsed, peak, seconds) = measure(format, &path);
            println!("| {format} | {offers} | {size:.1} MiB | {parsed} | {peak:.1} MiB | {seconds:.1} s |");
            std::fs::remove_file(&path).unwrap();
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}
