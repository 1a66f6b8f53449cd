use async_graphql::{Context, ID, Object, Result};
use gomarket_api_core::access::permission;
use gomarket_api_core::error::{ErrorCode, OrInternal, api_error};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::payload::UserError;
use gomarket_api_core::sync::policy::{PriceExplanationGql, SyncPolicyGql, price_explained};
use gomarket_api_core::sync::pricing_input::PricingRuleInput;
use gomarket_domain::identity::Permission;
use gomarket_domain::sync::SyncPolicyId;
use gomarket_domain::sync::pricing::PricingRule;
use gomarket_infra::sync::SyncService;
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct SyncQuery;

#[Object]
impl SyncQuery {
    /// Every sync policy, in creation order.
    #[graphql(guard = "permission(Permission::SyncRead)")]
    async fn sync_policies(&self, ctx: &Context<'_>) -> Result<Vec<SyncPolicyGql>> {
        let policies = ctx.data::<Arc<SyncService>>()?.list().await.or_internal(ctx)?;
        Ok(policies
            .into_iter()
            .filter_map(|(id, p)| p.state.as_ref().map(|s| SyncPolicyGql::new(id, p.version, s)))
            .collect())
    }

    /// One sync policy.
    #[graphql(guard = "permission(Permission::SyncRead)")]
    async fn sync_policy(&self, ctx: &Context<'_>, id: ID) -> Result<SyncPolicyGql> {
        let id = SyncPolicyId::from(parse_uuid(&id, "id")?);
        let policy = ctx.data::<Arc<SyncService>>()?.load(id).await.or_internal(ctx)?;
        policy
            .state
            .as_ref()
            .map(|s| SyncPolicyGql::new(id, policy.version, s))
            .ok_or_else(|| api_error(ErrorCode::NotFound, "sync policy not found", Some("id")))
    }

    /// What a pricing rule not saved yet (leave it out: the seed system's rule) makes of a
    /// purchase price, step by step: the console explains a policy's rules while they are
    /// edited. Nothing is stored.
    #[graphql(guard = "permission(Permission::SyncRead)")]
    async fn explain_pricing(
        &self,
        pricing: Option<PricingRuleInput>,
        purchase_kopecks: i64,
    ) -> Result<PriceExplanationGql> {
        let refused = |e: UserError| api_error(e.code, e.message, e.field.as_deref());
        let rule = match pricing {
            Some(input) => input.to_rule().map_err(refused)?,
            None => PricingRule::seed(),
        };
        Ok(PriceExplanationGql::from(&price_explained(&rule, purchase_kopecks)?))
    }
}
