use super::SupplierOffer;
use crate::catalog::values::{Barcode, Brand, CategoryPath, Description, Kopecks, Quantity, Sku, Title};

/// The descriptive part of a product, replaced as a whole by `UpdateDetails`. (`Serialize`:
/// an import fingerprints the offers it carries in.)
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProductDetails {
    pub title: Title,
    pub brand: Option<Brand>,
    pub description: Option<Description>,
    pub category: Option<CategoryPath>,
    pub barcodes: Vec<Barcode>,
}

/// Everything needed to put a seller's own product into the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub sku: Sku,
    pub details: ProductDetails,
    pub price: Kopecks,
    pub stock: Quantity,
}

/// Commands on a product. Values are already parsed; `expected_version`, when given, must equal
/// the product's current version (the number of events it has), or the command is refused with
/// a conflict: that is how a client says "only if nobody changed it since I looked".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductCommand {
    Create(NewProduct),
    UpdateDetails {
        details: ProductDetails,
        expected_version: Option<u64>,
    },
    ChangePrice {
        price: Kopecks,
        expected_version: Option<u64>,
    },
    ChangeStock {
        stock: Quantity,
        expected_version: Option<u64>,
    },
    Archive {
        expected_version: Option<u64>,
    },
    /// Creates the product from a supplier's offer, or records only what changed.
    ImportOffer(Box<SupplierOffer>),
    /// The offer left the supplier's full feed: stock 0, not available.
    MarkUnavailable,
}

impl ProductCommand {
    /// Stable name of the command, recorded in event metadata and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create(_) => "CreateProduct",
            Self::UpdateDetails { .. } => "UpdateProductDetails",
            Self::ChangePrice { .. } => "ChangeProductPrice",
            Self::ChangeStock { .. } => "ChangeProductStock",
            Self::Archive { .. } => "ArchiveProduct",
            Self::ImportOffer(_) => "ImportOffer",
            Self::MarkUnavailable => "MarkUnavailable",
        }
    }

    /// The version the caller expects the product at ("only if unchanged"), if it gave one.
    pub fn expected_version(&self) -> Option<u64> {
        match self {
            Self::Create(_) | Self::ImportOffer(_) | Self::MarkUnavailable => None,
            Self::UpdateDetails { expected_version, .. }
            | Self::ChangePrice { expected_version, .. }
            | Self::ChangeStock { expected_version, .. }
            | Self::Archive { expected_version } => *expected_version,
        }
    }
}
