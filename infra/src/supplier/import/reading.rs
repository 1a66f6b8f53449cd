//! Reading a downloaded feed from its local files: the reader of each format, the first pass
//! that reads it through to its end, and the second pass's reader thread that hands chunks of
//! items to the writer.

use crate::supplier::an_msc::AnMscReader;
use crate::supplier::feed::{FeedError, FeedItem};
use crate::supplier::offer_builder::ReaderContext;
use crate::supplier::wholesaler::{WholesalerFiles, WholesalerReader};
use crate::supplier::yml::YmlReader;
use gomarket_domain::supplier::{FeedEncoding, FeedKind};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The items of one feed, in feed order.
pub type FeedItems = Box<dyn Iterator<Item = Result<FeedItem, FeedError>>>;

/// A feed on local disk and how to read it.
#[derive(Debug, Clone)]
pub struct LocalFiles {
    pub kind: FeedKind,
    pub encoding: FeedEncoding,
    /// One file, or the Wholesaler set in [`crate::supplier::wholesaler::FILES`] order.
    pub paths: Vec<PathBuf>,
    pub context: ReaderContext,
}

/// Opens the reader of a feed. The importer uses [`FormatReaders`]; the seam exists so that a
/// reader's failure modes (a panic included) can be shown to fail an import cleanly.
pub trait OpenReader: Send + Sync + 'static {
    fn open(&self, feed: &LocalFiles) -> Result<FeedItems, FeedError>;
}

/// The reader of each supported format.
#[derive(Debug, Clone, Copy, Default)]
pub struct FormatReaders;

impl OpenReader for FormatReaders {
    fn open(&self, feed: &LocalFiles) -> Result<FeedItems, FeedError> {
        let open = crate::supplier::feed::open_buffered;
        let (paths, context) = (&feed.paths, feed.context.clone());
        Ok(match feed.kind {
            FeedKind::Yml => Box::new(YmlReader::new(open(&paths[0])?, context)),
            FeedKind::AnMscCsv => Box::new(AnMscReader::new(open(&paths[0])?, feed.encoding, context)),
            FeedKind::WholesalerCsv => {
                let files = WholesalerFiles {
                    info: paths[0].clone(),
                    prices: paths[1].clone(),
                    stock: paths[2].clone(),
                    descriptions: paths[3].clone(),
                };
                Box::new(WholesalerReader::new(&files, feed.encoding, context)?)
            }
        })
    }
}

/// Items the reader hands to the writer at a time.
const READ_CHUNK: usize = 500;

/// Reads a feed through to its end, writing nothing and keeping nothing (each item is
/// normalized and dropped, so memory stays flat); returns how many items it has, or why it
/// cannot be read to its end.
pub(super) fn read_through(readers: &dyn OpenReader, feed: &LocalFiles) -> Result<u64, FeedError> {
    let mut items = 0;
    for item in readers.open(feed)? {
        item?;
        items += 1;
    }
    Ok(items)
}

/// What the reader thread hands over: a chunk of items, or why reading stopped.
pub(super) type Chunk = Result<Vec<FeedItem>, FeedError>;

/// Reads `feed` on the blocking pool (the parsers are synchronous), handing chunks of items to
/// the returned receiver. The channel closes when the feed ends, after a read error, or when
/// the reader panics — which only the join handle tells apart, so the caller must await it.
pub(super) fn spawn_reader(readers: Arc<dyn OpenReader>, feed: LocalFiles) -> (mpsc::Receiver<Chunk>, JoinHandle<()>) {
    let (sender, receiver) = mpsc::channel::<Chunk>(4);
    let reader = tokio::task::spawn_blocking(move || {
        let items = match readers.open(&feed) {
            Ok(items) => items,
            Err(error) => {
                let _ = sender.blocking_send(Err(error));
                return;
            }
        };
        let mut chunk = Vec::with_capacity(READ_CHUNK);
        for item in items {
            match item {
                Ok(item) => {
                    chunk.push(item);
                    if chunk.len() == READ_CHUNK && sender.blocking_send(Ok(std::mem::take(&mut chunk))).is_err() {
                        return;
                    }
                }
                Err(error) => {
                    let _ = sender.blocking_send(Ok(std::mem::take(&mut chunk)));
                    let _ = sender.blocking_send(Err(error));
                    return;
                }
            }
        }
        let _ = sender.blocking_send(Ok(chunk));
    });
    (receiver, reader)
}

/// Each file's size and modification time, to tell a file changed between two reads.
pub(super) type Stamps = Vec<(u64, Option<std::time::SystemTime>)>;

pub(super) fn stamps(paths: &[PathBuf]) -> Result<Stamps, (PathBuf, std::io::Error)> {
    paths
        .iter()
        .map(|path| {
            std::fs::metadata(path)
                .map(|m| (m.len(), m.modified().ok()))
                .map_err(|e| (path.clone(), e))
        })
        .collect()
}
