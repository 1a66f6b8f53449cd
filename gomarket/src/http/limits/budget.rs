//! Complexity and size limits counted over a whole HTTP request, not per operation: a batch
//! of 1 000 operations, each under the limit, must not add up to 1 000 times it.
//!
//! Two counts share the limit (`GOMARKET_GRAPHQL_MAX_COMPLEXITY`): async-graphql's complexity
//! of each operation, and the selections written in each document (every field, alias,
//! `__typename` and fragment use), which complexity does not see: 10 000 aliases of
//! `__typename` are cheap to type and not free to answer.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Pos, Positioned, ServerError, ServerResult, ValidationResult, Variables};
use gomarket_api_core::{ErrorCode, api_error};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What one HTTP request (one operation or a whole batch) may still spend. The edge puts the
/// same one into every operation of a batch.
#[derive(Debug)]
pub struct RequestBudget {
    limit: usize,
    complexity: AtomicUsize,
    selections: AtomicUsize,
}

impl RequestBudget {
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            limit,
            complexity: AtomicUsize::new(0),
            selections: AtomicUsize::new(0),
        })
    }

    /// Adds `amount` to `counter`; the total, or the refusal once past the limit.
    fn spend(&self, counter: &AtomicUsize, amount: usize, what: &str) -> Result<(), ServerError> {
        let total = counter.fetch_add(amount, Ordering::AcqRel) + amount;
        if total <= self.limit {
            return Ok(());
        }
        Err(api_error(
            ErrorCode::BadUserInput,
            format!(
                "the request's {what} adds up to {total} over all its operations; the limit is {}",
                self.limit
            ),
            None,
        )
        .into_server_error(Pos::default()))
    }
}

fn selections_in(set: &Positioned<SelectionSet>) -> usize {
    set.node
        .items
        .iter()
        .map(|selection| {
            1 + match &selection.node {
                Selection::Field(field) => selections_in(&field.node.selection_set),
                Selection::InlineFragment(fragment) => selections_in(&fragment.node.selection_set),
                Selection::FragmentSpread(_) => 0,
            }
        })
        .sum()
}

/// Every selection written in the document, fragments counted once where defined.
pub fn selections_of(document: &ExecutableDocument) -> usize {
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| selections_in(&op.node.selection_set))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|f| selections_in(&f.node.selection_set))
        .sum();
    operations + fragments
}

/// The extension (one per schema). An operation writing more selections than `limit` is
/// refused as soon as it is parsed, before validation (whose overlapping-fields rule is
/// quadratic in repeated fields); the totals of a request are counted against its
/// [`RequestBudget`] after validation, when it has one.
pub struct BatchBudget {
    pub limit: usize,
}

impl ExtensionFactory for BatchBudget {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(BatchBudgetCheck {
            limit: self.limit,
            selections: AtomicUsize::new(0),
        })
    }
}

/// One operation's check.
struct BatchBudgetCheck {
    limit: usize,
    selections: AtomicUsize,
}

#[async_graphql::async_trait::async_trait]
impl Extension for BatchBudgetCheck {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let selections = selections_of(&document);
        if selections > self.limit {
            return Err(api_error(
                ErrorCode::BadUserInput,
                format!(
                    "the operation is too complex: it writes {selections} selections; the limit is {}",
                    self.limit
                ),
                None,
            )
            .into_server_error(Pos::default()));
        }
        self.selections.store(selections, Ordering::Release);
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(budget) = ctx.data_opt::<Arc<RequestBudget>>() {
            budget
                .spend(&budget.complexity, result.complexity, "complexity")
                .and_then(|()| {
                    let selections = self.selections.load(Ordering::Acquire);
                    budget.spend(&budget.selections, selections, "number of selections")
                })
                .map_err(|e| vec![e])?;
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_typenames_and_fragments_all_count() {
        let count = |q: &str| selections_of(&async_graphql::parser::parse_query(q).unwrap());
        assert_eq!(count("{ a: __typename b: __typename c: __typename }"), 3);
        assert_eq!(count("{ products { edges { node { id } } } }"), 4);
        assert_eq!(
            count("fragment F on Query { x y } { ...F ... on Query { z } }"),
            2 + 2 + 1
        );
    }

    #[test]
    fn the_budget_is_shared_and_refuses_past_the_limit() {
        let budget = RequestBudget::new(10);
        assert!(budget.spend(&budget.complexity, 6, "complexity").is_ok());
        let refused = budget.spend(&budget.complexity, 6, "complexity").unwrap_err();
        assert!(refused.message.contains("adds up to 12"), "{}", refused.message);
        assert!(
            budget.spend(&budget.selections, 10, "selections").is_ok(),
            "counted apart"
        );
    }
}
