//! GraphQL types of the marketplace context.

use crate::access::permission;
use crate::audit::AuditEvent;
use crate::catalog::Product;
use crate::error::OrInternal;
use crate::listing_analytics::{self, ListingKeys, PriceChangeGql, StockCoverGql, UnitEconomicsGql};
use crate::paging::page_size;
use crate::performance::{PerformancePeriodGql, ProductPerformanceGql};
use async_graphql::{ComplexObject, Context, Enum, ID, Result, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_domain::identity::Permission;
use gomarket_domain::marketplace::account::{AccountId, AccountState, AccountStatus};
use gomarket_domain::marketplace::category_mapping::CategoryMappingState;
use gomarket_domain::marketplace::listing::{CardState, ListingState, PushArea, PushState};
use gomarket_domain::marketplace::values::Marketplace;
use gomarket_infra::event_store::EventFeed;
use gomarket_projections::catalog::get_product;
use sqlx::PgPool;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "Marketplace")]
pub enum MarketplaceGql {
    Wildberries,
    Ozon,
}

impl From<Marketplace> for MarketplaceGql {
    fn from(m: Marketplace) -> Self {
        match m {
            Marketplace::Wildberries => Self::Wildberries,
            Marketplace::Ozon => Self::Ozon,
        }
    }
}

impl From<MarketplaceGql> for Marketplace {
    fn from(m: MarketplaceGql) -> Self {
        match m {
            MarketplaceGql::Wildberries => Self::Wildberries,
            MarketplaceGql::Ozon => Self::Ozon,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "AccountStatus")]
pub enum AccountStatusGql {
    Active,
    /// The marketplace refused the token (expired or revoked): nothing is pushed until a new
    /// token is given.
    CredentialsInvalid,
    Disabled,
}

/// A seller account on a marketplace. Its API token is in the secrets store, never shown.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "MarketplaceAccount")]
pub struct AccountGql {
    pub id: ID,
    pub name: String,
    pub marketplace: MarketplaceGql,
    /// The seller's Client-Id (Ozon).
    pub client_id: Option<String>,
    pub status: AccountStatusGql,
    /// Why the credentials are invalid, in the marketplace's words.
    pub status_reason: Option<String>,
    pub warehouse_ids: Vec<i64>,
    /// Put before each product's SKU to make its vendor code.
    pub vendor_code_prefix: String,
    pub verified_at: Option<DateTime<Utc>>,
    pub connected_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl AccountGql {
    pub fn new(id: AccountId, version: u64, state: &AccountState) -> Self {
        let (status, status_reason) = match &state.status {
            AccountStatus::Active => (AccountStatusGql::Active, None),
            AccountStatus::CredentialsInvalid { reason } => {
                (AccountStatusGql::CredentialsInvalid, Some(reason.clone()))
            }
            AccountStatus::Disabled => (AccountStatusGql::Disabled, None),
        };
        let s = &state.settings;
        Self {
            id: ID(id.to_string()),
            name: s.name.as_str().to_owned(),
            marketplace: s.marketplace.into(),
            client_id: s.client_id.as_ref().map(|c| c.as_str().to_owned()),
            status,
            status_reason,
            warehouse_ids: s.warehouse_ids.iter().map(|w| w.get() as i64).collect(),
            vendor_code_prefix: s.card_rules.vendor_code_prefix.clone(),
            verified_at: state.verified_at,
            connected_at: state.connected_at,
            updated_at: state.updated_at,
            version: version as i64,
        }
    }
}

/// A characteristic of the marketplace subject, filled from a product attribute.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "MappedCharacteristic")]
pub struct MappedCharacteristicGql {
    pub id: i64,
    pub name: String,
    pub attribute: String,
    pub required: bool,
    pub numeric: bool,
}

/// Which marketplace subject a catalog category becomes.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "CategoryMapping")]
pub struct CategoryMappingGql {
    pub marketplace: MarketplaceGql,
    pub category: String,
    /// The marketplace category: Wildberries `subjectID`, Ozon `description_category_id`.
    pub subject_id: i64,
    /// The product type within the category (Ozon `type_id`).
    pub type_id: Option<i64>,
    pub characteristics: Vec<MappedCharacteristicGql>,
    pub updated_at: DateTime<Utc>,
}

impl From<&CategoryMappingState> for CategoryMappingGql {
    fn from(m: &CategoryMappingState) -> Self {
        Self {
            marketplace: m.marketplace.into(),
            category: m.category.clone(),
            subject_id: m.subject_id.get() as i64,
            type_id: m.type_id.map(|t| t as i64),
            characteristics: m
                .characteristics
                .iter()
                .map(|c| MappedCharacteristicGql {
                    id: c.id as i64,
                    name: c.name.clone(),
                    attribute: c.attribute.clone(),
                    required: c.required,
                    numeric: c.numeric,
                })
                .collect(),
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "CardState")]
pub enum CardStateGql {
    NotPublished,
    Requested,
    Created,
    Rejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "PushState")]
pub enum PushStateGql {
    Pending,
    Applied,
    Failed,
    Quarantined,
}

fn push_state(state: &PushState) -> (PushStateGql, Option<String>) {
    match state {
        PushState::Pending => (PushStateGql::Pending, None),
        PushState::Applied => (PushStateGql::Applied, None),
        PushState::Failed { reason } => (PushStateGql::Failed, Some(reason.clone())),
        PushState::Quarantined { reason } => (PushStateGql::Quarantined, Some(reason.clone())),
    }
}

/// The last price pushed: whole roubles on the marketplace, shown in kopecks.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "ListingPrice")]
pub struct ListingPriceGql {
    pub state: PushStateGql,
    /// The price before discount as the marketplace received it, in kopecks (whole roubles
    /// on Wildberries).
    pub value: i64,
    pub discount_percent: i32,
    /// The marketplace's task (0 when it refused the upload itself).
    pub task_id: i64,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "ListingStock")]
pub struct ListingStockGql {
    pub state: PushStateGql,
    pub value: i32,
    pub warehouse_id: i64,
    pub reason: Option<String>,
}

/// What the seller wants live.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "ListingTarget")]
pub struct ListingTargetGql {
    pub price_kopecks: i64,
    /// What the marketplace receives: whole roubles, rounded up.
    pub price_roubles: i64,
    pub discount_percent: i32,
    pub stock: i32,
    /// Bumped by each change of the target.
    pub intent: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "PushArea")]
pub enum PushAreaGql {
    Card,
    Price,
    Stock,
}

/// A refusal, in the marketplace's words (or GoMarket's, for local validation).
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "ListingError")]
pub struct ListingErrorGql {
    pub area: PushAreaGql,
    pub message: String,
    pub at: DateTime<Utc>,
}

/// One product on one marketplace account.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "Listing", complex)]
pub struct ListingGql {
    pub id: ID,
    pub account_id: ID,
    pub product_id: ID,
    pub marketplace: MarketplaceGql,
    /// The seller's article on the marketplace (Ozon `offer_id`).
    pub vendor_code: String,
    /// The card's state.
    pub state: CardStateGql,
    /// Why the card was rejected.
    pub rejection: Option<String>,
    /// The card's id on the marketplace once created: Wildberries `nmID`, Ozon `product_id`.
    pub card_id: Option<i64>,
    /// Wildberries `nmID` (the card's id, on either marketplace: see `cardId`).
    pub nm_id: Option<i64>,
    /// The ids stocks are set on: Wildberries `chrtID`s (Ozon: the `product_id`).
    pub chrt_ids: Vec<i64>,
    /// When the listing's failing or deferred push is tried again, and why it waits.
    pub retry_at: Option<DateTime<Utc>>,
    pub waiting_reason: Option<String>,
    pub target: ListingTargetGql,
    pub price: Option<ListingPriceGql>,
    pub stock: Option<ListingStockGql>,
    pub errors: Vec<ListingErrorGql>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The marketplace subject of the card (for its commission).
    #[graphql(skip)]
    pub subject_id: Option<i64>,
}

impl ListingGql {
    pub fn new(id: impl ToString, version: i64, s: &ListingState) -> Self {
        let (state, rejection) = match &s.card {
            CardState::NotPublished => (CardStateGql::NotPublished, None),
            CardState::Requested { .. } => (CardStateGql::Requested, None),
            CardState::Created { .. } => (CardStateGql::Created, None),
            CardState::Rejected { reason, .. } => (CardStateGql::Rejected, Some(reason.clone())),
        };
        Self {
            id: ID(id.to_string()),
            account_id: ID(s.account_id.to_string()),
            product_id: ID(s.product_id.to_string()),
            marketplace: s.marketplace.into(),
            vendor_code: s.vendor_code.as_str().to_owned(),
            state,
            rejection,
            card_id: s.nm_id().map(|n| n as i64),
            retry_at: s.retry.as_ref().map(|r| r.retry_at),
            waiting_reason: s.retry.as_ref().map(|r| r.reason.clone()),
            nm_id: s.nm_id().map(|n| n as i64),
            chrt_ids: s.chrt_ids().iter().map(|&c| c as i64).collect(),
            target: ListingTargetGql {
                price_kopecks: s.target.price.get(),
                price_roubles: s.target.price_roubles().get() as i64,
                discount_percent: s.target.discount.get().into(),
                stock: s.target.stock.get() as i32,
                intent: s.intent as i64,
            },
            price: s.price.as_ref().map(|p| {
                let (state, reason) = push_state(&p.state);
                ListingPriceGql {
                    state,
                    value: p.sent().get(),
                    discount_percent: p.discount.get().into(),
                    task_id: p.task_id as i64,
                    reason,
                }
            }),
            stock: s.stock.as_ref().map(|p| {
                let (state, reason) = push_state(&p.state);
                ListingStockGql {
                    state,
                    value: p.amount.get() as i32,
                    warehouse_id: p.warehouse.get() as i64,
                    reason,
                }
            }),
            errors: s
                .errors
                .iter()
                .map(|e| ListingErrorGql {
                    area: match e.area {
                        PushArea::Card => PushAreaGql::Card,
                        PushArea::Price => PushAreaGql::Price,
                        PushArea::Stock => PushAreaGql::Stock,
                    },
                    message: e.message.clone(),
                    at: e.at,
                })
                .collect(),
            published_at: s.published_at,
            updated_at: s.updated_at,
            version,
            subject_id: s.draft.as_ref().map(|d| d.subject_id.get() as i64),
        }
    }

    /// What the analytics fields need of it.
    fn keys(&self) -> ListingKeys {
        let uuid = |id: &ID| uuid::Uuid::parse_str(id).unwrap_or_default();
        ListingKeys {
            id: uuid(&self.id),
            account_id: uuid(&self.account_id),
            product_id: uuid(&self.product_id),
            marketplace: self.marketplace.into(),
            nm_id: self.nm_id,
            subject_id: self.subject_id,
            pushed_price_kopecks: self
                .price
                .as_ref()
                .map(|p| p.value * (100 - i64::from(p.discount_percent)) / 100),
        }
    }
}

#[ComplexObject]
impl ListingGql {
    /// The product listed, as the catalog shows it now.
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        let pool = ctx.data::<PgPool>()?;
        let id = uuid::Uuid::parse_str(&self.product_id).unwrap_or_default();
        get_product(pool, id).await.map(|p| p.map(Product)).or_internal(ctx)
    }

    /// The listing's article's figures over a window of days ending today (null: the
    /// marketplace reported nothing of it).
    #[graphql(guard = "permission(Permission::AnalyticsRead)")]
    async fn sales(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] period: PerformancePeriodGql,
    ) -> Result<Option<ProductPerformanceGql>> {
        listing_analytics::sales(ctx, &self.keys(), period.days()).await
    }

    /// One unit's economics at the live price: purchase price, the subject's commission,
    /// planned margin; and the margin realized over the last 7 and 30 days.
    #[graphql(guard = "permission(Permission::AnalyticsRead)")]
    async fn unit_economics(&self, ctx: &Context<'_>) -> Result<UnitEconomicsGql> {
        listing_analytics::unit_economics(ctx, &self.keys()).await
    }

    /// The stock in the seller's and the marketplace's warehouses, how long it lasts, and what
    /// running out cost over the last 30 days.
    #[graphql(guard = "permission(Permission::AnalyticsRead)")]
    async fn stock_cover(&self, ctx: &Context<'_>) -> Result<StockCoverGql> {
        let seller_stock = self.stock.as_ref().map(|s| i64::from(s.value));
        listing_analytics::stock_cover(ctx, &self.keys(), seller_stock).await
    }

    /// The prices the marketplace applied, newest first (at most `first`, 1–100), each with
    /// the sales of the 7 days before and after it.
    #[graphql(guard = "permission(Permission::AnalyticsRead)")]
    async fn price_history(&self, ctx: &Context<'_>, first: Option<i32>) -> Result<Vec<PriceChangeGql>> {
        let first = page_size(first)?;
        listing_analytics::price_changes(ctx, &self.keys(), first as i64).await
    }

    /// Every event of the listing, oldest first: each state change, with who caused it and
    /// the marketplace's words when it refused.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AuditEvent>> {
        let pool = ctx.data::<PgPool>()?;
        let feed = EventFeed::new(pool.clone());
        feed.aggregate_events("Listing", &self.id)
            .await
            .map(|events| events.into_iter().map(AuditEvent::from).collect())
            .or_internal(ctx)
    }
}
