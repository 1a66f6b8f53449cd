//! `analyticsEvents`: the store's facts from a cursor (or from now), then live, in batches.

use super::events::{AnalyticsEvent, AnalyticsEventBatch, AnalyticsEventKind};
use super::hub::AnalyticsHub;
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Result, Subscription};
use futures::Stream;
use gomarket_api_core::access::permission;
use gomarket_api_core::context::request_context;
use gomarket_api_core::error::{ErrorCode, api_error, failure};
use gomarket_api_core::ids::parse_uuid;
use gomarket_domain::identity::Permission;
use gomarket_projections::analytics::{FactCursor, FactFilter, Subscriber, SubscriberError};
use std::collections::HashSet;
use std::sync::Arc;
use uuid::Uuid;

/// Most events in one message.
const MAX_BATCH_SIZE: i32 = 1000;

/// Which events to receive; every list given narrows (an event without the id asked for is
/// left out). Filtering happens on the server.
#[derive(Debug, Clone, Default, InputObject)]
pub struct AnalyticsEventFilter {
    pub kinds: Option<Vec<AnalyticsEventKind>>,
    pub account_ids: Option<Vec<ID>>,
    pub supplier_ids: Option<Vec<ID>>,
    pub product_ids: Option<Vec<ID>>,
}

fn id_set(ids: Option<Vec<ID>>, field: &str) -> Result<Option<HashSet<Uuid>>> {
    let Some(ids) = ids else { return Ok(None) };
    if ids.is_empty() {
        return Err(api_error(
            ErrorCode::BadUserInput,
            format!("{field}: give at least one id, or leave the list out"),
            Some(field),
        ));
    }
    ids.iter()
        .map(|id| parse_uuid(id, field))
        .collect::<Result<_>>()
        .map(Some)
}

impl AnalyticsEventFilter {
    fn into_facts(self) -> Result<FactFilter> {
        let kinds = match self.kinds {
            Some(kinds) if kinds.is_empty() => {
                return Err(api_error(
                    ErrorCode::BadUserInput,
                    "filter.kinds: give at least one kind, or leave the list out",
                    Some("filter.kinds"),
                ));
            }
            kinds => kinds.map(|k| k.into_iter().map(Into::into).collect()),
        };
        Ok(FactFilter {
            kinds,
            account_ids: id_set(self.account_ids, "filter.accountIds")?,
            supplier_ids: id_set(self.supplier_ids, "filter.supplierIds")?,
            product_ids: id_set(self.product_ids, "filter.productIds")?,
        })
    }
}

/// Analytics subscriptions.
#[derive(Debug, Default)]
pub struct AnalyticsSubscription;

#[Subscription]
impl AnalyticsSubscription {
    /// Business events (prices published and held, stock changes, listing states, orders,
    /// buyouts, returns, finished imports and sync runs, alerts) in feed order, at most
    /// `batchSize` per message. Without `after`, from now on; with it, first every matching
    /// event after that cursor (read from the store), then live, with nothing missed and
    /// nothing repeated at the switch. A subscriber that falls further behind than the
    /// server buffers is ended with `SUBSCRIBER_TOO_SLOW` and `extensions.resumeAfter`.
    #[graphql(guard = "permission(Permission::AnalyticsRead)")]
    async fn analytics_events(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        filter: Option<AnalyticsEventFilter>,
        #[graphql(default = 100)] batch_size: i32,
    ) -> Result<impl Stream<Item = Result<AnalyticsEventBatch>> + use<>> {
        if !(1..=MAX_BATCH_SIZE).contains(&batch_size) {
            return Err(api_error(
                ErrorCode::BadUserInput,
                format!("batchSize: between 1 and {MAX_BATCH_SIZE}"),
                Some("batchSize"),
            ));
        }
        let after = after
            .map(|raw| FactCursor::decode(&raw))
            .transpose()
            .map_err(|e| api_error(ErrorCode::BadUserInput, e.to_string(), Some("after")))?;
        let filter = filter.unwrap_or_default().into_facts()?;
        let correlation_id = request_context(ctx).correlation_id;
        let tail = ctx
            .data::<Arc<AnalyticsHub>>()?
            .tail()
            .await
            .map_err(|e| failure(&e, &correlation_id))?;
        let subscriber = Subscriber::new(tail, after, filter, batch_size as usize);
        Ok(futures::stream::unfold(Some(subscriber), move |state| {
            let correlation_id = correlation_id.clone();
            async move {
                let mut subscriber = state?;
                match subscriber.next_batch().await {
                    Ok(facts) => {
                        let cursor = facts.last().map(|f| f.cursor.encode()).unwrap_or_default();
                        let events = facts.into_iter().map(AnalyticsEvent::from).collect();
                        Some((Ok(AnalyticsEventBatch { events, cursor }), Some(subscriber)))
                    }
                    Err(SubscriberError::TooSlow { resume_after }) => {
                        let error = api_error(
                            ErrorCode::SubscriberTooSlow,
                            "this subscriber fell behind the server's buffer; subscribe again with `after` set to \
                             extensions.resumeAfter",
                            None,
                        )
                        .extend_with(|_, extensions| extensions.set("resumeAfter", resume_after.encode()));
                        Some((Err(error), None))
                    }
                    Err(error) => Some((Err(failure(&error, &correlation_id)), None)),
                }
            }
        }))
    }
}
