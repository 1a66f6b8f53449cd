use async_graphql::{Context, ID, Object, Result, SimpleObject};
use gomarket_api_core::access::permission;
use gomarket_api_core::command::command_metadata;
use gomarket_api_core::context::request_context;
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::payload::{Payload, UserError};
use gomarket_api_core::supplier::ImportGql;
use gomarket_api_core::{ErrorCode, failure};
use gomarket_domain::identity::Permission;
use gomarket_domain::supplier::SupplierId;
use gomarket_infra::supplier::import::{Importer, StartError};
use std::sync::Arc;

#[derive(Debug, Clone, Default, SimpleObject)]
pub struct ImportPayload {
    /// The import, `RUNNING` as answered; poll `import(id)` (or its counts) for the outcome.
    pub import: Option<ImportGql>,
    pub errors: Vec<UserError>,
}

gomarket_api_core::payload!(ImportPayload);

impl ImportPayload {}

#[derive(Debug, Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Starts importing a supplier's feed in the background. With `dryRun`, reports what would
    /// change without writing product events.
    #[graphql(guard = "permission(Permission::ImportsRun)")]
    async fn start_import(
        &self,
        ctx: &Context<'_>,
        supplier_id: ID,
        #[graphql(default = false)] dry_run: bool,
    ) -> Result<ImportPayload> {
        let Ok(supplier_id) = parse_uuid(&supplier_id, "supplierId").map(SupplierId::from) else {
            return Ok(ImportPayload::refused(
                ctx,
                vec![UserError::new(ErrorCode::BadUserInput, "supplierId", "not a valid id")],
            ));
        };
        let importer = ctx.data::<Arc<Importer>>()?.clone();
        let request = request_context(ctx);
        let metadata = command_metadata(ctx, "StartImport");
        let run = match importer.start(supplier_id, dry_run, None, metadata).await {
            Ok(run) => run,
            Err(StartError::UnknownSupplier) => {
                return Ok(ImportPayload::refused(
                    ctx,
                    vec![UserError::new(ErrorCode::NotFound, "supplierId", "supplier not found")],
                ));
            }
            Err(StartError::Disabled) => {
                return Ok(ImportPayload::refused(
                    ctx,
                    vec![UserError::new(
                        ErrorCode::FailedPrecondition,
                        "supplierId",
                        "the supplier is disabled",
                    )],
                ));
            }
            Err(error @ StartError::Store(_)) => return Err(failure(&error, &request.correlation_id)),
        };
        let import = importer
            .imports()
            .load(&run.import_id.to_string())
            .await
            .map_err(|e| failure(&e, &request.correlation_id))?;
        let import_id = run.import_id;
        importer.spawn_run(run);
        Ok(ImportPayload {
            import: import.state.map(|state| ImportGql { id: import_id, state }),
            errors: vec![],
        })
    }
}
