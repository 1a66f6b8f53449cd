//! The marketplace service: what the GraphQL mutations, queries and the push worker do with
//! accounts, category mappings and listings, over the event store, the secrets store and the
//! marketplace adapters.

use super::adapters::Adapters;
use super::port::{Credentials, MarketplaceApi, MarketplaceError};
use super::wildberries::{WbAccount, WbClient};
use crate::event_store::StoreError;
use crate::event_store::batch::{load_all_in_creation_order, load_in_order, load_many};
use crate::event_store::{CommandBus, CommandError, ConsistencyToken, EventMetadata, Executed};
use crate::secrets::{SecretError, SecretId, SecretStore, SecretValue};
use crate::telemetry::Metrics;
use gomarket_domain::catalog::{Kopecks, Product, ProductId, ProductState};
use gomarket_domain::clock::SharedClock;
use gomarket_domain::marketplace::account::{
    AccountCommand, AccountId, AccountRefusal, AccountSettings, AccountState, MarketplaceAccount,
};
use gomarket_domain::marketplace::card::build_card;
use gomarket_domain::marketplace::category_mapping::{
    CategoryMapping, CategoryMappingCommand, CategoryMappingId, CategoryMappingState, MappingRefusal,
};
use gomarket_domain::marketplace::listing::{Listing, ListingCommand, ListingId, ListingRefusal, ListingTarget};
use gomarket_domain::marketplace::values::{DiscountPercent, ListedStock, Marketplace, VendorCode};
use gomarket_domain::pure_aggregate::ClockServices;
use sqlx::PgPool;
use uuid::Uuid;

/// Why an account could not be connected; each variant's doc names its GraphQL code.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// `BAD_USER_INPUT` on `token`: the marketplace refused it.
    #[error("the marketplace refused the token: {0}")]
    TokenRefused(String),
    /// `UPSTREAM_UNAVAILABLE`: the token could not be checked.
    #[error("the marketplace could not be reached to check the token")]
    Upstream(#[source] MarketplaceError),
    /// Per the refusal's own doc.
    #[error(transparent)]
    Refused(AccountRefusal),
    /// `INTERNAL`.
    #[error("")]
    Store(#[source] StoreError),
}

/// One product's outcome in `publishProducts`.
#[derive(Debug)]
pub enum PublishOutcome {
    /// Listed (its card may still be rejected locally; see the listing), with the token of
    /// the listing's last event.
    Listed(ListingId, Box<Listing>, Option<ConsistencyToken>),
    /// `NOT_FOUND`: no such product.
    UnknownProduct(ProductId),
    /// Per the refusal's doc.
    Refused(ProductId, ListingRefusal),
}

/// Accounts, mappings and listings.
pub struct Marketplaces {
    pool: PgPool,
    accounts: CommandBus<MarketplaceAccount>,
    mappings: CommandBus<CategoryMapping>,
    listings: CommandBus<Listing>,
    secrets: SecretStore,
    adapters: Adapters,
    clock: SharedClock,
}

impl std::fmt::Debug for Marketplaces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Marketplaces").finish_non_exhaustive()
    }
}

fn store_error(e: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> StoreError {
    StoreError::new(e)
}

/// Why an account's credentials could not be had for a request.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("the account's token cannot be read from the secrets store")]
    Secret(#[from] SecretError),
    #[error("the stored token is not a valid header")]
    NotAHeader,
}

impl Marketplaces {
    pub fn new(pool: PgPool, clock: SharedClock, metrics: Metrics, secrets: SecretStore, adapters: Adapters) -> Self {
        let services = || ClockServices { clock: clock.clone() };
        Self {
            accounts: CommandBus::new(pool.clone(), services(), metrics.clone()),
            mappings: CommandBus::new(pool.clone(), services(), metrics.clone()),
            listings: CommandBus::new(pool.clone(), services(), metrics),
            pool,
            secrets,
            adapters,
            clock,
        }
    }

    /// Now, by the clock the listings' events are stamped with (a marketplace's hourly caps
    /// are counted on it).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The Wildberries client (the sales ingest reads Wildberries' reports with it).
    pub fn client(&self) -> &WbClient {
        self.adapters.wildberries.client()
    }

    /// The adapter of an account's marketplace.
    pub fn api(&self, account: &AccountState) -> &dyn MarketplaceApi {
        self.adapters.of(account.settings.marketplace)
    }

    pub fn accounts(&self) -> &CommandBus<MarketplaceAccount> {
        &self.accounts
    }

    pub fn listings(&self) -> &CommandBus<Listing> {
        &self.listings
    }

    pub fn mappings(&self) -> &CommandBus<CategoryMapping> {
        &self.mappings
    }

    /// Checks the credentials with the marketplace, keeps the token in the secrets store,
    /// and connects the account. Nothing is stored when they are refused.
    pub async fn connect(
        &self,
        settings: impl FnOnce(SecretId) -> AccountSettings,
        token: &str,
        metadata: &EventMetadata,
    ) -> Result<(AccountId, Executed<MarketplaceAccount>), ConnectError> {
        let id = AccountId::from(Uuid::now_v7());
        let mut settings = settings(SecretId(Uuid::nil()));
        if let Err(refusal) = settings.check() {
            return Err(ConnectError::Refused(refusal));
        }
        let secret = self.check_and_keep_token(id, &settings, token, &metadata.actor).await?;
        settings.token_secret_id = secret.0;
        let command = AccountCommand::Connect(settings);
        let executed = self
            .accounts
            .execute(
                &id.to_string(),
                command,
                &metadata.with_command("ConnectMarketplaceAccount"),
            )
            .await
            .map_err(|e| match e {
                CommandError::Refused(r) => ConnectError::Refused(r),
                other => ConnectError::Store(StoreError::new(other)),
            })?;
        let verified = self
            .accounts
            .execute(
                &id.to_string(),
                AccountCommand::RecordVerified,
                &metadata.with_command("RecordAccountVerified"),
            )
            .await
            .map_err(|e| ConnectError::Store(StoreError::new(e)))?;
        Ok((
            id,
            Executed {
                recorded: executed.recorded + verified.recorded,
                ..verified
            },
        ))
    }

    /// Checks `token` with the account's marketplace (a cheap authenticated call) and, when
    /// accepted, keeps it in the secrets store for account `id`.
    async fn check_and_keep_token(
        &self,
        id: AccountId,
        settings: &AccountSettings,
        token: &str,
        actor: &str,
    ) -> Result<SecretId, ConnectError> {
        let probe = Credentials::new(id.as_uuid(), settings.client_id.clone(), SecretValue::new(token.trim()));
        match self.adapters.of(settings.marketplace).check_credentials(&probe).await {
            Ok(()) => {}
            Err(MarketplaceError::Unauthorized { detail } | MarketplaceError::Refused { message: detail, .. }) => {
                return Err(ConnectError::TokenRefused(detail));
            }
            Err(e @ (MarketplaceError::Unavailable { .. } | MarketplaceError::BadResponse { .. })) => {
                return Err(ConnectError::Upstream(e));
            }
        }
        let secret = self
            .secrets
            .put(
                &format!("marketplace-token:{id}"),
                &SecretValue::new(token.trim()),
                actor,
            )
            .await
            .map_err(|e| ConnectError::Store(store_error(e)))?;
        Ok(secret.id)
    }

    /// Gives account `id` a new token, checked with its marketplace first and kept encrypted; an
    /// account whose token was refused is active again. Nothing is stored when the new token
    /// is refused or the account does not exist.
    pub async fn replace_token(
        &self,
        id: AccountId,
        token: &str,
        metadata: &EventMetadata,
    ) -> Result<Executed<MarketplaceAccount>, ConnectError> {
        let account = self.load_account(id).await.map_err(ConnectError::Store)?;
        let Some(state) = account.state else {
            return Err(ConnectError::Refused(AccountRefusal::NotFound));
        };
        let secret = self
            .check_and_keep_token(id, &state.settings, token, &metadata.actor)
            .await?;
        self.accounts
            .execute(
                &id.to_string(),
                AccountCommand::ReplaceToken {
                    token_secret_id: secret.0,
                },
                &metadata.with_command("ReplaceAccountToken"),
            )
            .await
            .map_err(|e| match e {
                CommandError::Refused(r) => ConnectError::Refused(r),
                other => ConnectError::Store(StoreError::new(other)),
            })
    }

    /// Every account, in connection order.
    pub async fn list_accounts(&self) -> Result<Vec<(AccountId, MarketplaceAccount)>, StoreError> {
        let accounts = load_all_in_creation_order::<MarketplaceAccount>(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(accounts
            .into_iter()
            .filter_map(|(id, account)| Some((AccountId::parse(&id).ok()?, account)))
            .collect())
    }

    pub async fn load_account(&self, id: AccountId) -> Result<MarketplaceAccount, StoreError> {
        self.accounts.load(&id.to_string()).await.map_err(StoreError::from)
    }

    /// The account's credentials for requests.
    pub async fn credentials(&self, id: AccountId, state: &AccountState) -> Result<Credentials, CredentialsError> {
        let token = self.secrets.reveal(SecretId(state.settings.token_secret_id)).await?;
        Ok(Credentials::new(id.as_uuid(), state.settings.client_id.clone(), token))
    }

    /// A Wildberries account's credentials (read with [`Self::credentials`]) for the
    /// Wildberries client (its own tables); `None` for an account on another marketplace.
    pub fn wildberries_credentials(
        &self,
        state: &AccountState,
        credentials: &Credentials,
    ) -> Result<Option<WbAccount>, CredentialsError> {
        if state.settings.marketplace != Marketplace::Wildberries {
            return Ok(None);
        }
        WbAccount::new(credentials.account_id, credentials.token())
            .map(Some)
            .ok_or(CredentialsError::NotAHeader)
    }

    pub async fn set_mapping(
        &self,
        command: CategoryMappingCommand,
        metadata: &EventMetadata,
    ) -> Result<(CategoryMappingId, Executed<CategoryMapping>), CommandError<MappingRefusal>> {
        let CategoryMappingCommand::Set {
            marketplace, category, ..
        } = &command;
        let id = CategoryMappingId::for_category(*marketplace, category);
        let executed = self.mappings.execute(&id.to_string(), command, metadata).await?;
        Ok((id, executed))
    }

    /// The seller's mapping of `category` on `marketplace`, if set.
    pub async fn mapping_for(
        &self,
        marketplace: Marketplace,
        category: &str,
    ) -> Result<Option<CategoryMappingState>, StoreError> {
        let id = CategoryMappingId::for_category(marketplace, category);
        Ok(self
            .mappings
            .load(&id.to_string())
            .await
            .map_err(StoreError::from)?
            .state)
    }

    /// Every mapping of `marketplace`, in the order they were first set.
    pub async fn list_mappings(&self) -> Result<Vec<CategoryMappingState>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT aggregate_id FROM events WHERE aggregate_type = 'CategoryMapping' AND sequence = 1 ORDER BY position",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let mappings = load_in_order::<CategoryMapping>(&self.pool, ids)
            .await
            .map_err(store_error)?;
        Ok(mappings.into_iter().filter_map(|(_, m)| m.state).collect())
    }

    /// Products by id, current state (absent ones are missing from the map).
    pub async fn load_products(
        &self,
        ids: &[ProductId],
    ) -> Result<std::collections::HashMap<ProductId, ProductState>, StoreError> {
        let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        let loaded = load_many::<Product>(&mut conn, &keys).await.map_err(store_error)?;
        Ok(loaded
            .into_iter()
            .filter_map(|(id, l)| Some((ProductId::parse(&id).ok()?, l.aggregate.state?)))
            .collect())
    }

    /// Publishes products on an account: each gets its listing (created, or found again),
    /// its target from the product (price, no discount, stock capped to the marketplace's
    /// maximum), and its card checked locally now, so a product that cannot make a card is
    /// rejected with the reason and never sent.
    pub async fn publish(
        &self,
        account_id: AccountId,
        account: &AccountState,
        product_ids: &[ProductId],
        metadata: &EventMetadata,
    ) -> Result<Vec<PublishOutcome>, StoreError> {
        let wanted: Vec<(ProductId, Option<ListingTarget>)> = product_ids.iter().map(|p| (*p, None)).collect();
        self.publish_with(account_id, account, &wanted, metadata).await
    }

    /// Publishes products with the targets given (a sync policy's prices and stocks) rather
    /// than the products' own.
    pub async fn publish_targeted(
        &self,
        account_id: AccountId,
        account: &AccountState,
        targets: &[(ProductId, ListingTarget)],
        metadata: &EventMetadata,
    ) -> Result<Vec<PublishOutcome>, StoreError> {
        let wanted: Vec<(ProductId, Option<ListingTarget>)> = targets.iter().map(|(p, t)| (*p, Some(*t))).collect();
        self.publish_with(account_id, account, &wanted, metadata).await
    }

    async fn publish_with(
        &self,
        account_id: AccountId,
        account: &AccountState,
        wanted: &[(ProductId, Option<ListingTarget>)],
        metadata: &EventMetadata,
    ) -> Result<Vec<PublishOutcome>, StoreError> {
        let product_ids: Vec<ProductId> = wanted.iter().map(|(p, _)| *p).collect();
        let products = self.load_products(&product_ids).await?;
        let rules = &account.settings.card_rules;
        let marketplace = account.settings.marketplace;
        let mut outcomes = Vec::with_capacity(wanted.len());
        for &(product_id, target) in wanted {
            let Some(product) = products.get(&product_id) else {
                outcomes.push(PublishOutcome::UnknownProduct(product_id));
                continue;
            };
            let mapping = match &product.category {
                Some(category) => self.mapping_for(marketplace, category.as_str()).await?,
                None => None,
            };
            let refusal = build_card(product, mapping.as_ref(), rules)
                .err()
                .map(|r| format!("{}: {r}", r.code()));
            // A vendor code that cannot be made is reported by the card refusal; the listing
            // still needs one to exist, so it falls back to the bare product id.
            let vendor_code = VendorCode::for_product(&rules.vendor_code_prefix, product.sku.as_str())
                .or_else(|_| VendorCode::parse(&product_id.as_uuid().simple().to_string()))
                .map_err(store_error)?;
            let command = ListingCommand::Publish {
                account_id,
                marketplace,
                product_id,
                vendor_code,
                target: target.unwrap_or_else(|| target_of(product)),
                refusal,
            };
            let listing_id = ListingId::for_product(account_id, product_id);
            match self
                .listings
                .execute_retrying(
                    &listing_id.to_string(),
                    command,
                    &metadata.with_command("PublishListing"),
                    5,
                )
                .await
            {
                Ok(executed) => outcomes.push(PublishOutcome::Listed(
                    listing_id,
                    Box::new(executed.aggregate),
                    executed.token,
                )),
                Err(CommandError::Refused(r)) => outcomes.push(PublishOutcome::Refused(product_id, r)),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(outcomes)
    }
}

/// What a product asks of its listing: its price (no discount) and its stock.
pub fn target_of(product: &ProductState) -> ListingTarget {
    ListingTarget {
        price: Kopecks::new(product.price.get()).unwrap_or(product.price),
        discount: DiscountPercent::default(),
        stock: ListedStock::capped(if product.available { product.stock.get() } else { 0 }),
    }
}
