//! `publishProducts` and `setListingTarget`.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use gomarket_api_core::access::permission;
use gomarket_api_core::catalog::ProductFilterInput;
use gomarket_api_core::command::{OnConflict, Outcome, command_metadata, outcome, run_command};
use gomarket_api_core::context::request_context;
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::marketplace::ListingGql;
use gomarket_api_core::payload::{Payload, UserError};
use gomarket_api_core::{ErrorCode, OrInternal, failure};
use gomarket_domain::catalog::{Kopecks, ProductId};
use gomarket_domain::identity::Permission;
use gomarket_domain::marketplace::account::AccountId;
use gomarket_domain::marketplace::listing::{ListingCommand, ListingRefusal, ListingTarget};
use gomarket_domain::marketplace::values::{DiscountPercent, ListedStock};
use gomarket_infra::marketplace::{Marketplaces, PublishOutcome};
use gomarket_projections::catalog::{
    ProductCount, ProductFilter, ProductQueryError, ProductSort, count_products, search_products,
};
use std::sync::Arc;

/// Most products one `publishProducts` takes.
const MAX_PUBLISH: usize = 1000;

/// What `publishProducts` answers: the listings, and per-product problems as data.
#[derive(Debug, Clone, Default, SimpleObject)]
pub struct PublishPayload {
    pub listings: Vec<ListingGql>,
    /// One per product that could not be listed (`field` = `productIds[i]`); a card refused
    /// by local validation is not an error here: its listing is `REJECTED` with the reason.
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
}

gomarket_api_core::payload!(PublishPayload);

#[derive(Debug, Clone, Default, SimpleObject)]
pub struct ListingPayload {
    pub listing: Option<ListingGql>,
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
}

gomarket_api_core::payload!(ListingPayload);

fn listing_refusal(refusal: &ListingRefusal, field: &str) -> UserError {
    let code = match refusal {
        ListingRefusal::BadId => ErrorCode::BadUserInput,
        ListingRefusal::NotFound => ErrorCode::NotFound,
        ListingRefusal::Mismatch | ListingRefusal::OutOfOrder(_) => ErrorCode::Conflict,
    };
    UserError::new(code, field, refusal.to_string())
}

/// The products a `publishProducts` filter matches.
enum Matching {
    /// Their ids, oldest first.
    Products(Vec<ID>),
    /// More than one call takes: how many (counted, or estimated when far too many).
    TooMany(ProductCount),
}

async fn products_matching(pool: &sqlx::PgPool, filter: ProductFilter) -> Result<Matching, ProductQueryError> {
    let count = count_products(pool, &filter, MAX_PUBLISH as i64).await?;
    if count.value > MAX_PUBLISH as i64 {
        return Ok(Matching::TooMany(count));
    }
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = search_products(pool, &filter, ProductSort::CreatedAtAsc, 100, after.as_deref()).await?;
        after = page.edges.last().map(|(cursor, _)| cursor.clone());
        ids.extend(page.edges.into_iter().map(|(_, record)| ID(record.id.to_string())));
        if !page.has_next_page {
            return Ok(Matching::Products(ids));
        }
    }
}

#[derive(Debug, Default)]
pub struct ListingMutation;

#[Object]
impl ListingMutation {
    /// Lists products on an account, wanting each product's price and stock (change them
    /// with `setListingTarget`). The worker then uploads the cards, and once they exist,
    /// pushes prices and stocks. Publishing a listed product again republishes a rejected
    /// card and updates the target. Give the products by id (`productIds`) or as a
    /// `filter` of the catalog (the `products` query's), not both; at most 1 000 at a time.
    #[graphql(guard = "permission(Permission::PublishingWrite)")]
    async fn publish_products(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        product_ids: Option<Vec<ID>>,
        filter: Option<ProductFilterInput>,
    ) -> Result<PublishPayload> {
        let refused = |errors: Vec<UserError>| Ok(PublishPayload::refused(ctx, errors));
        let bad = |field: &str, message: String| refused(vec![UserError::new(ErrorCode::BadUserInput, field, message)]);
        let Ok(account_id) = parse_uuid(&account_id, "accountId").map(AccountId::from) else {
            return bad("accountId", "not a valid id".into());
        };
        let (product_ids, field) = match (product_ids, filter) {
            (Some(ids), None) => (ids, "productIds"),
            (None, Some(filter)) => {
                let pool = ctx.data::<sqlx::PgPool>()?;
                let matching = products_matching(pool, filter.into()).await.or_internal(ctx)?;
                match matching {
                    Matching::Products(ids) if ids.is_empty() => {
                        return bad("filter", "no product matches the filter".into());
                    }
                    Matching::Products(ids) => (ids, "filter"),
                    Matching::TooMany(count) => {
                        let about = if count.exact { "" } else { "about " };
                        return bad(
                            "filter",
                            format!(
                                "{about}{} products match; publish at most {MAX_PUBLISH} at a time (narrow the filter)",
                                count.value
                            ),
                        );
                    }
                }
            }
            _ => return bad("productIds", "give either productIds or filter".into()),
        };
        if product_ids.is_empty() || product_ids.len() > MAX_PUBLISH {
            return bad("productIds", format!("give 1 to {MAX_PUBLISH} product ids"));
        }
        let mut errors = Vec::new();
        let mut ids = Vec::new();
        for (i, raw) in product_ids.iter().enumerate() {
            match ProductId::parse(raw) {
                Ok(id) if !ids.contains(&id) => ids.push(id),
                Ok(_) => {}
                Err(_) => errors.push(UserError::new(
                    ErrorCode::BadUserInput,
                    &format!("productIds[{i}]"),
                    "not a valid id",
                )),
            }
        }
        let marketplaces = ctx.data::<Arc<Marketplaces>>()?;
        let fail = |e: &(dyn std::error::Error + 'static)| failure(e, &request_context(ctx).correlation_id);
        let account = marketplaces.load_account(account_id).await.map_err(|e| fail(&e))?;
        let Some(account) = account.state else {
            return refused(vec![UserError::new(
                ErrorCode::NotFound,
                "accountId",
                "marketplace account not found",
            )]);
        };
        let outcomes = marketplaces
            .publish(account_id, &account, &ids, &command_metadata(ctx, "PublishProducts"))
            .await
            .map_err(|e| fail(&e))?;
        let position = |id: ProductId| {
            product_ids
                .iter()
                .position(|raw| ProductId::parse(raw).ok() == Some(id))
                .unwrap_or_default()
        };
        let field_of = |product: ProductId| format!("{field}[{}]", position(product));
        let mut listings = Vec::new();
        let mut token = None;
        for outcome in outcomes {
            match outcome {
                PublishOutcome::Listed(id, listing, latest) => {
                    // Commands ran one after another: the last token covers them all.
                    token = latest.or(token);
                    if let Some(state) = &listing.state {
                        listings.push(ListingGql::new(id, listing.version as i64, state));
                    }
                }
                PublishOutcome::UnknownProduct(product) => errors.push(UserError::new(
                    ErrorCode::NotFound,
                    &field_of(product),
                    format!("no product with id {product}"),
                )),
                PublishOutcome::Refused(product, refusal) => {
                    errors.push(listing_refusal(&refusal, &field_of(product)));
                }
            }
        }
        Ok(PublishPayload {
            listings,
            errors,
            consistency_token: token.map(|t| t.encode()),
        })
    }

    /// Overrides what a listing wants live: price before discount (kopecks; the marketplace
    /// gets whole roubles, rounded up), discount %, stock.
    #[graphql(guard = "permission(Permission::PublishingWrite)")]
    async fn set_listing_target(
        &self,
        ctx: &Context<'_>,
        listing_id: ID,
        price_kopecks: i64,
        discount_percent: i32,
        stock: i32,
    ) -> Result<ListingPayload> {
        let refused = |errors: Vec<UserError>| Ok(ListingPayload::refused(ctx, errors));
        let mut errors = Vec::new();
        let id = parse_uuid(&listing_id, "listingId")
            .map_err(|_| errors.push(UserError::new(ErrorCode::BadUserInput, "listingId", "not a valid id")))
            .ok();
        let price = Kopecks::new(price_kopecks)
            .map_err(|e| errors.push(UserError::new(ErrorCode::BadUserInput, "priceKopecks", e.to_string())))
            .ok();
        let discount = DiscountPercent::new(discount_percent.into())
            .map_err(|e| {
                errors.push(UserError::new(
                    ErrorCode::BadUserInput,
                    "discountPercent",
                    e.to_string(),
                ))
            })
            .ok();
        let stock = ListedStock::new(stock.into())
            .map_err(|e| errors.push(UserError::new(ErrorCode::BadUserInput, "stock", e.to_string())))
            .ok();
        let (Some(id), Some(price), Some(discount), Some(stock)) = (id, price, discount, stock) else {
            return refused(errors);
        };
        let marketplaces = ctx.data::<Arc<Marketplaces>>()?;
        let command = ListingCommand::SetTarget(ListingTarget { price, discount, stock });
        let metadata = command_metadata(ctx, "SetListingTarget");
        let result = run_command(
            marketplaces.listings(),
            &id.to_string(),
            command,
            &metadata,
            OnConflict::Retry,
        )
        .await;
        let conflict = || UserError::new(ErrorCode::Conflict, "listingId", "changed concurrently; retry");
        match outcome(ctx, result, |r| listing_refusal(r, "listingId"), conflict)? {
            Outcome::Done(executed) => Ok(ListingPayload {
                listing: executed
                    .aggregate
                    .state
                    .as_ref()
                    .map(|s| ListingGql::new(id, executed.version as i64, s)),
                errors: vec![],
                consistency_token: executed.token.map(|t| t.encode()),
            }),
            Outcome::Refused(errors) => refused(errors),
        }
    }
}
