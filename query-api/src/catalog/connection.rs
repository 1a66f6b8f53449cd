use super::Product;
use async_graphql::SimpleObject;

/// Relay page information.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct ProductEdge {
    /// Opaque; pass as `after` to continue after this product.
    pub cursor: String,
    pub node: Product,
}

/// A page of products (Relay connection).
#[derive(Debug, Clone, SimpleObject)]
pub struct ProductConnection {
    pub edges: Vec<ProductEdge>,
    /// The products of this page, without cursors.
    pub nodes: Vec<Product>,
    pub page_info: PageInfo,
    /// Number of products matching the filter, over all pages.
    pub total_count: i64,
}
