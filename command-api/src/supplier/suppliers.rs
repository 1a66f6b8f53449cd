use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use gomarket_api_core::ErrorCode;
use gomarket_api_core::access::permission;
use gomarket_api_core::command::{OnConflict, Outcome, command_metadata, outcome, run_command};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::payload::{Payload, UserError};
use gomarket_api_core::supplier::{FeedEncodingGql, FeedKindGql, SupplierGql};
use gomarket_domain::identity::Permission;
use gomarket_domain::supplier::{
    FeedEncoding, FeedUrl, ImageUrlTemplate, SupplierCommand, SupplierId, SupplierName, SupplierRefusal,
    SupplierSettings,
};
use gomarket_infra::supplier::SupplierRegistry;
use gomarket_infra::supplier::import::Importer;
use gomarket_infra::supplier::import::feed_policy::FeedPolicy;
use std::sync::Arc;

/// A supplier's settings, as a whole.
#[derive(Debug, Clone, InputObject)]
pub struct SupplierInput {
    pub name: String,
    pub kind: FeedKindGql,
    /// `http(s)://` or `file://`; for the Wholesaler set, the base URL of its files.
    pub url: String,
    #[graphql(default_with = "FeedEncodingGql::Auto")]
    pub encoding: FeedEncodingGql,
    /// Image URL with `{key}` where the feed's image key goes.
    pub image_url_template: Option<String>,
    /// A secret (from `storeSecret`) with the feed's credentials.
    pub credentials_secret_id: Option<ID>,
}

impl SupplierInput {
    /// The settings, checked against `policy` too where that can be known before fetching (a
    /// `file://` URL with no feed folder configured, an address literal that is not public;
    /// names are checked when they are resolved, at every fetch).
    fn parse(self, policy: &FeedPolicy) -> Result<SupplierSettings, Vec<UserError>> {
        let mut errors = Vec::new();
        let mut field =
            |name: &str, message: String| errors.push(UserError::new(ErrorCode::BadUserInput, name, message));
        let name = SupplierName::parse(&self.name)
            .map_err(|e| field("name", e.to_string()))
            .ok();
        let url = FeedUrl::parse(&self.url)
            .map_err(|e| e.to_string())
            .and_then(|url| {
                let forbidden_file = url.file_path().is_some() && policy.feed_dir.is_none() && !policy.any_file;
                if forbidden_file {
                    return Err(
                        "file:// feeds are not accepted: no feed folder is configured (GOMARKET_FEED_DIR)".into(),
                    );
                }
                policy.check_literal_host(url.as_str()).map_err(|e| e.to_string())?;
                Ok(url)
            })
            .map_err(|message| field("url", message))
            .ok();
        let template = match self
            .image_url_template
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(raw) => ImageUrlTemplate::parse(raw)
                .map(Some)
                .map_err(|e| field("imageUrlTemplate", e.to_string()))
                .ok(),
            None => Some(None),
        };
        let secret = match &self.credentials_secret_id {
            Some(id) => parse_uuid(id, "credentialsSecretId")
                .map(Some)
                .map_err(|_| field("credentialsSecretId", "not a valid id".into()))
                .ok(),
            None => Some(None),
        };
        match (name, url, template, secret) {
            (Some(name), Some(url), Some(image_url_template), Some(credentials_secret_id)) => Ok(SupplierSettings {
                name,
                kind: self.kind.into(),
                url,
                encoding: FeedEncoding::from(self.encoding),
                image_url_template,
                credentials_secret_id,
            }),
            _ => Err(errors),
        }
    }
}

/// What a supplier mutation answers.
#[derive(Debug, Clone, Default, SimpleObject)]
pub struct SupplierPayload {
    pub supplier: Option<SupplierGql>,
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
}

gomarket_api_core::payload!(SupplierPayload);

impl SupplierPayload {}

fn refusal(refusal: &SupplierRefusal) -> UserError {
    match refusal {
        SupplierRefusal::AlreadyExists { .. } => UserError::new(ErrorCode::AlreadyExists, "name", refusal.to_string()),
        SupplierRefusal::NotFound => UserError::new(ErrorCode::NotFound, "id", refusal.to_string()),
    }
}

async fn execute(ctx: &Context<'_>, id: SupplierId, command: SupplierCommand) -> Result<SupplierPayload> {
    let registry = ctx.data::<Arc<SupplierRegistry>>()?;
    let metadata = command_metadata(ctx, command.name());
    let result = run_command(registry.bus(), &id.to_string(), command, &metadata, OnConflict::Refuse).await;
    let conflict = || UserError::new(ErrorCode::Conflict, "id", "changed concurrently; retry");
    Ok(match outcome(ctx, result, refusal, conflict)? {
        Outcome::Done(executed) => SupplierPayload {
            supplier: executed
                .aggregate
                .state
                .as_ref()
                .map(|s| SupplierGql::new(id, executed.version, s)),
            errors: vec![],
            consistency_token: executed.token.map(|t| t.encode()),
        },
        Outcome::Refused(errors) => SupplierPayload::refused(ctx, errors),
    })
}

fn supplier_id(id: &ID) -> Result<SupplierId, UserError> {
    parse_uuid(id, "id")
        .map(SupplierId::from)
        .map_err(|_| UserError::new(ErrorCode::BadUserInput, "id", "not a valid id"))
}

#[derive(Debug, Default)]
pub struct SupplierSettingsMutation;

#[Object]
impl SupplierSettingsMutation {
    /// Registers a supplier. Names are unique (ignoring case).
    #[graphql(guard = "permission(Permission::SuppliersWrite)")]
    async fn register_supplier(&self, ctx: &Context<'_>, input: SupplierInput) -> Result<SupplierPayload> {
        match input.parse(ctx.data::<Arc<Importer>>()?.feed_policy()) {
            Ok(settings) => {
                let id = SupplierId::for_name(&settings.name);
                execute(ctx, id, SupplierCommand::Register(settings)).await
            }
            Err(errors) => Ok(SupplierPayload::refused(ctx, errors)),
        }
    }

    /// Replaces a supplier's settings.
    #[graphql(guard = "permission(Permission::SuppliersWrite)")]
    async fn update_supplier(&self, ctx: &Context<'_>, id: ID, input: SupplierInput) -> Result<SupplierPayload> {
        let id = match supplier_id(&id) {
            Ok(id) => id,
            Err(error) => return Ok(SupplierPayload::refused(ctx, vec![error])),
        };
        match input.parse(ctx.data::<Arc<Importer>>()?.feed_policy()) {
            Ok(settings) => execute(ctx, id, SupplierCommand::Update(settings)).await,
            Err(errors) => Ok(SupplierPayload::refused(ctx, errors)),
        }
    }

    /// Stops imports of a supplier (its products stay).
    #[graphql(guard = "permission(Permission::SuppliersWrite)")]
    async fn disable_supplier(&self, ctx: &Context<'_>, id: ID) -> Result<SupplierPayload> {
        match supplier_id(&id) {
            Ok(id) => execute(ctx, id, SupplierCommand::Disable).await,
            Err(error) => Ok(SupplierPayload::refused(ctx, vec![error])),
        }
    }

    #[graphql(guard = "permission(Permission::SuppliersWrite)")]
    async fn enable_supplier(&self, ctx: &Context<'_>, id: ID) -> Result<SupplierPayload> {
        match supplier_id(&id) {
            Ok(id) => execute(ctx, id, SupplierCommand::Enable).await,
            Err(error) => Ok(SupplierPayload::refused(ctx, vec![error])),
        }
    }
}
