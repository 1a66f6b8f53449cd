//! The `WHERE` conditions of catalog queries: the filter, and what a search matches.
//!
//! Every condition is one an index answers (GIN over the search vector and the barcodes,
//! btree over the lowered SKU and brand, the category in byte order), and every value the
//! planner needs to estimate it is a bound constant: queries run as unnamed statements, so
//! each is planned for its own values (a common word walks a sort index and stops at the
//! page; a rare one reads its few matches from the GIN index).

use super::products_query::ProductFilter;
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

/// At most this many words of a search string are used.
const MAX_SEARCH_WORDS: usize = 16;

/// Most products an exact code (SKU, barcode) is looked up for.
const MAX_EXACT_HITS: i64 = 100;

/// A search string, read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SearchTerms {
    /// The string as typed (trimmed): compared whole with SKUs and barcodes.
    pub text: String,
    /// Its words, lowercased: letters and digits only, so nothing typed reaches the tsquery
    /// syntax.
    pub words: Vec<String>,
    /// The products whose SKU (ignoring case) or one of whose barcodes is the whole string.
    ///
    /// Looked up first, by their own indexes, and then named by id: the planner cannot
    /// estimate `barcodes @> ARRAY[…]` for a value that is in no statistics (every barcode is
    /// unique), assumes 0.5 % of the table, and would walk a million rows in sort order
    /// looking for the one product; a list of ids it estimates exactly.
    pub exact: Vec<Uuid>,
}

impl SearchTerms {
    /// Reads `search` and looks up its exact matches.
    pub async fn resolve(pool: &PgPool, search: &str) -> Result<Option<Self>, sqlx::Error> {
        let Some(mut terms) = Self::parse(search) else {
            return Ok(None);
        };
        terms.exact = sqlx::query_scalar(
            "SELECT id FROM products WHERE lower(sku) = lower($1)
             UNION SELECT id FROM products WHERE barcodes @> ARRAY[$1]::text[]
             LIMIT $2",
        )
        .bind(&terms.text)
        .bind(MAX_EXACT_HITS)
        .fetch_all(pool)
        .await?;
        Ok(Some(terms))
    }

    fn parse(search: &str) -> Option<Self> {
        let text = search.trim();
        if text.is_empty() {
            return None;
        }
        let words = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(MAX_SEARCH_WORDS)
            .map(str::to_lowercase)
            .collect();
        Some(Self {
            text: text.to_owned(),
            words,
            exact: Vec::new(),
        })
    }
}

/// How well a product matches a search: results are ranked by tier, best first. Each tier
/// holds only what no better tier holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Tier {
    /// The search is the product's SKU (ignoring case) or one of its barcodes.
    ExactCode = 0,
    /// Every word is a whole word of the title, brand, SKU or barcodes.
    TitleWords = 1,
    /// Every word is there, the last one (being typed) perhaps as a word's beginning.
    TitlePrefixes = 2,
    /// Every word is somewhere (category and description too), the last one perhaps as a
    /// word's beginning.
    Anywhere = 3,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::ExactCode, Tier::TitleWords, Tier::TitlePrefixes, Tier::Anywhere];

    pub fn from_index(index: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|tier| *tier as i64 == index)
    }
}

/// Appends ` AND ...` for the filter's conditions other than the search.
pub(super) fn push_filter(query: &mut QueryBuilder<'_, Postgres>, filter: &ProductFilter) {
    if !filter.include_archived {
        query.push(" AND p.status = 'ACTIVE'");
    }
    if let Some(brand) = filter.brand.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        query
            .push(" AND lower(p.brand) = lower(")
            .push_bind(brand.to_owned())
            .push(")");
    }
    if let Some(category) = filter.category.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let category = category.split('/').map(str::trim).collect::<Vec<_>>().join("/");
        // The category and every path below it: `c` or `c/…`, that is `c/` ≤ path < `c0`
        // in byte order ('0' follows '/').
        query
            .push(" AND (p.category COLLATE \"C\" = ")
            .push_bind(category.clone());
        query
            .push(" OR (p.category COLLATE \"C\" >= ")
            .push_bind(format!("{category}/"))
            .push(" AND p.category COLLATE \"C\" < ")
            .push_bind(format!("{category}0"))
            .push("))");
    }
    match filter.in_stock {
        Some(true) => {
            query.push(" AND p.stock > 0");
        }
        Some(false) => {
            query.push(" AND p.stock = 0");
        }
        None => {}
    }
    if let Some(min) = filter.price_min_kopecks {
        query.push(" AND p.price_kopecks >= ").push_bind(min);
    }
    if let Some(max) = filter.price_max_kopecks {
        query.push(" AND p.price_kopecks <= ").push_bind(max);
    }
}

/// Appends ` AND (...)`: the product matches the search at all (any tier).
pub(super) fn push_matches(query: &mut QueryBuilder<'_, Postgres>, terms: &SearchTerms) {
    query.push(" AND (");
    push_exact_code(query, terms);
    if !terms.words.is_empty() {
        query.push(" OR ");
        push_words(query, terms, true, "");
    }
    query.push(")");
}

/// Appends ` AND (...)`: the product is in `tier` of the search.
pub(super) fn push_tier(query: &mut QueryBuilder<'_, Postgres>, terms: &SearchTerms, tier: Tier) {
    query.push(" AND ");
    if tier == Tier::ExactCode {
        push_exact_code(query, terms);
        return;
    }
    // Each text tier contains the one before it, so "not in a better tier" is "not in the
    // one before, not an exact code".
    let (prefix, weights, better) = match tier {
        Tier::ExactCode => unreachable!("handled above"),
        Tier::TitleWords => (false, "AB", None),
        Tier::TitlePrefixes => (true, "AB", Some((false, "AB"))),
        Tier::Anywhere => (true, "", Some((true, "AB"))),
    };
    push_words(query, terms, prefix, weights);
    if let Some((prefix, weights)) = better {
        query.push(" AND NOT ");
        push_words(query, terms, prefix, weights);
    }
    query.push(" AND NOT ");
    push_exact_code(query, terms);
}

/// Appends the tier of a matching product as an expression (`0` to `3`, see [`Tier`]).
pub(super) fn push_tier_of(query: &mut QueryBuilder<'_, Postgres>, terms: &SearchTerms) {
    query.push("CASE WHEN ");
    push_exact_code(query, terms);
    query.push(" THEN 0");
    if text_tiers(terms) {
        query.push(" WHEN ");
        push_words(query, terms, false, "AB");
        query.push(" THEN 1 WHEN ");
        push_words(query, terms, true, "AB");
        query.push(" THEN 2");
    }
    query.push(" ELSE 3 END");
}

/// How many products the planner expects to match `filter` and `terms` (planning only, no
/// row is read).
pub(super) async fn estimate_matches(
    pool: &PgPool,
    filter: &ProductFilter,
    terms: Option<&SearchTerms>,
) -> Result<i64, sqlx::Error> {
    let mut query = QueryBuilder::<Postgres>::new("EXPLAIN (FORMAT JSON) SELECT 1 FROM products p WHERE TRUE");
    push_filter(&mut query, filter);
    if let Some(terms) = terms {
        push_matches(&mut query, terms);
    }
    let plan: serde_json::Value = query.build_query_scalar().persistent(false).fetch_one(pool).await?;
    Ok(plan[0]["Plan"]["Plan Rows"].as_f64().unwrap_or_default().round() as i64)
}

/// Whether a search with these terms has text tiers at all (it has words).
pub(super) fn text_tiers(terms: &SearchTerms) -> bool {
    !terms.words.is_empty()
}

fn push_exact_code(query: &mut QueryBuilder<'_, Postgres>, terms: &SearchTerms) {
    query
        .push("p.id = ANY(")
        .push_bind(terms.exact.clone())
        .push("::uuid[])");
}

fn push_words(query: &mut QueryBuilder<'_, Postgres>, terms: &SearchTerms, prefix: bool, weights: &'static str) {
    query
        .push("p.search @@ products_search_query(")
        .push_bind(terms.words.clone())
        .push("::text[], ")
        .push_bind(prefix)
        .push(", ")
        .push_bind(weights)
        .push(")");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_letters_and_digits_only() {
        let terms = SearchTerms::parse("  Чайник  VITEK a&b|!(c):* ").unwrap();
        assert_eq!(terms.text, "Чайник  VITEK a&b|!(c):*");
        assert_eq!(terms.words, ["чайник", "vitek", "a", "b", "c"]);
        assert_eq!(SearchTerms::parse("  -- ").unwrap().words, Vec::<String>::new());
        assert_eq!(SearchTerms::parse("   "), None);
    }

    #[test]
    fn tiers_round_trip_through_their_index() {
        for tier in Tier::ALL {
            assert_eq!(Tier::from_index(tier as i64), Some(tier));
        }
        assert_eq!(Tier::from_index(4), None);
    }
}
