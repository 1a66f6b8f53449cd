//! Matching marketplace report rows to listings and catalog products: by the seller's vendor
//! code, else by barcode (a catalog product, and its listing on the account if it has one),
//! else by the marketplace's article id. A page of rows costs one index walk for the listings
//! and, for the rows no vendor code matched, barcode lookups in chunks.

use gomarket_domain::catalog::ProductId;
use gomarket_domain::marketplace::account::AccountId;
use gomarket_domain::marketplace::listing::ListingId;
use gomarket_domain::marketplace::values::NmId;
use gomarket_domain::sales::order::RowMatch;
use sqlx::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

/// Barcodes per product lookup (see [`ReportMatcher::for_rows`]).
const BARCODE_CHUNK: usize = 1_000;

/// What one row names, to be matched.
#[derive(Debug, Clone, Copy)]
pub struct RowKeys<'a> {
    pub vendor_code: &'a str,
    pub barcode: &'a str,
    pub nm_id: NmId,
}

/// The matches of one page's rows.
#[derive(Debug, Default)]
pub struct ReportMatcher {
    by_vendor_code: HashMap<String, RowMatch>,
    by_barcode: HashMap<String, RowMatch>,
    by_nm_id: HashMap<u64, RowMatch>,
}

fn matched(listing: Uuid, product: Uuid) -> RowMatch {
    RowMatch {
        listing_id: Some(ListingId::from(listing)),
        product_id: Some(ProductId::from(product)),
    }
}

impl ReportMatcher {
    /// Looks up what `rows` of `account` match, in three queries.
    pub async fn for_rows(
        conn: &mut PgConnection,
        account: AccountId,
        rows: &[RowKeys<'_>],
    ) -> Result<Self, sqlx::Error> {
        let mut vendor_codes: Vec<&str> = rows.iter().map(|r| r.vendor_code).filter(|v| !v.is_empty()).collect();
        vendor_codes.sort_unstable();
        vendor_codes.dedup();
        let mut nm_ids: Vec<i64> = rows.iter().map(|r| r.nm_id.get() as i64).collect();
        nm_ids.sort_unstable();
        nm_ids.dedup();
        let mut matcher = Self::default();
        let listings: Vec<(Uuid, Uuid, String, Option<i64>)> = sqlx::query_as(
            "SELECT id, product_id, vendor_code, nm_id FROM listings
              WHERE account_id = $1 AND (vendor_code = ANY($2) OR nm_id = ANY($3))",
        )
        .bind(account.as_uuid())
        .bind(&vendor_codes)
        .bind(&nm_ids)
        .fetch_all(&mut *conn)
        .await?;
        for (listing, product, vendor_code, nm_id) in listings {
            matcher.by_vendor_code.insert(vendor_code, matched(listing, product));
            if let Some(nm_id) = nm_id {
                matcher.by_nm_id.insert(nm_id as u64, matched(listing, product));
            }
        }
        // Barcodes only of the rows their vendor code did not match (most rows are the seller's
        // own listings), looked up BARCODE_CHUNK at a time: the GIN index's `&&` costs grow with
        // the square of the array (1 000 barcodes 10 ms, 4 000 100 ms, 80 000 71 s over a
        // million products).
        let mut barcodes: Vec<&str> = rows
            .iter()
            .filter(|r| !matcher.by_vendor_code.contains_key(r.vendor_code))
            .map(|r| r.barcode)
            .filter(|b| !b.is_empty())
            .collect();
        barcodes.sort_unstable();
        barcodes.dedup();
        for chunk in barcodes.chunks(BARCODE_CHUNK) {
            let products: Vec<(Uuid, Vec<String>, Option<Uuid>)> = sqlx::query_as(
                "SELECT p.id, p.barcodes, l.id FROM products p
                   LEFT JOIN listings l ON l.product_id = p.id AND l.account_id = $2
                  WHERE p.barcodes && $1::text[]",
            )
            .bind(chunk)
            .bind(account.as_uuid())
            .fetch_all(&mut *conn)
            .await?;
            for (product, product_barcodes, listing) in products {
                for barcode in product_barcodes {
                    if chunk.binary_search(&barcode.as_str()).is_ok() {
                        let found = RowMatch {
                            listing_id: listing.map(ListingId::from),
                            product_id: Some(ProductId::from(product)),
                        };
                        matcher.by_barcode.insert(barcode, found);
                    }
                }
            }
        }
        Ok(matcher)
    }

    /// The row's match: by vendor code, else barcode, else article id; empty when none.
    pub fn match_row(&self, row: RowKeys<'_>) -> RowMatch {
        self.by_vendor_code
            .get(row.vendor_code)
            .or_else(|| self.by_barcode.get(row.barcode))
            .or_else(|| self.by_nm_id.get(&row.nm_id.get()))
            .copied()
            .unwrap_or_default()
    }
}
