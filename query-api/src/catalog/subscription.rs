use async_graphql::{Context, ID, Result, Subscription};
use futures::Stream;
use gomarket_api_core::access::permission;
use gomarket_api_core::catalog::Product;
use gomarket_api_core::context::request_context;
use gomarket_api_core::error::{ErrorCode, api_error, failure};
use gomarket_api_core::ids::parse_uuid;
use gomarket_domain::identity::Permission;
use gomarket_projections::catalog::get_product;
use sqlx::PgPool;
use std::time::Duration;

/// How often a subscription looks at the read model for a newer version. Polling the one row
/// by primary key is cheap and works whichever process runs the projector.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Catalog subscriptions.
#[derive(Debug, Default)]
pub struct CatalogSubscription;

#[Subscription]
impl CatalogSubscription {
    /// The product as it is now, then again each time the read model shows a newer version.
    #[graphql(guard = "permission(Permission::CatalogRead)")]
    async fn product_changes(&self, ctx: &Context<'_>, id: ID) -> Result<impl Stream<Item = Result<Product>> + use<>> {
        let id = parse_uuid(&id, "id")?;
        let pool = ctx.data::<PgPool>()?.clone();
        let correlation_id = request_context(ctx).correlation_id;
        match get_product(&pool, id).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(api_error(
                    ErrorCode::NotFound,
                    format!("no product with id {id}"),
                    Some("id"),
                ));
            }
            Err(e) => return Err(failure(&e, &correlation_id)),
        }
        let seen = 0_i64;
        Ok(futures::stream::unfold(seen, move |seen| {
            let (pool, correlation_id) = (pool.clone(), correlation_id.clone());
            async move {
                loop {
                    match get_product(&pool, id).await {
                        Ok(Some(record)) if record.version > seen => {
                            let version = record.version;
                            return Some((Ok(Product(record)), version));
                        }
                        Ok(_) => {}
                        Err(e) => return Some((Err(failure(&e, &correlation_id)), seen)),
                    }
                    tokio::time::sleep(POLL_INTERVAL).await;
                }
            }
        }))
    }
}
