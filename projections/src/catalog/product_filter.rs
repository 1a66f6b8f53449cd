//! The `WHERE` conditions of catalog queries: the filter, and what a search matches.
//!
//! Every condition is one an index answers (GIN over the search vector and the barcodes,
//! btree over the lowered SKU and brand, the category in byte order), and every value the
//! planner needs to estimate it is a bound constant: queries run as unnamed statements, so
//! each is planned for its own values (a common word walks a sort index and stops at the
//! page; a rare one reads its few matches from the GIN index).

use super::products_query::ProductFilter;
use sqlx::{Postgres, QueryBuilder};

/// At most this many words of a search string are used.
const MAX_SEARCH_WORDS: usize = 16;

/// A search string, read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SearchTerms {
    /// The string as typed (trimmed): compared whole with SKUs and barcodes.
    pub text: String,
    /// Its words, lowercased: letters and digits only, so nothing typed reaches the tsquery
    /// syntax.
    pub words: Vec<String>,
}

impl SearchTerms {
    pub fn parse(search: &str) -> Option<Self> {
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
    /// Every word is there as a word or a word's beginning.
    TitlePrefixes = 2,
    /// Every word is somewhere (category and description too), as a word or a beginning.
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

/// Whether a search with these terms has text tiers at all (it has words).
pub(super) fn text_tiers(terms: &SearchTerms) -> bool {
    !terms.words.is_empty()
}

fn push_exact_code(query: &mut QueryBuilder<'_, Postgres>, terms: &SearchTerms) {
    query
        .push("(lower(p.sku) = lower(")
        .push_bind(terms.text.clone())
        .push(") OR p.barcodes @> ARRAY[")
        .push_bind(terms.text.clone())
        .push("]::text[])");
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
