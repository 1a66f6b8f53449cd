//! `connectMarketplaceAccount`, `disableMarketplaceAccount`, `enableMarketplaceAccount`,
//! `replaceMarketplaceToken`, `setCategoryMapping`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use gomarket_api_core::access::permission;
use gomarket_api_core::command::{Outcome, command_metadata, outcome};
use gomarket_api_core::context::request_context;
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::marketplace::{AccountGql, CategoryMappingGql, MarketplaceGql};
use gomarket_api_core::payload::{Payload, UserError};
use gomarket_api_core::{ErrorCode, failure};
use gomarket_domain::identity::Permission;
use gomarket_domain::marketplace::account::{
    AccountCommand, AccountId, AccountRefusal, AccountSettings, MarketplaceAccount,
};
use gomarket_domain::marketplace::card::CardRules;
use gomarket_domain::marketplace::category_mapping::{CategoryMappingCommand, MappedCharacteristic, MappingRefusal};
use gomarket_domain::marketplace::values::{AccountName, ClientId, SubjectId, VendorCode, WarehouseId};
use gomarket_infra::error_chain::Chain;
use gomarket_infra::event_store::Executed;
use gomarket_infra::marketplace::{ConnectError, Marketplaces};
use std::sync::Arc;

/// The longest vendor code prefix: leaves room for the SKU within 72 characters.
const MAX_PREFIX_CHARS: usize = 20;

#[derive(Debug, Clone, InputObject)]
pub struct ConnectMarketplaceAccountInput {
    pub name: String,
    pub marketplace: MarketplaceGql,
    /// The seller's Client-Id: required on Ozon, refused on Wildberries.
    pub client_id: Option<String>,
    /// The marketplace API token (Wildberries: content, prices and marketplace categories;
    /// Ozon: the Api-Key). Checked with the marketplace, then kept encrypted; never shown
    /// again.
    pub token: String,
    /// The seller's warehouses for stocks (the first is where stocks go).
    pub warehouse_ids: Vec<i64>,
    /// Put before each product's SKU to make its vendor code (≤ 20 characters).
    #[graphql(default)]
    pub vendor_code_prefix: String,
}

#[derive(Debug, Clone, Default, SimpleObject)]
pub struct AccountPayload {
    pub account: Option<AccountGql>,
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
}

gomarket_api_core::payload!(AccountPayload);

impl AccountPayload {
    fn accepted(id: AccountId, executed: &Executed<MarketplaceAccount>) -> Self {
        Self {
            account: executed
                .aggregate
                .state
                .as_ref()
                .map(|s| AccountGql::new(id, executed.version, s)),
            errors: vec![],
            consistency_token: executed.token.as_ref().map(|t| t.encode()),
        }
    }
}

fn account_refusal(refusal: &AccountRefusal) -> UserError {
    let (code, field) = match refusal {
        AccountRefusal::BadId => (ErrorCode::BadUserInput, "id"),
        AccountRefusal::AlreadyConnected => (ErrorCode::Conflict, "id"),
        AccountRefusal::NotFound => (ErrorCode::NotFound, "id"),
        AccountRefusal::NoWarehouse => (ErrorCode::BadUserInput, "warehouseIds"),
        AccountRefusal::ClientIdRequired(_) | AccountRefusal::ClientIdNotUsed(_) => {
            (ErrorCode::BadUserInput, "clientId")
        }
    };
    UserError::new(code, field, refusal.to_string())
}

/// What `connectMarketplaceAccount` asks for, parsed.
struct Connect {
    name: AccountName,
    client_id: Option<ClientId>,
    warehouse_ids: Vec<WarehouseId>,
    prefix: String,
}

fn parse_connect(input: &ConnectMarketplaceAccountInput) -> Result<Connect, Vec<UserError>> {
    let mut errors = Vec::new();
    let client_id = match input.client_id.as_deref().map(ClientId::parse).transpose() {
        Ok(id) => id,
        Err(e) => {
            errors.push(UserError::new(ErrorCode::BadUserInput, "clientId", e.to_string()));
            None
        }
    };
    let name = AccountName::parse(&input.name)
        .map_err(|e| errors.push(UserError::new(ErrorCode::BadUserInput, "name", e.to_string())))
        .ok();
    if input.token.trim().is_empty() {
        errors.push(UserError::new(ErrorCode::BadUserInput, "token", "must not be empty"));
    }
    let mut warehouses = Vec::new();
    for raw in &input.warehouse_ids {
        match WarehouseId::new(*raw) {
            Ok(id) if !warehouses.contains(&id) => warehouses.push(id),
            Ok(_) => errors.push(UserError::new(
                ErrorCode::BadUserInput,
                "warehouseIds",
                format!("{raw} is listed twice"),
            )),
            Err(e) => errors.push(UserError::new(
                ErrorCode::BadUserInput,
                "warehouseIds",
                format!("{raw} {e}"),
            )),
        }
    }
    if input.warehouse_ids.is_empty() {
        errors.push(UserError::new(
            ErrorCode::BadUserInput,
            "warehouseIds",
            "at least one warehouse id is needed to push stocks",
        ));
    }
    let prefix = input.vendor_code_prefix.trim().to_owned();
    if prefix.chars().count() > MAX_PREFIX_CHARS || (!prefix.is_empty() && VendorCode::parse(&prefix).is_err()) {
        errors.push(UserError::new(
            ErrorCode::BadUserInput,
            "vendorCodePrefix",
            format!("must be at most {MAX_PREFIX_CHARS} characters without spaces"),
        ));
    }
    match name {
        Some(name) if errors.is_empty() => Ok(Connect {
            name,
            client_id,
            warehouse_ids: warehouses,
            prefix,
        }),
        _ => Err(errors),
    }
}

#[derive(Debug, Clone, InputObject)]
pub struct MappedCharacteristicInput {
    /// The marketplace's characteristic id.
    pub id: i64,
    pub name: String,
    /// The product attribute holding its value.
    pub attribute: String,
    #[graphql(default)]
    pub required: bool,
    #[graphql(default)]
    pub numeric: bool,
}

#[derive(Debug, Clone, InputObject)]
pub struct CategoryMappingInput {
    pub marketplace: MarketplaceGql,
    /// The catalog category path, as products carry it (`Бытовая техника/Чайники`).
    pub category: String,
    /// The marketplace category: Wildberries `subjectID`, Ozon `description_category_id`.
    pub subject_id: i64,
    /// The product type within the category: Ozon `type_id` (required there; refused on
    /// Wildberries).
    pub type_id: Option<i64>,
    #[graphql(default)]
    pub characteristics: Vec<MappedCharacteristicInput>,
}

#[derive(Debug, Clone, Default, SimpleObject)]
pub struct CategoryMappingPayload {
    pub mapping: Option<CategoryMappingGql>,
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
}

gomarket_api_core::payload!(CategoryMappingPayload);

fn mapping_refusal(refusal: &MappingRefusal) -> UserError {
    let field = match refusal {
        MappingRefusal::BadId => "id",
        MappingRefusal::EmptyCategory => "category",
        MappingRefusal::DuplicateCharacteristic(_) => "characteristics",
        MappingRefusal::TypeRequired(_) | MappingRefusal::TypeNotUsed(_) => "typeId",
    };
    UserError::new(ErrorCode::BadUserInput, field, refusal.to_string())
}

/// The payload of a connection or token change the marketplace or the store refused.
fn connect_refused(ctx: &Context<'_>, error: ConnectError) -> Result<AccountPayload> {
    let error = match error {
        ConnectError::TokenRefused(detail) => UserError::new(
            ErrorCode::BadUserInput,
            "token",
            format!("the marketplace refused the token: {detail}"),
        ),
        e @ ConnectError::Upstream(_) => UserError::new(ErrorCode::UpstreamUnavailable, "token", Chain(&e).to_string()),
        ConnectError::Refused(r) => account_refusal(&r),
        e @ ConnectError::Store(_) => return Err(failure(&e, &request_context(ctx).correlation_id)),
    };
    Ok(AccountPayload::refused(ctx, vec![error]))
}

#[derive(Debug, Default)]
pub struct AccountMutation;

impl AccountMutation {
    async fn account_command(&self, ctx: &Context<'_>, id: &ID, command: AccountCommand) -> Result<AccountPayload> {
        let id = match parse_uuid(id, "id") {
            Ok(id) => AccountId::from(id),
            Err(_) => {
                return Ok(AccountPayload::refused(
                    ctx,
                    vec![UserError::new(ErrorCode::BadUserInput, "id", "not a valid id")],
                ));
            }
        };
        let marketplaces = ctx.data::<Arc<Marketplaces>>()?;
        let metadata = command_metadata(ctx, command.name());
        let result = marketplaces
            .accounts()
            .execute(&id.to_string(), command, &metadata)
            .await;
        let conflict = || UserError::new(ErrorCode::Conflict, "id", "changed concurrently; retry");
        Ok(match outcome(ctx, result, account_refusal, conflict)? {
            Outcome::Done(executed) => AccountPayload::accepted(id, &executed),
            Outcome::Refused(errors) => AccountPayload::refused(ctx, errors),
        })
    }
}

#[Object]
impl AccountMutation {
    /// Connects a seller account: the token is checked with the marketplace (`/ping`) and
    /// kept encrypted in the secrets store; a refused token connects nothing.
    #[graphql(guard = "permission(Permission::MarketplaceWrite)")]
    async fn connect_marketplace_account(
        &self,
        ctx: &Context<'_>,
        input: ConnectMarketplaceAccountInput,
    ) -> Result<AccountPayload> {
        let Connect {
            name,
            client_id,
            warehouse_ids,
            prefix,
        } = match parse_connect(&input) {
            Ok(parsed) => parsed,
            Err(errors) => return Ok(AccountPayload::refused(ctx, errors)),
        };
        let marketplaces = ctx.data::<Arc<Marketplaces>>()?;
        let marketplace = input.marketplace.into();
        let settings = |secret: gomarket_infra::secrets::SecretId| AccountSettings {
            name,
            marketplace,
            client_id,
            token_secret_id: secret.0,
            warehouse_ids,
            card_rules: CardRules {
                vendor_code_prefix: prefix,
                ..CardRules::default()
            },
        };
        match marketplaces
            .connect(
                settings,
                &input.token,
                &command_metadata(ctx, "ConnectMarketplaceAccount"),
            )
            .await
        {
            Ok((id, executed)) => Ok(AccountPayload::accepted(id, &executed)),
            Err(error) => connect_refused(ctx, error),
        }
    }

    /// Gives an account a new token: checked with the marketplace (`/ping`) first, then kept
    /// encrypted. An account whose token was refused (`CREDENTIALS_INVALID`) is active again
    /// and its pushes resume; a refused new token changes nothing.
    #[graphql(guard = "permission(Permission::MarketplaceWrite)")]
    async fn replace_marketplace_token(&self, ctx: &Context<'_>, id: ID, token: String) -> Result<AccountPayload> {
        let id = match parse_uuid(&id, "id") {
            Ok(id) => AccountId::from(id),
            Err(_) => {
                return Ok(AccountPayload::refused(
                    ctx,
                    vec![UserError::new(ErrorCode::BadUserInput, "id", "not a valid id")],
                ));
            }
        };
        if token.trim().is_empty() {
            return Ok(AccountPayload::refused(
                ctx,
                vec![UserError::new(ErrorCode::BadUserInput, "token", "must not be empty")],
            ));
        }
        let marketplaces = ctx.data::<Arc<Marketplaces>>()?;
        match marketplaces
            .replace_token(id, &token, &command_metadata(ctx, "ReplaceAccountToken"))
            .await
        {
            Ok(executed) => Ok(AccountPayload::accepted(id, &executed)),
            Err(error) => connect_refused(ctx, error),
        }
    }

    /// Stops all pushes of an account (its listings stay).
    #[graphql(guard = "permission(Permission::MarketplaceWrite)")]
    async fn disable_marketplace_account(&self, ctx: &Context<'_>, id: ID) -> Result<AccountPayload> {
        self.account_command(ctx, &id, AccountCommand::Disable).await
    }

    #[graphql(guard = "permission(Permission::MarketplaceWrite)")]
    async fn enable_marketplace_account(&self, ctx: &Context<'_>, id: ID) -> Result<AccountPayload> {
        self.account_command(ctx, &id, AccountCommand::Enable).await
    }

    /// Maps a catalog category to a marketplace subject, with the subject's characteristics
    /// taken from product attributes. Replaces the category's mapping as a whole.
    #[graphql(guard = "permission(Permission::MarketplaceWrite)")]
    async fn set_category_mapping(
        &self,
        ctx: &Context<'_>,
        input: CategoryMappingInput,
    ) -> Result<CategoryMappingPayload> {
        let refused = |errors: Vec<UserError>| Ok(CategoryMappingPayload::refused(ctx, errors));
        let subject_id = match SubjectId::new(input.subject_id) {
            Ok(id) => id,
            Err(e) => {
                return refused(vec![UserError::new(
                    ErrorCode::BadUserInput,
                    "subjectId",
                    e.to_string(),
                )]);
            }
        };
        let type_id = match input.type_id.map(u64::try_from).transpose() {
            Ok(type_id) if type_id != Some(0) => type_id,
            _ => {
                return refused(vec![UserError::new(
                    ErrorCode::BadUserInput,
                    "typeId",
                    "must be a positive number",
                )]);
            }
        };
        let mut characteristics = Vec::new();
        for c in input.characteristics {
            let (Ok(id), false, false) = (
                u64::try_from(c.id),
                c.name.trim().is_empty(),
                c.attribute.trim().is_empty(),
            ) else {
                return refused(vec![UserError::new(
                    ErrorCode::BadUserInput,
                    "characteristics",
                    "each needs a positive id, a name and an attribute",
                )]);
            };
            characteristics.push(MappedCharacteristic {
                id,
                name: c.name.trim().to_owned(),
                attribute: c.attribute.trim().to_owned(),
                required: c.required,
                numeric: c.numeric,
            });
        }
        let command = CategoryMappingCommand::Set {
            marketplace: input.marketplace.into(),
            category: input.category,
            subject_id,
            type_id,
            characteristics,
        };
        let marketplaces = ctx.data::<Arc<Marketplaces>>()?;
        let result = marketplaces
            .set_mapping(command, &command_metadata(ctx, "SetCategoryMapping"))
            .await;
        let conflict = || UserError::new(ErrorCode::Conflict, "category", "changed concurrently; retry");
        match outcome(ctx, result, mapping_refusal, conflict)? {
            Outcome::Done((_, executed)) => Ok(CategoryMappingPayload {
                mapping: executed.aggregate.state.as_ref().map(CategoryMappingGql::from),
                errors: vec![],
                consistency_token: executed.token.map(|t| t.encode()),
            }),
            Outcome::Refused(errors) => refused(errors),
        }
    }
}
