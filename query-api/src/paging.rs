//! Paging of short lists held in memory (users, keys, suppliers, imports): node ids as
//! cursors, page size 1–100.

use crate::error::{ErrorCode, api_error};
use async_graphql::{Result, SimpleObject};

const MAX_PAGE_SIZE: i32 = 100;

pub fn page_size(first: Option<i32>) -> Result<usize> {
    let first = first.unwrap_or(50);
    if (1..=MAX_PAGE_SIZE).contains(&first) {
        Ok(first as usize)
    } else {
        Err(api_error(
            ErrorCode::BadUserInput,
            format!("first must be between 1 and {MAX_PAGE_SIZE}"),
            Some("first"),
        ))
    }
}

/// Skips past the item whose id is `after` (ids are the cursors).
pub fn after_cursor<T>(items: Vec<T>, id_of: impl Fn(&T) -> String, after: Option<&str>) -> Result<Vec<T>> {
    let Some(after) = after else { return Ok(items) };
    let position = items.iter().position(|item| id_of(item) == after).ok_or_else(|| {
        api_error(
            ErrorCode::BadUserInput,
            "after: not a cursor issued by this server",
            Some("after"),
        )
    })?;
    Ok(items.into_iter().skip(position + 1).collect())
}

/// Relay edges of `nodes`, each node's id as its cursor.
pub fn edges<T: Clone, E>(nodes: &[T], cursor: impl Fn(&T) -> String, edge: impl Fn(String, T) -> E) -> Vec<E> {
    nodes.iter().map(|n| edge(cursor(n), n.clone())).collect()
}

/// Page information of lists paged by node id.
#[derive(Debug, Clone, SimpleObject)]
pub struct ListPageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}
