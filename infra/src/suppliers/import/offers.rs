//! Applying a batch of offers: decide each product's events against its current state, then
//! append all events and the offers' new fingerprints in one transaction.

use crate::event_store::EventMetadata;
use crate::event_store::batch::{AggregateWrite, BatchError, append_many, load_many};
use crate::suppliers::feed::{RejectReason, Rejection};
use chrono::{DateTime, Utc};
use gomarket_domain::catalog::{Product, ProductCommand, ProductEvent, ProductId, SupplierOffer, decide_product};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// How many times a batch that lost a race is retried on fresh state.
const CONFLICT_RETRIES: usize = 3;

/// What a batch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub duplicates: Vec<Rejection>,
}

/// A fingerprint of the normalized offer: equal fingerprints, equal offers. Debug output of
/// plain data is stable within a build; if a new build words it differently, offers are merely
/// compared with their products once more (no events result), never skipped wrongly.
fn fingerprint(offer: &SupplierOffer) -> Vec<u8> {
    Sha256::digest(format!("{offer:?}").as_bytes()).to_vec()
}

/// Applies offers of one supplier's feed (in feed order) as part of import `import_id`.
/// With `dry_run`, decides and counts but writes nothing.
pub async fn apply_offers(
    pool: &PgPool,
    import_id: Uuid,
    offers: Vec<(u64, SupplierOffer)>,
    dry_run: bool,
    seen_in_dry_run: &mut HashSet<String>,
    metadata: &EventMetadata,
    now: DateTime<Utc>,
) -> Result<BatchOutcome, BatchError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_apply(pool, import_id, &offers, dry_run, seen_in_dry_run, metadata, now).await {
            Err(BatchError::Conflict) if attempt <= CONFLICT_RETRIES => continue,
            outcome => return outcome,
        }
    }
}

async fn try_apply(
    pool: &PgPool,
    import_id: Uuid,
    offers: &[(u64, SupplierOffer)],
    dry_run: bool,
    seen_in_dry_run: &mut HashSet<String>,
    metadata: &EventMetadata,
    now: DateTime<Utc>,
) -> Result<BatchOutcome, BatchError> {
    let mut outcome = BatchOutcome::default();
    let Some((_, first)) = offers.first() else {
        return Ok(outcome);
    };
    let supplier_id = first.link.supplier_id;
    let skus: Vec<String> = offers.iter().map(|(_, o)| o.link.supplier_sku.clone()).collect();
    let mut tx = pool.begin().await?;
    let known: HashMap<String, (Vec<u8>, Uuid)> = sqlx::query_as::<_, (String, Vec<u8>, Uuid)>(
        "SELECT supplier_sku, offer_hash, last_import_id FROM supplier_offers
          WHERE supplier_id = $1 AND supplier_sku = ANY($2)",
    )
    .bind(supplier_id)
    .bind(&skus)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(sku, hash, last)| (sku, (hash, last)))
    .collect();

    let mut in_batch: HashSet<&str> = HashSet::new();
    let mut to_decide: Vec<(&SupplierOffer, ProductId, Vec<u8>)> = Vec::new();
    let mut touched: Vec<(&SupplierOffer, ProductId, Vec<u8>)> = Vec::new();
    for (line, offer) in offers {
        let sku = offer.link.supplier_sku.as_str();
        let seen_before =
            known.get(sku).is_some_and(|(_, last)| *last == import_id) || (dry_run && seen_in_dry_run.contains(sku));
        if !in_batch.insert(sku) || seen_before {
            outcome.duplicates.push(Rejection {
                line: *line,
                supplier_sku: Some(sku.to_owned()),
                reason: RejectReason::DuplicateSkuInFeed,
                message: format!("offer {sku} appears more than once in the feed; the first one counts"),
            });
            continue;
        }
        let id = ProductId::for_supplier_item(supplier_id, sku);
        let hash = fingerprint(offer);
        if known.get(sku).is_some_and(|(stored, _)| *stored == hash) {
            outcome.unchanged += 1;
            touched.push((offer, id, hash));
        } else {
            to_decide.push((offer, id, hash));
        }
    }
    if dry_run {
        seen_in_dry_run.extend(in_batch.iter().map(|s| (*s).to_owned()));
    }

    let ids: Vec<String> = to_decide.iter().map(|(_, id, _)| id.to_string()).collect();
    let mut products = load_many::<Product>(&mut tx, &ids).await?;
    let mut writes = Vec::new();
    for (offer, id, hash) in to_decide {
        let key = id.to_string();
        let loaded = products.remove(&key).unwrap_or_default();
        let events: Vec<ProductEvent> = decide_product(
            &loaded.aggregate,
            ProductCommand::ImportOffer(Box::new(offer.clone())),
            now,
        )
        .unwrap_or_default();
        match events.first() {
            Some(ProductEvent::ProductImported { .. }) => outcome.created += 1,
            Some(_) => outcome.updated += 1,
            None => outcome.unchanged += 1,
        }
        if !events.is_empty() {
            writes.push(AggregateWrite {
                aggregate_id: key,
                after_version: loaded.version,
                events,
            });
        }
        touched.push((offer, id, hash));
    }
    if dry_run {
        return Ok(outcome);
    }
    append_many::<Product>(&mut tx, &writes, metadata).await?;
    record_offers(&mut tx, supplier_id, import_id, &touched).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Remembers each offer's fingerprint and that this import saw it.
async fn record_offers(
    tx: &mut sqlx::PgConnection,
    supplier_id: Uuid,
    import_id: Uuid,
    offers: &[(&SupplierOffer, ProductId, Vec<u8>)],
) -> Result<(), sqlx::Error> {
    let skus: Vec<&str> = offers.iter().map(|(o, _, _)| o.link.supplier_sku.as_str()).collect();
    let ids: Vec<Uuid> = offers.iter().map(|(_, id, _)| id.as_uuid()).collect();
    let hashes: Vec<&[u8]> = offers.iter().map(|(_, _, h)| h.as_slice()).collect();
    let available: Vec<bool> = offers.iter().map(|(o, _, _)| o.available).collect();
    sqlx::query(
        "INSERT INTO supplier_offers (supplier_id, supplier_sku, product_id, offer_hash, last_import_id, available)
         SELECT $1, sku, product_id, hash, $2, available
           FROM UNNEST($3::text[], $4::uuid[], $5::bytea[], $6::bool[]) AS o(sku, product_id, hash, available)
         ON CONFLICT (supplier_id, supplier_sku) DO UPDATE
            SET offer_hash = EXCLUDED.offer_hash, last_import_id = EXCLUDED.last_import_id,
                available = EXCLUDED.available, product_id = EXCLUDED.product_id",
    )
    .bind(supplier_id)
    .bind(import_id)
    .bind(&skus)
    .bind(&ids)
    .bind(&hashes)
    .bind(&available)
    .execute(&mut *tx)
    .await
    .map(drop)
}

/// Marks the supplier's offers that import `import_id` did not see (they left the full feed)
/// unavailable, a batch at a time; returns how many products changed.
///
/// A dry run wrote no fingerprints, so it names what it saw in `seen_in_dry_run`.
pub async fn mark_vanished_unavailable(
    pool: &PgPool,
    supplier_id: Uuid,
    import_id: Uuid,
    dry_run: bool,
    seen_in_dry_run: &HashSet<String>,
    metadata: &EventMetadata,
    now: DateTime<Utc>,
) -> Result<u64, BatchError> {
    let mut changed = 0;
    let mut after = String::new();
    loop {
        let vanished: Vec<(String, Uuid)> = sqlx::query_as(
            "SELECT supplier_sku, product_id FROM supplier_offers
              WHERE supplier_id = $1 AND last_import_id <> $2 AND available AND supplier_sku > $3
              ORDER BY supplier_sku LIMIT 1000",
        )
        .bind(supplier_id)
        .bind(import_id)
        .bind(&after)
        .fetch_all(pool)
        .await?;
        let Some((last, _)) = vanished.last() else {
            return Ok(changed);
        };
        after = last.clone();
        let vanished: Vec<(String, Uuid)> = vanished
            .into_iter()
            .filter(|(sku, _)| !(dry_run && seen_in_dry_run.contains(sku)))
            .collect();
        let mut tx = pool.begin().await?;
        let ids: Vec<String> = vanished.iter().map(|(_, id)| id.to_string()).collect();
        let products = load_many::<Product>(&mut tx, &ids).await?;
        let mut writes = Vec::new();
        for id in ids {
            let loaded = &products[&id];
            let events = decide_product(&loaded.aggregate, ProductCommand::MarkUnavailable, now).unwrap_or_default();
            if !events.is_empty() {
                changed += 1;
                writes.push(AggregateWrite {
                    aggregate_id: id,
                    after_version: loaded.version,
                    events,
                });
            }
        }
        if dry_run {
            continue;
        }
        append_many::<Product>(&mut tx, &writes, metadata).await?;
        let skus: Vec<&String> = vanished.iter().map(|(sku, _)| sku).collect();
        sqlx::query("UPDATE supplier_offers SET available = false WHERE supplier_id = $1 AND supplier_sku = ANY($2)")
            .bind(supplier_id)
            .bind(&skus)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
}
