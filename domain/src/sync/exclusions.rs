//! Exclusions: products a policy never lists (and unlists when they become excluded).

use crate::catalog::ProductState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusions {
    /// Brands never listed, compared ignoring case.
    pub brands: BTreeSet<String>,
    /// Category paths never listed, with everything below them.
    pub categories: BTreeSet<String>,
    pub without_barcode: bool,
    pub without_image: bool,
}

impl Exclusions {
    /// Why `product` is excluded, if it is.
    pub fn reason(&self, product: &ProductState) -> Option<String> {
        if let Some(brand) = &product.brand {
            let brand = brand.as_str().to_lowercase();
            if self.brands.iter().any(|b| b.to_lowercase() == brand) {
                return Some(format!("brand {} is excluded", product.brand.as_ref()?.as_str()));
            }
        }
        if let Some(category) = &product.category {
            let path = category.as_str();
            let excluded = self.categories.iter().find(|c| {
                let c = c.trim_end_matches('/');
                path == c || path.strip_prefix(c).is_some_and(|rest| rest.starts_with('/'))
            });
            if let Some(excluded) = excluded {
                return Some(format!("category {excluded} is excluded"));
            }
        }
        if self.without_barcode && product.barcodes.is_empty() {
            return Some("the product has no barcode".to_owned());
        }
        if self.without_image && product.content.images.is_empty() {
            return Some("the product has no image".to_owned());
        }
        None
    }
}
