//! What a fact needs beyond its own event: the account and product of a listing, the price
//! a marketplace applied, the supplier of an import or a product, the account of a sync run.
//!
//! Everything is read from the store, not from read models: the answer must be the same
//! whether a fact is read live or replayed a year later, and whatever a projector's lag. Each
//! answer is the first event of a stream (`sequence = 1`, one primary-key lookup), so a batch
//! costs a handful of index probes whatever the store's size.

use gomarket_infra::event_store::StoredEvent;
use sqlx::PgPool;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Who a listing belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListingOwner {
    pub account_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
}

/// A price request a marketplace answered: whole roubles (in kopecks) and discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestedPrice {
    pub price_kopecks: i64,
    pub discount_percent: i32,
}

/// A sync run's policy and the account it publishes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunOwner {
    pub policy_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
}

/// Answers for one batch of events.
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    pub listings: HashMap<Uuid, ListingOwner>,
    /// By (listing, marketplace task id).
    pub prices: HashMap<(Uuid, u64), RequestedPrice>,
    pub import_suppliers: HashMap<Uuid, Uuid>,
    pub product_suppliers: HashMap<Uuid, Uuid>,
    pub runs: HashMap<Uuid, RunOwner>,
}

/// The keys a batch needs answers for.
#[derive(Debug, Default)]
struct Wanted {
    listings: HashSet<String>,
    /// (listing, the applied event's sequence, task id).
    price_tasks: HashSet<(String, i64, u64)>,
    imports: HashSet<String>,
    products: HashSet<String>,
    runs: HashSet<String>,
}

/// (listing, task id, price in kopecks, discount percent).
type PriceRow = (Uuid, Option<i64>, Option<i64>, Option<i32>);

// Each lookup below is one probe of the events' key per id: a lateral subquery the planner may
// not flatten (`OFFSET 0`, or a `LIMIT`), so stale statistics cannot turn it into a read of
// every event of the type (see docs/decisions.md, "Batch lookups by key are one probe per key").

/// `SELECT e.aggregate_id::uuid, <columns>` of the first event (`e`) of each `$1` aggregate of
/// `type`, and of its `event_type` when given.
macro_rules! first_events {
    ($type:literal, $columns:literal) => {
        first_events!($type, $columns, "")
    };
    ($type:literal, $columns:literal, $event_type:literal) => {
        concat!(
            "SELECT e.aggregate_id::uuid, ",
            $columns,
            " FROM unnest($1::text[]) AS w (id)
              CROSS JOIN LATERAL (
                   SELECT aggregate_id, payload FROM events
                    WHERE aggregate_type = '",
            $type,
            "' AND aggregate_id = w.id AND sequence = 1",
            $event_type,
            " OFFSET 0) AS e"
        )
    };
}

const LISTING_OWNERS: &str = first_events!(
    "Listing",
    "(e.payload -> 'ListingPublished' ->> 'account_id')::uuid,
     (e.payload -> 'ListingPublished' ->> 'product_id')::uuid"
);

/// For each (listing, applied event's sequence, task id): the request of that task, walked back
/// from the applied event along the listing's primary key (it is a few events back), so the
/// cost does not grow with the listing's history.
const REQUESTED_PRICES: &str = "SELECT w.listing::uuid, w.task_text::bigint,
        COALESCE((r.payload -> 'PriceRequested' ->> 'kopecks')::bigint,
                 (r.payload -> 'PriceRequested' ->> 'value')::bigint * 100),
        (r.payload -> 'PriceRequested' ->> 'discount')::int
   FROM UNNEST($1::text[], $2::bigint[], $3::text[]) AS w (listing, applied, task_text)
   CROSS JOIN LATERAL (
        SELECT payload FROM events e
         WHERE e.aggregate_type = 'Listing' AND e.aggregate_id = w.listing AND e.sequence < w.applied
           AND e.event_type = 'PriceRequested' AND e.payload -> 'PriceRequested' ->> 'task_id' = w.task_text
         ORDER BY e.sequence DESC LIMIT 1) AS r";

const IMPORT_SUPPLIERS: &str = first_events!("Import", "(e.payload -> 'ImportStarted' ->> 'supplier_id')::uuid");

const PRODUCT_SUPPLIERS: &str = first_events!(
    "Product",
    "(e.payload -> 'ProductImported' -> 'supplier' ->> 'supplier_id')::uuid",
    " AND event_type = 'ProductImported'"
);

const RUN_POLICIES: &str = first_events!("SyncRun", "(e.payload -> 'RunStarted' ->> 'policy_id')::uuid");

/// A policy's account as last set: the newest settings event of each policy (the stream also
/// holds one event per run started and finished, walked back from its end).
const POLICY_ACCOUNTS: &str = "SELECT w.id::uuid,
        (coalesce(e.payload -> 'PolicyUpdated', e.payload -> 'PolicyCreated') -> 'settings' ->> 'account_id')::uuid
   FROM unnest($1::text[]) AS w (id)
   CROSS JOIN LATERAL (
        SELECT payload FROM events
         WHERE aggregate_type = 'SyncPolicy' AND aggregate_id = w.id
           AND event_type IN ('PolicyCreated', 'PolicyUpdated')
         ORDER BY sequence DESC LIMIT 1) AS e";

impl Lookups {
    /// Everything `events` need, in at most six statements (none when nothing is needed).
    pub async fn gather(pool: &PgPool, events: &[StoredEvent]) -> Result<Self, sqlx::Error> {
        let wanted = Wanted::of(events);
        let mut lookups = Lookups::default();
        if !wanted.listings.is_empty() {
            let ids: Vec<&str> = wanted.listings.iter().map(String::as_str).collect();
            let rows: Vec<(Uuid, Option<Uuid>, Option<Uuid>)> =
                sqlx::query_as(LISTING_OWNERS).bind(&ids).fetch_all(pool).await?;
            lookups.listings = rows
                .into_iter()
                .map(|(listing, account_id, product_id)| (listing, ListingOwner { account_id, product_id }))
                .collect();
        }
        if !wanted.price_tasks.is_empty() {
            let listings: Vec<&str> = wanted.price_tasks.iter().map(|(l, _, _)| l.as_str()).collect();
            let applied: Vec<i64> = wanted.price_tasks.iter().map(|(_, s, _)| *s).collect();
            let tasks: Vec<String> = wanted.price_tasks.iter().map(|(_, _, t)| t.to_string()).collect();
            let rows: Vec<PriceRow> = sqlx::query_as(REQUESTED_PRICES)
                .bind(&listings)
                .bind(&applied)
                .bind(&tasks)
                .fetch_all(pool)
                .await?;
            for (listing, task, price, discount) in rows {
                if let (Some(task), Some(price_kopecks), Some(discount_percent)) = (task, price, discount) {
                    let price = RequestedPrice {
                        price_kopecks,
                        discount_percent,
                    };
                    lookups.prices.insert((listing, task as u64), price);
                }
            }
        }
        lookups.import_suppliers = pairs(pool, IMPORT_SUPPLIERS, &wanted.imports).await?;
        lookups.product_suppliers = pairs(pool, PRODUCT_SUPPLIERS, &wanted.products).await?;
        let policies = pairs(pool, RUN_POLICIES, &wanted.runs).await?;
        let policy_ids: HashSet<String> = policies.values().map(Uuid::to_string).collect();
        let accounts = pairs(pool, POLICY_ACCOUNTS, &policy_ids).await?;
        lookups.runs = policies
            .into_iter()
            .map(|(run, policy)| {
                let owner = RunOwner {
                    policy_id: Some(policy),
                    account_id: accounts.get(&policy).copied(),
                };
                (run, owner)
            })
            .collect();
        Ok(lookups)
    }
}

/// `(id, id)` rows of `sql` for `keys` (`$1`), nulls left out.
async fn pairs(pool: &PgPool, sql: &str, keys: &HashSet<String>) -> Result<HashMap<Uuid, Uuid>, sqlx::Error> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let rows: Vec<(Uuid, Option<Uuid>)> = sqlx::query_as(sql).bind(&keys).fetch_all(pool).await?;
    Ok(rows.into_iter().filter_map(|(k, v)| Some((k, v?))).collect())
}

impl Wanted {
    fn of(events: &[StoredEvent]) -> Self {
        let mut wanted = Wanted::default();
        for event in events {
            let id = || event.aggregate_id.clone();
            match (event.aggregate_type.as_str(), event.event_type.as_str()) {
                ("Listing", "PriceApplied") => {
                    wanted.listings.insert(id());
                    let task = event.payload["PriceApplied"]["task_id"].as_u64();
                    if let Some(task) = task {
                        wanted.price_tasks.insert((id(), event.sequence, task));
                    }
                }
                ("Listing", kind) if super::translate::LISTING_STATE_EVENTS.contains(&kind) => {
                    wanted.listings.insert(id());
                }
                ("Import", "ImportCompleted" | "ImportFailed") => {
                    wanted.imports.insert(id());
                }
                ("Product", "ProductStockChanged" | "ProductSupplyChanged") => {
                    wanted.products.insert(id());
                }
                ("SyncRun", "RunCompleted" | "RunFailed") => {
                    wanted.runs.insert(id());
                }
                ("SyncRun", "RunItemsPlanned") => {
                    wanted.runs.insert(id());
                    let items = event.payload["RunItemsPlanned"]["items"].as_array();
                    for item in items.into_iter().flatten() {
                        if item["outcome"].get("Held").is_some()
                            && let Some(listing) = item["listing_id"].as_str()
                        {
                            wanted.listings.insert(listing.to_owned());
                        }
                    }
                }
                _ => {}
            }
        }
        wanted
    }
}
