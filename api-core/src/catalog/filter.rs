//! What `products` is asked for: the filter and the sort order (also `publishProducts`'s
//! selection).

use async_graphql::{Enum, InputObject};
use gomarket_projections::catalog::{ProductFilter, ProductSort};

/// Which products to list.
#[derive(Debug, Clone, Default, InputObject)]
pub struct ProductFilterInput {
    /// Words to find in title, brand, description, category, SKU or barcodes (Russian and
    /// English words in any form; the last word also as a word's beginning, as it is being
    /// typed); an exact SKU or barcode matches too, and comes first.
    pub search: Option<String>,
    /// Exact brand, ignoring case.
    pub brand: Option<String>,
    /// A category path; products in it or below it match.
    pub category: Option<String>,
    /// `true`: only products with stock > 0; `false`: only those with none.
    pub in_stock: Option<bool>,
    pub price_min_kopecks: Option<i64>,
    pub price_max_kopecks: Option<i64>,
    /// Include archived products (hidden by default).
    #[graphql(default = false)]
    pub include_archived: bool,
}

/// Sort orders of `products`; ties are broken by id, so paging is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
#[graphql(name = "ProductSort")]
pub enum ProductSortGql {
    /// Best match of `filter.search` first (the default when searching): an exact SKU or
    /// barcode, then products with every word in the title, brand or SKU (whole words before
    /// word beginnings), then those with the words anywhere (category, description); newest
    /// first within each. Without a search: newest first.
    Relevance,
    #[default]
    CreatedAtDesc,
    CreatedAtAsc,
    UpdatedAtDesc,
    TitleAsc,
    TitleDesc,
    PriceAsc,
    PriceDesc,
    StockAsc,
    StockDesc,
    SkuAsc,
}

impl From<ProductSortGql> for ProductSort {
    fn from(sort: ProductSortGql) -> Self {
        match sort {
            ProductSortGql::Relevance => Self::Relevance,
            ProductSortGql::CreatedAtDesc => Self::CreatedAtDesc,
            ProductSortGql::CreatedAtAsc => Self::CreatedAtAsc,
            ProductSortGql::UpdatedAtDesc => Self::UpdatedAtDesc,
            ProductSortGql::TitleAsc => Self::TitleAsc,
            ProductSortGql::TitleDesc => Self::TitleDesc,
            ProductSortGql::PriceAsc => Self::PriceAsc,
            ProductSortGql::PriceDesc => Self::PriceDesc,
            ProductSortGql::StockAsc => Self::StockAsc,
            ProductSortGql::StockDesc => Self::StockDesc,
            ProductSortGql::SkuAsc => Self::SkuAsc,
        }
    }
}

impl From<ProductFilterInput> for ProductFilter {
    fn from(input: ProductFilterInput) -> Self {
        Self {
            search: input.search,
            brand: input.brand,
            category: input.category,
            in_stock: input.in_stock,
            price_min_kopecks: input.price_min_kopecks,
            price_max_kopecks: input.price_max_kopecks,
            include_archived: input.include_archived,
        }
    }
}
