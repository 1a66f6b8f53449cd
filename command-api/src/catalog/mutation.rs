use super::inputs::{CreateProductInput, Parser, ProductDetailsInput};
use super::refusal::{concurrent_write, product_refusal};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use gomarket_api_core::access::permission;
use gomarket_api_core::catalog::Product;
use gomarket_api_core::command::{OnConflict, Outcome, command_metadata, outcome, run_command};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::payload::{Payload, UserError};
use gomarket_domain::catalog::{Kopecks, Product as ProductAggregate, ProductCommand, ProductId, Quantity, ValueError};
use gomarket_domain::identity::Permission;
use gomarket_infra::event_store::CommandBus;
use gomarket_projections::catalog::ProductRecord;
use std::sync::Arc;

/// What a product mutation answers.
#[derive(Debug, Clone, Default, SimpleObject)]
pub struct ProductPayload {
    /// The product after the mutation (`null` when refused).
    pub product: Option<Product>,
    /// Why the mutation was refused; empty on success.
    pub errors: Vec<UserError>,
    /// Pass as `consistentWith` to a query to read this write back.
    pub consistency_token: Option<String>,
}

gomarket_api_core::payload!(ProductPayload);

impl ProductPayload {}

/// Product mutations.
#[derive(Debug, Default)]
pub struct CatalogMutation;

fn parse_product_id(parser: &mut Parser, id: &ID) -> Option<ProductId> {
    match parse_uuid(id, "id") {
        Ok(uuid) => Some(ProductId::from(uuid)),
        Err(_) => parser.field("id", Err(ValueError::BadId)),
    }
}

fn parse_expected_version(parser: &mut Parser, expected_version: Option<i64>) -> Option<Option<u64>> {
    match expected_version {
        None => Some(None),
        Some(v) => parser
            .field("expectedVersion", u64::try_from(v).map_err(|_| ValueError::Negative))
            .map(Some),
    }
}

#[Object]
impl CatalogMutation {
    /// Adds a seller's own product. A second product with the same SKU (ignoring case) is
    /// refused with `ALREADY_EXISTS`.
    #[graphql(guard = "permission(Permission::CatalogWrite)")]
    async fn create_product(&self, ctx: &Context<'_>, input: CreateProductInput) -> Result<ProductPayload> {
        match input.parse() {
            Ok(new) => {
                let id = ProductId::for_own_sku(&new.sku);
                execute(ctx, id, ProductCommand::Create(new)).await
            }
            Err(errors) => Ok(ProductPayload::refused(ctx, errors)),
        }
    }

    /// Replaces title, brand, description, category and barcodes.
    #[graphql(guard = "permission(Permission::CatalogWrite)")]
    async fn update_product_details(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ProductDetailsInput,
        expected_version: Option<i64>,
    ) -> Result<ProductPayload> {
        let mut parser = Parser::default();
        let id = parse_product_id(&mut parser, &id);
        let expected_version = parse_expected_version(&mut parser, expected_version);
        let details = input.parse().map_err(|errors| parser.errors.extend(errors)).ok();
        match (id, expected_version, details) {
            (Some(id), Some(expected_version), Some(details)) => {
                execute(
                    ctx,
                    id,
                    ProductCommand::UpdateDetails {
                        details,
                        expected_version,
                    },
                )
                .await
            }
            _ => Ok(ProductPayload::refused(ctx, parser.errors)),
        }
    }

    /// Sets the price (kopecks). With `expectedVersion`, only if the product is still at it.
    #[graphql(guard = "permission(Permission::CatalogWrite)")]
    async fn change_product_price(
        &self,
        ctx: &Context<'_>,
        id: ID,
        price_kopecks: i64,
        expected_version: Option<i64>,
    ) -> Result<ProductPayload> {
        let mut parser = Parser::default();
        let id = parse_product_id(&mut parser, &id);
        let price = parser.field("priceKopecks", Kopecks::new(price_kopecks));
        let expected_version = parse_expected_version(&mut parser, expected_version);
        match (id, price, expected_version) {
            (Some(id), Some(price), Some(expected_version)) => {
                execute(
                    ctx,
                    id,
                    ProductCommand::ChangePrice {
                        price,
                        expected_version,
                    },
                )
                .await
            }
            _ => Ok(ProductPayload::refused(ctx, parser.errors)),
        }
    }

    /// Sets the stock (units). With `expectedVersion`, only if the product is still at it.
    #[graphql(guard = "permission(Permission::CatalogWrite)")]
    async fn change_product_stock(
        &self,
        ctx: &Context<'_>,
        id: ID,
        stock: i64,
        expected_version: Option<i64>,
    ) -> Result<ProductPayload> {
        let mut parser = Parser::default();
        let id = parse_product_id(&mut parser, &id);
        let stock = parser.field("stock", Quantity::new(stock));
        let expected_version = parse_expected_version(&mut parser, expected_version);
        match (id, stock, expected_version) {
            (Some(id), Some(stock), Some(expected_version)) => {
                execute(
                    ctx,
                    id,
                    ProductCommand::ChangeStock {
                        stock,
                        expected_version,
                    },
                )
                .await
            }
            _ => Ok(ProductPayload::refused(ctx, parser.errors)),
        }
    }

    /// Archives the product: it leaves listings and becomes read-only. Archiving twice is a no-op.
    #[graphql(guard = "permission(Permission::CatalogWrite)")]
    async fn archive_product(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i64>,
    ) -> Result<ProductPayload> {
        let mut parser = Parser::default();
        let id = parse_product_id(&mut parser, &id);
        let expected_version = parse_expected_version(&mut parser, expected_version);
        match (id, expected_version) {
            (Some(id), Some(expected_version)) => execute(ctx, id, ProductCommand::Archive { expected_version }).await,
            _ => Ok(ProductPayload::refused(ctx, parser.errors)),
        }
    }
}

/// Runs a product command and turns its outcome into a payload.
async fn execute(ctx: &Context<'_>, id: ProductId, command: ProductCommand) -> Result<ProductPayload> {
    let bus = ctx.data::<Arc<CommandBus<ProductAggregate>>>()?;
    let metadata = command_metadata(ctx, command.name());
    let creating = matches!(command, ProductCommand::Create(_));
    let on_conflict = if creating || command.expected_version().is_some() {
        OnConflict::Refuse
    } else {
        OnConflict::Retry
    };
    let result = run_command(bus, &id.to_string(), command, &metadata, on_conflict).await;
    Ok(
        match outcome(ctx, result, product_refusal, || concurrent_write(creating))? {
            Outcome::Done(executed) => ProductPayload {
                product: executed
                    .aggregate
                    .state
                    .as_ref()
                    .map(|state| Product(ProductRecord::from_state(id, executed.version, state))),
                errors: vec![],
                consistency_token: executed.token.map(|t| t.encode()),
            },
            Outcome::Refused(errors) => ProductPayload::refused(ctx, errors),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use gomarket_api_core::ErrorCode;

    #[test]
    fn codes_of_refusals() {
        use gomarket_domain::catalog::ProductRefusal;
        assert_eq!(product_refusal(&ProductRefusal::NotFound).code, ErrorCode::NotFound);
        assert_eq!(
            product_refusal(&ProductRefusal::VersionMismatch { expected: 1, actual: 2 }).code,
            ErrorCode::Conflict
        );
        assert_eq!(concurrent_write(true).code, ErrorCode::AlreadyExists);
    }
}
