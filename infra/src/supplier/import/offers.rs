//! Applying a batch of offers: decide each product's events against its current state, then
//! append all events, the offers' new fingerprints, the batch's rejections and the import's
//! new counts in one transaction — so the counts an import shows are always those committed,
//! however the import ends (killed, failed, aborted).

use super::rejections;
use crate::event_store::EventMetadata;
use crate::event_store::batch::{AggregateWrite, BatchError, Loaded, append_many, load_many};
use crate::supplier::feed::{RejectReason, Rejection};
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate as _;
use gomarket_domain::catalog::{Product, ProductCommand, ProductEvent, ProductId, SupplierOffer, decide_product};
use gomarket_domain::supplier::import::decide as decide_import;
use gomarket_domain::supplier::{Import, ImportCommand, ImportCounts, ImportEvent, ImportRefusal};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// How many times a batch that lost a race is retried on fresh state.
const CONFLICT_RETRIES: usize = 3;

/// Why a batch could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// The import took no more progress: another process ended it (it judged the runner
    /// dead), so this run must stop.
    #[error("the import was ended elsewhere: {0}")]
    Ended(#[from] ImportRefusal),
}

impl From<sqlx::Error> for ApplyError {
    fn from(error: sqlx::Error) -> Self {
        Self::Batch(BatchError::Store(error))
    }
}

/// An import's counts as committed, and the means to commit new ones with a batch: each
/// transaction that applies offers also appends the import's `ImportProgressed` with the
/// counts that include it.
#[derive(Debug)]
pub struct Tally {
    import_id: Uuid,
    /// The import as of the last commit; `None` when it must be loaded again (after a lost
    /// race).
    import: Option<Loaded<Import>>,
    counts: ImportCounts,
    metadata: EventMetadata,
}

impl Tally {
    /// The tally of import `import_id`, which has committed nothing yet.
    pub fn new(import_id: Uuid, metadata: &EventMetadata) -> Self {
        Self {
            import_id,
            import: None,
            counts: ImportCounts::default(),
            metadata: metadata.with_command(ImportCommand::Progress(ImportCounts::default()).name()),
        }
    }

    /// The counts committed so far.
    pub fn counts(&self) -> ImportCounts {
        self.counts
    }

    /// Appends `counts` to the import within `tx`; the events to fold in once `tx` commits.
    async fn record(
        &mut self,
        tx: &mut PgConnection,
        counts: ImportCounts,
        now: DateTime<Utc>,
    ) -> Result<Vec<ImportEvent>, ApplyError> {
        let key = self.import_id.to_string();
        if self.import.is_none() {
            let mut loaded = load_many::<Import>(tx, std::slice::from_ref(&key)).await?;
            self.import = loaded.remove(&key);
        }
        let import = self.import.as_ref().expect("loaded above");
        let events = decide_import(&import.aggregate, ImportCommand::Progress(counts), now)?;
        let write = AggregateWrite {
            aggregate_id: key,
            after_version: import.version,
            events: events.clone(),
        };
        append_many::<Import>(tx, std::slice::from_ref(&write), &self.metadata).await?;
        Ok(events)
    }

    /// `tx` committed with `counts` and `events`.
    fn committed(&mut self, counts: ImportCounts, events: Vec<ImportEvent>) {
        self.counts = counts;
        if let Some(import) = &mut self.import {
            for event in events {
                import.aggregate.apply(event);
                import.version += 1;
            }
        }
    }

    /// `tx` was rolled back after a lost race: the import is loaded again next time.
    fn rolled_back(&mut self) {
        self.import = None;
    }
}

/// What a batch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub duplicates: Vec<Rejection>,
}

/// A fingerprint of the normalized offer: equal fingerprints, equal offers. The offer is
/// written as JSON straight into the hash (every field, by its derive; maps are ordered), not
/// as `Debug` text, which escaped Cyrillic text character by character into a string first.
/// If a new build writes offers differently (a field added, or this change), offers are merely
/// compared with their products once more (no events result), never skipped wrongly. An offer
/// that could not be written gets no fingerprint (never equal to a stored one): it is compared
/// with its product every time.
fn fingerprint(offer: &SupplierOffer) -> Vec<u8> {
    // `Sha256` is itself an `io::Write`: the JSON goes into the hash as it is written.
    let mut hash = Sha256::new();
    match serde_json::to_writer(&mut hash, offer) {
        Ok(()) => hash.finalize().to_vec(),
        Err(error) => {
            tracing::warn!(sku = %offer.link.supplier_sku, %error, "offer not fingerprinted; it is compared with its product");
            Vec::new()
        }
    }
}

/// A batch of one supplier's feed, in feed order: the offers to apply and the offers the
/// reader rejected, together as many items as the feed gave.
#[derive(Debug, Default)]
pub struct Batch {
    pub offers: Vec<(u64, SupplierOffer)>,
    pub rejected: Vec<Rejection>,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.offers.len() + self.rejected.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One pass applying a feed: when it decides, how its events are recorded, and what a dry run
/// has seen so far.
#[derive(Debug)]
pub struct ApplyPass {
    /// Decide and count (keeping the rejections and counts), but write no product.
    pub dry_run: bool,
    pub at: DateTime<Utc>,
    pub metadata: EventMetadata,
    /// A dry run writes no fingerprints, so it remembers the offers it saw here.
    pub seen_in_dry_run: HashSet<String>,
}

/// Applies a batch of one supplier's feed as part of the import `tally` counts for, in one
/// transaction with its rejections and the import's new counts; returns what it did.
pub async fn apply_offers(
    pool: &PgPool,
    tally: &mut Tally,
    pass: &mut ApplyPass,
    batch: &Batch,
) -> Result<BatchOutcome, ApplyError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_apply(pool, tally, pass, batch).await {
            Err(ApplyError::Batch(BatchError::Conflict)) if attempt <= CONFLICT_RETRIES => tally.rolled_back(),
            Err(error) => {
                tally.rolled_back();
                return Err(error);
            }
            Ok(outcome) => return Ok(outcome),
        }
    }
}

async fn try_apply(
    pool: &PgPool,
    tally: &mut Tally,
    pass: &mut ApplyPass,
    batch: &Batch,
) -> Result<BatchOutcome, ApplyError> {
    let import_id = tally.import_id;
    let mut tx = crate::database::begin(pool).await?;
    let (outcome, in_batch) = apply_in(&mut tx, import_id, &batch.offers, pass).await?;
    let mut rejected: Vec<Rejection> = batch.rejected.clone();
    rejected.extend(outcome.duplicates.iter().cloned());
    let before = tally.counts();
    let counts = ImportCounts {
        seen: before.seen + batch.len() as u64,
        created: before.created + outcome.created,
        updated: before.updated + outcome.updated,
        unchanged: before.unchanged + outcome.unchanged,
        rejected: before.rejected + rejected.len() as u64,
        unavailable: before.unavailable,
    };
    rejections::store(&mut *tx, import_id, before.rejected as i64, &rejected).await?;
    let events = tally.record(&mut tx, counts, pass.at).await?;
    tx.commit().await?;
    tally.committed(counts, events);
    if pass.dry_run {
        pass.seen_in_dry_run.extend(in_batch);
    }
    Ok(outcome)
}

/// Decides and (unless `dry_run`) appends the offers' events and fingerprints within `tx`;
/// returns what it did and, in a dry run, the offers' SKUs.
async fn apply_in(
    tx: &mut PgConnection,
    import_id: Uuid,
    offers: &[(u64, SupplierOffer)],
    pass: &ApplyPass,
) -> Result<(BatchOutcome, Vec<String>), ApplyError> {
    let mut outcome = BatchOutcome::default();
    let Some((_, first)) = offers.first() else {
        return Ok((outcome, Vec::new()));
    };
    let supplier_id = first.link.supplier_id;
    let skus: Vec<&str> = offers.iter().map(|(_, o)| o.link.supplier_sku.as_str()).collect();
    let known: HashMap<String, (Vec<u8>, Uuid)> = sqlx::query_as::<_, (String, Vec<u8>, Uuid)>(
        // A key lookup per SKU whatever the statistics say (see `load_many` in the event
        // store: `= ANY` over stale statistics reads every offer of the supplier).
        "SELECT o.supplier_sku, o.offer_hash, o.last_import_id
           FROM unnest($2::text[]) AS wanted(sku)
           CROSS JOIN LATERAL (
                 SELECT supplier_sku, offer_hash, last_import_id FROM supplier_offers
                  WHERE supplier_id = $1 AND supplier_sku = wanted.sku
                 OFFSET 0) AS o",
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
        let seen_before = known.get(sku).is_some_and(|(_, last)| *last == import_id)
            || (pass.dry_run && pass.seen_in_dry_run.contains(sku));
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
    // Only a dry run remembers the batch's offers (it writes no fingerprints to find them by).
    let in_batch: Vec<String> = if pass.dry_run {
        in_batch.iter().map(|s| (*s).to_owned()).collect()
    } else {
        Vec::new()
    };

    let ids: Vec<String> = to_decide.iter().map(|(_, id, _)| id.to_string()).collect();
    let mut products = load_many::<Product>(tx, &ids).await?;
    let mut writes = Vec::new();
    for (offer, id, hash) in to_decide {
        let key = id.to_string();
        let loaded = products.remove(&key).unwrap_or_default();
        let events: Vec<ProductEvent> = decide_product(
            &loaded.aggregate,
            ProductCommand::ImportOffer(Box::new(offer.clone())),
            pass.at,
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
    if pass.dry_run {
        return Ok((outcome, in_batch));
    }
    append_many::<Product>(tx, &writes, &pass.metadata).await?;
    record_offers(tx, supplier_id, import_id, &touched).await?;
    Ok((outcome, in_batch))
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

/// Marks the supplier's offers that the import `tally` counts for did not see (they left the
/// full feed) unavailable, a batch at a time, each batch's count committed with it; returns
/// how many products changed.
pub async fn mark_vanished_unavailable(
    pool: &PgPool,
    supplier_id: Uuid,
    tally: &mut Tally,
    pass: &ApplyPass,
) -> Result<u64, ApplyError> {
    let import_id = tally.import_id;
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
            .filter(|(sku, _)| !(pass.dry_run && pass.seen_in_dry_run.contains(sku)))
            .collect();
        let mut tx = crate::database::begin(pool).await?;
        let ids: Vec<String> = vanished.iter().map(|(_, id)| id.to_string()).collect();
        let products = load_many::<Product>(&mut tx, &ids).await?;
        let mut writes = Vec::new();
        for id in ids {
            let loaded = &products[&id];
            let events =
                decide_product(&loaded.aggregate, ProductCommand::MarkUnavailable, pass.at).unwrap_or_default();
            if !events.is_empty() {
                writes.push(AggregateWrite {
                    aggregate_id: id,
                    after_version: loaded.version,
                    events,
                });
            }
        }
        if !pass.dry_run {
            append_many::<Product>(&mut tx, &writes, &pass.metadata).await?;
            let skus: Vec<&String> = vanished.iter().map(|(sku, _)| sku).collect();
            sqlx::query(
                "UPDATE supplier_offers SET available = false WHERE supplier_id = $1 AND supplier_sku = ANY($2)",
            )
            .bind(supplier_id)
            .bind(&skus)
            .execute(&mut *tx)
            .await?;
        }
        let counts = ImportCounts {
            unavailable: tally.counts().unavailable + writes.len() as u64,
            ..tally.counts()
        };
        let events = match tally.record(&mut tx, counts, pass.at).await {
            Ok(events) => events,
            Err(error) => {
                tally.rolled_back();
                return Err(error);
            }
        };
        if let Err(error) = tx.commit().await {
            tally.rolled_back();
            return Err(error.into());
        }
        tally.committed(counts, events);
        changed += writes.len() as u64;
    }
}
