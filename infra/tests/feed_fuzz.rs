//! Fuzzing the feed readers (YML, AN_MSC, Wholesaler): valid generated feeds, mutated —
//! truncated, bytes flipped, slices deleted or repeated, huge runs of one byte, bytes no
//! encoding defines, NULs, CSV and XML syntax dropped in, elements nested thousands deep — are
//! read to their end. Whatever the input:
//! - no reader panics or loops forever;
//! - every item is an offer or a rejection with a reason, or the feed's one error, with its
//!   reason, after which the reader yields nothing more;
//! - every offer can be stored (no NUL anywhere, a printable id and name within bounds);
//! - memory stays bounded: a mutated feed is a lazy stream (a huge run costs nothing until
//!   read), and the process's peak resident memory stays within [`MAX_GROWTH_MIB`] of where
//!   it started.
//!
//! The normal test run tries a bounded number of cases per reader (a few seconds in a debug
//! build). `GOMARKET_FUZZ_SECONDS=600` runs each reader for that long instead, with longer
//! runs of bytes (docs/operations.md, "Fuzzing the feed readers"). A failure prints the
//! shrunk case (seed feed and mutations) that reproduces it.

use gomarket_domain::catalog::SupplierOffer;
use gomarket_domain::supplier::FeedEncoding;
use gomarket_infra::supplier::generate::{FeedSpec, write_yml};
use gomarket_infra::supplier::generate_csv::{write_an_msc, write_wholesaler};
use gomarket_infra::supplier::limits::{MAX_FIELD_BYTES, MAX_OFFER_ID_BYTES, MAX_RECORD_BYTES};
use gomarket_infra::supplier::wholesaler::{FILES as WHOLESALER_FILES, WholesalerFiles, WholesalerReader};
use gomarket_infra::supplier::{AnMscReader, FeedError, FeedItem, ReaderContext, YmlReader};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How much the process's peak resident memory may grow over all cases.
const MAX_GROWTH_MIB: f64 = 150.0;
/// Cases per reader in the normal test run.
const BOUNDED_CASES: u32 = 256;
/// Items after which a reader is taken to loop forever.
const MAX_ITEMS: usize = 1_000_000;

/// `GOMARKET_FUZZ_SECONDS`: run each reader this long (unset: [`BOUNDED_CASES`] cases).
fn fuzz_seconds() -> Option<u64> {
    std::env::var("GOMARKET_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok())
}

/// Peak resident memory of this process so far, in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The peak when the first reader started.
fn baseline() -> f64 {
    static BASELINE: OnceLock<f64> = OnceLock::new();
    *BASELINE.get_or_init(peak_rss_mib)
}

fn context() -> ReaderContext {
    ReaderContext {
        supplier_id: uuid::Uuid::from_u128(42),
        image_url_template: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Mutated feeds as lazy streams

/// A piece of a mutated feed.
#[derive(Debug, Clone)]
enum Piece {
    /// A range of the seed feed.
    Seed(usize, usize),
    /// One byte, repeated.
    Run(u8, usize),
    Bytes(Arc<[u8]>),
}

impl Piece {
    fn len(&self) -> usize {
        match self {
            Self::Seed(from, to) => to - from,
            Self::Run(_, len) => *len,
            Self::Bytes(bytes) => bytes.len(),
        }
    }

    /// The piece cut at `at` (0 < at < len).
    fn split(&self, at: usize) -> (Self, Self) {
        match self {
            Self::Seed(from, to) => (Self::Seed(*from, from + at), Self::Seed(from + at, *to)),
            Self::Run(byte, len) => (Self::Run(*byte, at), Self::Run(*byte, len - at)),
            Self::Bytes(bytes) => (Self::Bytes(bytes[..at].into()), Self::Bytes(bytes[at..].into())),
        }
    }
}

/// One change to a feed. Places are fractions of the feed's length, so a mutation means the
/// same on any seed.
#[derive(Debug, Clone)]
enum Mutation {
    /// Everything from here on is lost (a broken upload).
    Truncate(f64),
    Flip(f64, u8),
    Delete(f64, usize),
    /// A slice of the feed again, `times` times.
    Repeat(f64, usize, usize),
    Insert(f64, Vec<u8>),
    /// `len` times one byte: a huge field, line, text node.
    Run(f64, u8, usize),
    /// Elements opened `depth` deep (and, if `close`, closed again).
    Nest(f64, usize, bool),
}

#[derive(Debug, Clone)]
struct Mutated {
    seed: Arc<[u8]>,
    pieces: Vec<Piece>,
}

impl Mutated {
    fn new(seed: Arc<[u8]>) -> Self {
        let len = seed.len();
        Self {
            seed,
            pieces: vec![Piece::Seed(0, len)],
        }
    }

    fn len(&self) -> usize {
        self.pieces.iter().map(Piece::len).sum()
    }

    fn place(&self, at: f64) -> usize {
        ((self.len() as f64) * at.clamp(0.0, 1.0)) as usize
    }

    /// The index of the piece that starts at `at`, splitting one if need be.
    fn cut(&mut self, at: usize) -> usize {
        let mut start = 0;
        for i in 0..self.pieces.len() {
            let len = self.pieces[i].len();
            if at == start {
                return i;
            }
            if at < start + len {
                let (head, tail) = self.pieces[i].split(at - start);
                self.pieces[i] = head;
                self.pieces.insert(i + 1, tail);
                return i + 1;
            }
            start += len;
        }
        self.pieces.len()
    }

    /// The bytes from `from` to `to` of the feed.
    fn bytes_of(&self, from: usize, to: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut reader = self.stream();
        let mut buf = vec![0; 64 * 1024];
        let mut position = 0;
        while position < to {
            let n = reader.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            let low = from.saturating_sub(position).min(n);
            let high = to.saturating_sub(position).min(n);
            out.extend_from_slice(&buf[low..high.max(low)]);
            position += n;
        }
        out
    }

    fn apply(&mut self, mutation: &Mutation) {
        match *mutation {
            Mutation::Truncate(at) => {
                let i = self.cut(self.place(at));
                self.pieces.truncate(i);
            }
            Mutation::Flip(at, byte) => {
                let at = self.place(at);
                if at < self.len() {
                    let i = self.cut(at);
                    self.cut(at + 1);
                    self.pieces[i] = Piece::Bytes(vec![byte].into());
                }
            }
            Mutation::Delete(at, len) => {
                let at = self.place(at);
                let from = self.cut(at);
                let to = self.cut((at + len).min(self.len()));
                self.pieces.drain(from..to);
            }
            Mutation::Repeat(at, len, times) => {
                let at = self.place(at);
                let slice: Arc<[u8]> = self.bytes_of(at, (at + len).min(self.len())).into();
                let i = self.cut(at);
                for _ in 0..times {
                    self.pieces.insert(i, Piece::Bytes(slice.clone()));
                }
            }
            Mutation::Insert(at, ref bytes) => {
                let i = self.cut(self.place(at));
                self.pieces.insert(i, Piece::Bytes(bytes.clone().into()));
            }
            Mutation::Run(at, byte, len) => {
                let i = self.cut(self.place(at));
                self.pieces.insert(i, Piece::Run(byte, len));
            }
            Mutation::Nest(at, depth, close) => {
                let mut bytes = b"<a>".repeat(depth);
                if close {
                    bytes.extend(b"</a>".repeat(depth));
                }
                let i = self.cut(self.place(at));
                self.pieces.insert(i, Piece::Bytes(bytes.into()));
            }
        }
    }

    fn stream(&self) -> Stream {
        Stream {
            seed: self.seed.clone(),
            pieces: self.pieces.clone(),
            piece: 0,
            offset: 0,
        }
    }

    /// Writes the feed to `path`, a chunk at a time.
    fn write_to(&self, path: &Path) {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        std::io::copy(&mut self.stream(), &mut out).unwrap();
    }
}

/// A mutated feed read lazily: runs are produced as they are read.
struct Stream {
    seed: Arc<[u8]>,
    pieces: Vec<Piece>,
    piece: usize,
    offset: usize,
}

impl Read for Stream {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while let Some(piece) = self.pieces.get(self.piece) {
            let left = piece.len() - self.offset;
            if left == 0 {
                self.piece += 1;
                self.offset = 0;
                continue;
            }
            let n = left.min(out.len());
            match piece {
                Piece::Seed(from, _) => {
                    let from = from + self.offset;
                    out[..n].copy_from_slice(&self.seed[from..from + n]);
                }
                Piece::Run(byte, _) => out[..n].fill(*byte),
                Piece::Bytes(bytes) => out[..n].copy_from_slice(&bytes[self.offset..self.offset + n]),
            }
            self.offset += n;
            return Ok(n);
        }
        Ok(0)
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Bytes and snippets that mean something to a reader, or to a decoder.
fn snippet() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"\x00".to_vec()),
        Just(b"\x98".to_vec()),
        Just(b"\xff\xfe".to_vec()),
        Just(b"\xc3".to_vec()),
        Just(b"\xef\xbb\xbf".to_vec()),
        Just(b"\"".to_vec()),
        Just(b";".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"<".to_vec()),
        Just(b"&".to_vec()),
        Just(b"&#0;".to_vec()),
        Just(b"&#xFFFFFFFF;".to_vec()),
        Just(b"&unknown;".to_vec()),
        Just(b"<![CDATA[".to_vec()),
        Just(b"]]>".to_vec()),
        Just(b"<!--".to_vec()),
        Just(b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">]>".to_vec()),
        Just(b"<offer id=\"fuzz\"><name>".to_vec()),
        Just(b"</offer>".to_vec()),
        Just(b"<outlet instock=\"18446744073709551615\"/>".to_vec()),
        Just(b"<category id=\"1\" parentId=\"1\">loop</category>".to_vec()),
        Just(b"<?xml version=\"1.0\" encoding=\"windows-1251\"?>".to_vec()),
        Just(b"NULL".to_vec()),
        Just("много".as_bytes().to_vec()),
        Just(b"99999999999999999999999".to_vec()),
        Just(b"-1".to_vec()),
        proptest::collection::vec(any::<u8>(), 1..64),
    ]
}

fn run_length(long: bool) -> BoxedStrategy<usize> {
    // Long runs reach past the memory bound: a reader that kept one would fail the case.
    let huge = if long { 256 * 1024 * 1024 } else { 3 * MAX_RECORD_BYTES };
    prop_oneof![
        8 => 1..4096_usize,
        2 => MAX_FIELD_BYTES - 16..MAX_FIELD_BYTES + 16,
        1 => MAX_RECORD_BYTES..huge,
    ]
    .boxed()
}

fn mutation(long: bool) -> impl Strategy<Value = Mutation> {
    let at = 0.0..1.0_f64;
    prop_oneof![
        2 => at.clone().prop_map(Mutation::Truncate),
        4 => (at.clone(), any::<u8>()).prop_map(|(at, b)| Mutation::Flip(at, b)),
        2 => (at.clone(), 1..512_usize).prop_map(|(at, len)| Mutation::Delete(at, len)),
        1 => (at.clone(), 1..256_usize, 1..64_usize).prop_map(|(at, len, times)| Mutation::Repeat(at, len, times)),
        5 => (at.clone(), snippet()).prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        2 => (at.clone(), prop_oneof![Just(b'x'), Just(b';'), Just(b'"'), Just(b'\n'), Just(b'<'), Just(0xd0_u8), any::<u8>()], run_length(long))
            .prop_map(|(at, byte, len)| Mutation::Run(at, byte, len)),
        1 => (at, 1..5000_usize, any::<bool>()).prop_map(|(at, depth, close)| Mutation::Nest(at, depth, close)),
    ]
}

fn mutations(long: bool) -> impl Strategy<Value = Vec<Mutation>> {
    proptest::collection::vec(mutation(long), 0..6)
}

fn encoding() -> impl Strategy<Value = FeedEncoding> {
    prop_oneof![
        Just(FeedEncoding::Auto),
        Just(FeedEncoding::Utf8),
        Just(FeedEncoding::Windows1251)
    ]
}

// ---------------------------------------------------------------------------------------------
// What must hold

/// Every text an offer carries to storage.
fn texts(offer: &SupplierOffer) -> Vec<&str> {
    let details = &offer.details;
    let mut texts = vec![
        offer.link.supplier_sku.as_str(),
        offer.sku.as_str(),
        details.title.as_str(),
    ];
    texts.extend(details.brand.as_ref().map(|b| b.as_str()));
    texts.extend(details.description.as_ref().map(|d| d.as_str()));
    texts.extend(details.category.as_ref().map(|c| c.as_str()));
    texts.extend(details.barcodes.iter().map(|b| b.as_str()));
    texts.extend(offer.content.images.iter().map(String::as_str));
    for (name, value) in &offer.content.attributes {
        texts.push(name);
        texts.push(value);
    }
    texts.extend(offer.stock_by_warehouse.keys().map(String::as_str));
    texts
}

fn check_offer(offer: &SupplierOffer) -> Result<(), TestCaseError> {
    let sku = &offer.link.supplier_sku;
    prop_assert!(
        !sku.is_empty() && sku.len() <= MAX_OFFER_ID_BYTES,
        "offer id of {} bytes",
        sku.len()
    );
    for required in [sku.as_str(), offer.sku.as_str(), offer.details.title.as_str()] {
        prop_assert!(
            !required.chars().any(char::is_control),
            "a control character in {required:?}"
        );
    }
    let texts = texts(offer);
    prop_assert!(!texts.iter().any(|t| t.contains('\0')), "a NUL in an offer: {offer:?}");
    let size: usize = texts.iter().map(|t| t.len()).sum();
    prop_assert!(size <= 2 * MAX_RECORD_BYTES, "an offer holding {size} bytes");
    Ok(())
}

/// Reads `items` to their end and checks each; returns (offers, rejections, error).
fn check_items(
    items: impl Iterator<Item = Result<FeedItem, FeedError>>,
) -> Result<(usize, usize, Option<FeedError>), TestCaseError> {
    let (mut offers, mut rejections, mut error) = (0, 0, None);
    for (count, item) in items.enumerate() {
        prop_assert!(count < MAX_ITEMS, "the reader does not end");
        prop_assert!(error.is_none(), "an item after the feed's error {error:?}");
        match item {
            Ok(FeedItem::Offer { offer, .. }) => {
                check_offer(&offer)?;
                offers += 1;
            }
            Ok(FeedItem::Rejected(rejection)) => {
                prop_assert!(!rejection.message.is_empty(), "a rejection without a reason");
                prop_assert!(
                    rejection.message.len() <= MAX_RECORD_BYTES,
                    "a rejection message of {} bytes",
                    rejection.message.len()
                );
                rejections += 1;
            }
            Err(e) => {
                prop_assert!(!e.to_string().is_empty());
                error = Some(e);
            }
        }
    }
    let growth = peak_rss_mib() - baseline();
    prop_assert!(growth <= MAX_GROWTH_MIB, "peak memory grew by {growth:.0} MiB");
    Ok((offers, rejections, error))
}

// ---------------------------------------------------------------------------------------------
// Running

/// Runs `test` on `strategy`: [`BOUNDED_CASES`] cases, or batches of cases until
/// `GOMARKET_FUZZ_SECONDS` have passed.
fn fuzz<S: Strategy>(reader: &str, strategy: impl Fn(bool) -> S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    baseline();
    let config = |cases| Config {
        cases,
        failure_persistence: None,
        // A failure is shrunk for a while, not forever.
        max_shrink_time: 60_000,
        ..Config::default()
    };
    let started = Instant::now();
    let mut cases = 0_u64;
    match fuzz_seconds() {
        None => {
            let mut runner = TestRunner::new(config(BOUNDED_CASES));
            if let Err(failure) = runner.run(&strategy(false), &test) {
                panic!("{reader}: {failure}");
            }
            cases += u64::from(BOUNDED_CASES);
        }
        Some(seconds) => {
            let deadline = started + Duration::from_secs(seconds);
            while Instant::now() < deadline {
                let mut runner = TestRunner::new(config(64));
                if let Err(failure) = runner.run(&strategy(true), &test) {
                    panic!("{reader}: after {cases} cases: {failure}");
                }
                cases += 64;
            }
        }
    }
    eprintln!(
        "{reader}: {cases} cases in {:.1} s, peak RSS +{:.1} MiB",
        started.elapsed().as_secs_f64(),
        peak_rss_mib() - baseline()
    );
}

fn spec(offers: usize, seed: u64, windows_1251: bool) -> FeedSpec {
    let mut spec = FeedSpec::new(offers, seed);
    spec.broken_every = Some(7);
    spec.windows_1251 = windows_1251;
    spec
}

fn yml_seed(seed: u64, windows_1251: bool) -> Arc<[u8]> {
    let mut bytes = Vec::new();
    write_yml(&spec(24, seed, windows_1251), &mut bytes).unwrap();
    bytes.into()
}

#[test]
fn the_yml_reader_takes_any_mutated_feed() {
    let seeds: Vec<Arc<[u8]>> = vec![yml_seed(1, false), yml_seed(2, true)];
    let strategy = |long| (0..seeds.len(), mutations(long));
    fuzz("YML", strategy, |(seed, mutations)| {
        let mut feed = Mutated::new(seeds[seed].clone());
        for mutation in &mutations {
            feed.apply(mutation);
        }
        let input = std::io::BufReader::with_capacity(64 * 1024, feed.stream());
        check_items(YmlReader::new(input, context()))?;
        Ok(())
    });
}

#[test]
fn the_an_msc_reader_takes_any_mutated_feed() {
    let seed = |windows_1251| -> Arc<[u8]> {
        let mut bytes = Vec::new();
        write_an_msc(&spec(24, 5, windows_1251), &mut bytes).unwrap();
        bytes.into()
    };
    let seeds = [seed(true), seed(false)];
    let strategy = |long| (0..seeds.len(), encoding(), mutations(long));
    fuzz("AN_MSC", strategy, |(seed, encoding, mutations)| {
        let mut feed = Mutated::new(seeds[seed].clone());
        for mutation in &mutations {
            feed.apply(mutation);
        }
        check_items(AnMscReader::new(feed.stream(), encoding, context()))?;
        Ok(())
    });
}

#[test]
fn the_wholesaler_reader_takes_any_mutated_set() {
    let folder = std::env::temp_dir().join(format!("gomarket-fuzz-seed-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).unwrap();
    write_wholesaler(&spec(24, 9, true), &folder).unwrap();
    let seeds: Vec<Arc<[u8]>> = WHOLESALER_FILES
        .iter()
        .map(|name| std::fs::read(folder.join(name)).unwrap().into())
        .collect();
    let _ = std::fs::remove_dir_all(&folder);
    // Each of the four files gets its own mutations (most cases leave most files whole).
    let strategy = |long| {
        (
            encoding(),
            proptest::collection::vec(prop_oneof![3 => Just(vec![]), 1 => mutations(long)], 4),
        )
    };
    fuzz("Wholesaler", strategy, |(encoding, per_file)| {
        let dir = std::env::temp_dir().join(format!("gomarket-fuzz-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let paths: Vec<_> = WHOLESALER_FILES.iter().map(|name| dir.join(name)).collect();
        for ((seed, mutations), path) in seeds.iter().zip(&per_file).zip(&paths) {
            let mut feed = Mutated::new(seed.clone());
            for mutation in mutations {
                feed.apply(mutation);
            }
            feed.write_to(path);
        }
        let files = WholesalerFiles {
            info: paths[0].clone(),
            prices: paths[1].clone(),
            stock: paths[2].clone(),
            descriptions: paths[3].clone(),
        };
        let outcome = match WholesalerReader::new(&files, encoding, context()) {
            Ok(reader) => check_items(reader).map(drop),
            Err(error) => {
                prop_assert!(!error.to_string().is_empty());
                Ok(())
            }
        };
        let _ = std::fs::remove_dir_all(&dir);
        outcome
    });
}

#[test]
fn the_mutated_stream_is_the_feed_with_its_mutations() {
    let seed: Arc<[u8]> = b"0123456789abcdef".to_vec().into();
    let mut feed = Mutated::new(seed);
    let steps = [
        (Mutation::Insert(0.5, b"XY".to_vec()), "01234567XY89abcdef"),
        (Mutation::Flip(0.0, b'z'), "z1234567XY89abcdef"),
        (Mutation::Delete(0.5, 2), "z1234567X9abcdef"),
        (Mutation::Run(0.25, b'-', 2), "z123--4567X9abcdef"),
        (Mutation::Repeat(0.0, 2, 2), "z1z1z123--4567X9abcdef"),
        (Mutation::Nest(1.0, 2, true), "z1z1z123--4567X9abcdef<a><a></a></a>"),
        (Mutation::Truncate(0.25), "z1z1z123-"),
    ];
    for (mutation, expected) in steps {
        feed.apply(&mutation);
        let mut bytes = Vec::new();
        feed.stream().read_to_end(&mut bytes).unwrap();
        assert_eq!(String::from_utf8(bytes).unwrap(), expected, "{mutation:?}");
        assert_eq!(feed.len(), expected.len());
    }
}
