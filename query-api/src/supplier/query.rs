use async_graphql::{Context, ID, Object, Result};
use gomarket_api_core::access::permission;
use gomarket_api_core::context::request_context;
use gomarket_api_core::error::{ErrorCode, OrInternal, api_error, failure};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::paging::{Connection, ListPageInfo, edges, not_a_cursor, page_in_memory, page_size};
use gomarket_api_core::supplier::{ImportGql, SupplierGql};
use gomarket_domain::identity::Permission;
use gomarket_domain::supplier::SupplierId;
use gomarket_infra::supplier::SupplierRegistry;
use gomarket_infra::supplier::import::Importer;
use std::sync::Arc;
use uuid::Uuid;

type SupplierConnection = Connection<SupplierGql, ListPageInfo>;
type ImportConnection = Connection<ImportGql, ListPageInfo>;

#[derive(Debug, Default)]
pub struct SupplierQuery;

#[Object]
impl SupplierQuery {
    /// Every supplier.
    #[graphql(guard = "permission(Permission::SuppliersRead)")]
    async fn suppliers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SupplierConnection> {
        let first = page_size(first)?;
        let registry = ctx.data::<Arc<SupplierRegistry>>()?;
        let all: Vec<SupplierGql> = registry
            .list()
            .await
            .or_internal(ctx)?
            .into_iter()
            .filter_map(|(id, s)| s.state.as_ref().map(|state| SupplierGql::new(id, s.version, state)))
            .collect();
        page_in_memory(all, first, after.as_deref(), |s| s.id.to_string())
    }

    /// One supplier.
    #[graphql(guard = "permission(Permission::SuppliersRead)")]
    async fn supplier(&self, ctx: &Context<'_>, id: ID) -> Result<SupplierGql> {
        let id = SupplierId::from(parse_uuid(&id, "id")?);
        let registry = ctx.data::<Arc<SupplierRegistry>>()?;
        let supplier = registry.bus().load(&id.to_string()).await.or_internal(ctx)?;
        supplier
            .state
            .as_ref()
            .map(|s| SupplierGql::new(id, supplier.version, s))
            .ok_or_else(|| api_error(ErrorCode::NotFound, format!("no supplier with id {id}"), Some("id")))
    }

    /// A supplier's imports, newest first.
    #[graphql(guard = "permission(Permission::SuppliersRead)")]
    async fn imports(
        &self,
        ctx: &Context<'_>,
        supplier_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ImportConnection> {
        let supplier_id = SupplierId::from(parse_uuid(&supplier_id, "supplierId")?);
        let first = page_size(first)?;
        let importer = ctx.data::<Arc<Importer>>()?;
        let fail = |e: &(dyn std::error::Error + 'static)| failure(e, &request_context(ctx).correlation_id);
        let after = after
            .as_deref()
            .map(|cursor| Uuid::parse_str(cursor).map_err(|_| not_a_cursor()))
            .transpose()?;
        // One more than the page: whether another page follows.
        let mut page = importer
            .imports_page(supplier_id, after, first + 1)
            .await
            .map_err(|e| fail(&e))?
            .ok_or_else(not_a_cursor)?;
        let has_next_page = page.len() > first;
        page.truncate(first);
        // Counting walks the supplier's whole history: only when asked.
        let total_count = if ctx.look_ahead().field("totalCount").exists() {
            importer.count_imports(supplier_id).await.map_err(|e| fail(&e))?
        } else {
            0
        };
        let nodes: Vec<ImportGql> = importer
            .load_imports(&page)
            .await
            .map_err(|e| fail(&e))?
            .into_iter()
            .filter_map(|(id, import)| import.state.map(|state| ImportGql { id, state }))
            .collect();
        Ok(ImportConnection {
            edges: edges(&nodes, |i| i.id.to_string()),
            page_info: ListPageInfo {
                has_next_page,
                end_cursor: nodes.last().map(|i| i.id.to_string()),
            },
            nodes,
            total_count,
        })
    }

    /// One import, with its counts and rejected offers.
    #[graphql(guard = "permission(Permission::SuppliersRead)")]
    async fn import(&self, ctx: &Context<'_>, id: ID) -> Result<ImportGql> {
        let id = parse_uuid(&id, "id")?;
        let importer = ctx.data::<Arc<Importer>>()?;
        let import = importer.imports().load(&id.to_string()).await.or_internal(ctx)?;
        import
            .state
            .map(|state| ImportGql { id, state })
            .ok_or_else(|| api_error(ErrorCode::NotFound, format!("no import with id {id}"), Some("id")))
    }
}
