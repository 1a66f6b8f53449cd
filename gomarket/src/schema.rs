//! The one GraphQL schema: queries from query-api, mutations from command-api.

use crate::http::limits::{BatchBudget, ClassLimits, InputText, OperationClasses};
use async_graphql::{MergedObject, MergedSubscription, Schema};
use gomarket_command_api::{
    AlertMutation, CatalogMutation, IdentityMutation, MarketplaceMutation, SupplierMutation, SyncPolicyMutation,
    SyncRunMutation,
};
use gomarket_query_api::{
    AlertsQuery, AnalyticsSubscription, AuditQuery, CatalogQuery, CatalogSubscription, IdentityQuery, MarketplaceQuery,
    MetricsSubscription, OperationsQuery, SalesQuery, SupplierQuery, SyncQuery, SyncRunQuery, SyncSubscription,
};

#[derive(MergedObject, Default)]
pub struct Query(
    CatalogQuery,
    AuditQuery,
    OperationsQuery,
    IdentityQuery,
    SupplierQuery,
    MarketplaceQuery,
    SyncQuery,
    SyncRunQuery,
    SalesQuery,
    AlertsQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    CatalogMutation,
    IdentityMutation,
    SupplierMutation,
    MarketplaceMutation,
    SyncPolicyMutation,
    SyncRunMutation,
    AlertMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(
    CatalogSubscription,
    SyncSubscription,
    AnalyticsSubscription,
    MetricsSubscription,
);

pub type GoMarketSchema = Schema<Query, Mutation, Subscription>;

/// Limits applied to every operation.
#[derive(Debug, Clone, Copy)]
pub struct SchemaLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub introspection: bool,
    /// Operations of each class running at once.
    pub classes: ClassLimits,
}

/// The schema without data; `app` adds the pool, command buses and settings.
pub fn builder(limits: SchemaLimits) -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    let builder = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .extension(InputText)
        .extension(BatchBudget {
            limit: limits.max_complexity,
        })
        .extension(OperationClasses::new(limits.classes));
    if limits.introspection {
        builder
    } else {
        builder.disable_introspection()
    }
}

/// The schema in SDL, for documentation and clients.
pub fn sdl() -> String {
    builder(SchemaLimits {
        max_depth: 64,
        max_complexity: 100_000,
        introspection: true,
        classes: ClassLimits::for_pool(4, 1),
    })
    .finish()
    .sdl()
}
