//! What every feed reader yields: normalized offers, or rejections with a reason, one by one.

use gomarket_domain::catalog::SupplierOffer;
use std::fmt;

/// Why an offer was rejected. Stable names: clients filter on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectReason {
    MissingId,
    MissingTitle,
    MissingPrice,
    BadPrice,
    BadBarcode,
    BadStock,
    BadCurrency,
    DuplicateSkuInFeed,
    /// A field is longer than [`super::limits::MAX_FIELD_BYTES`] (or an id longer than
    /// [`super::limits::MAX_OFFER_ID_BYTES`]); the message names the field.
    FieldTooLong,
    /// The offer as a whole (a CSV row, an `<offer>`) is longer than
    /// [`super::limits::MAX_RECORD_BYTES`].
    RecordTooLong,
    /// A required text (the name, the id) holds what no text may: a control character such as
    /// NUL, a byte the feed's encoding does not define, or bytes that do not decode.
    InvalidText,
}

impl RejectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingId => "MISSING_ID",
            Self::MissingTitle => "MISSING_TITLE",
            Self::MissingPrice => "MISSING_PRICE",
            Self::BadPrice => "BAD_PRICE",
            Self::BadBarcode => "BAD_BARCODE",
            Self::BadStock => "BAD_STOCK",
            Self::BadCurrency => "BAD_CURRENCY",
            Self::DuplicateSkuInFeed => "DUPLICATE_SKU_IN_FEED",
            Self::FieldTooLong => "FIELD_TOO_LONG",
            Self::RecordTooLong => "RECORD_TOO_LONG",
            Self::InvalidText => "INVALID_TEXT",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An offer the import cannot take, with where it was and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 1-based line of the feed where the offer starts.
    pub line: u64,
    /// The supplier's id of the offer, when it had one.
    pub supplier_sku: Option<String>,
    pub reason: RejectReason,
    pub message: String,
}

/// One item of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedItem {
    Offer { line: u64, offer: Box<SupplierOffer> },
    Rejected(Rejection),
}

/// Why a whole feed could not be read: the import fails with this reason.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("the feed is not a {expected} feed: {found}")]
    NotAFeed { expected: &'static str, found: String },
    #[error("the feed is malformed near line {line}: {message}")]
    Malformed { line: u64, message: String },
    #[error("{} cannot be opened", path.display())]
    Open {
        path: std::path::PathBuf,
        #[source]
        cause: std::io::Error,
    },
    #[error("reading the feed failed")]
    Io(#[from] std::io::Error),
}

/// A feed file opened for reading through a large buffer (feeds are read front to back).
pub(crate) fn open_buffered(path: &std::path::Path) -> Result<std::io::BufReader<std::fs::File>, FeedError> {
    std::fs::File::open(path)
        .map(|f| std::io::BufReader::with_capacity(256 * 1024, f))
        .map_err(|cause| FeedError::Open {
            path: path.to_owned(),
            cause,
        })
}

/// The reasons of `items`, which must all be rejections (for readers' tests).
#[cfg(test)]
pub(crate) fn rejection_reasons(items: &[FeedItem]) -> Vec<RejectReason> {
    items
        .iter()
        .map(|item| match item {
            FeedItem::Rejected(r) => r.reason,
            other => panic!("not a rejection: {other:?}"),
        })
        .collect()
}
