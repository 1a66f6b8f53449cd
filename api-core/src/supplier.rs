//! GraphQL types of suppliers: `Supplier`, `Import` (with its counts and rejected offers).

use crate::error::{ErrorCode, OrInternal, api_error};
use crate::paging::{Connection, Edge, RejectedPageInfo};
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_domain::supplier::{
    FeedEncoding, FeedKind, ImportCounts, ImportState, ImportStatus, SupplierId, SupplierState,
};
use gomarket_infra::supplier::import::rejections;
use sqlx::PgPool;
use uuid::Uuid;

const MAX_PAGE_SIZE: i32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "FeedKind")]
pub enum FeedKindGql {
    WholesalerCsv,
    AnMscCsv,
    Yml,
}

impl From<FeedKind> for FeedKindGql {
    fn from(k: FeedKind) -> Self {
        match k {
            FeedKind::WholesalerCsv => Self::WholesalerCsv,
            FeedKind::AnMscCsv => Self::AnMscCsv,
            FeedKind::Yml => Self::Yml,
        }
    }
}

impl From<FeedKindGql> for FeedKind {
    fn from(k: FeedKindGql) -> Self {
        match k {
            FeedKindGql::WholesalerCsv => Self::WholesalerCsv,
            FeedKindGql::AnMscCsv => Self::AnMscCsv,
            FeedKindGql::Yml => Self::Yml,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "FeedEncoding")]
pub enum FeedEncodingGql {
    /// From the XML declaration (YML) or the format's default.
    Auto,
    Utf8,
    Windows1251,
}

impl From<FeedEncoding> for FeedEncodingGql {
    fn from(e: FeedEncoding) -> Self {
        match e {
            FeedEncoding::Auto => Self::Auto,
            FeedEncoding::Utf8 => Self::Utf8,
            FeedEncoding::Windows1251 => Self::Windows1251,
        }
    }
}

impl From<FeedEncodingGql> for FeedEncoding {
    fn from(e: FeedEncodingGql) -> Self {
        match e {
            FeedEncodingGql::Auto => Self::Auto,
            FeedEncodingGql::Utf8 => Self::Utf8,
            FeedEncodingGql::Windows1251 => Self::Windows1251,
        }
    }
}

/// A supplier whose feed GoMarket imports.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "Supplier")]
pub struct SupplierGql {
    pub id: ID,
    pub name: String,
    pub kind: FeedKindGql,
    /// The feed (or, for the Wholesaler set, the base URL of its files).
    pub url: String,
    pub encoding: FeedEncodingGql,
    pub image_url_template: Option<String>,
    /// The secret holding the feed's credentials (its value is never shown).
    pub credentials_secret_id: Option<ID>,
    pub enabled: bool,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl SupplierGql {
    pub fn new(id: SupplierId, version: u64, state: &SupplierState) -> Self {
        let s = &state.settings;
        Self {
            id: ID(id.to_string()),
            name: s.name.as_str().to_owned(),
            kind: s.kind.into(),
            url: s.url.as_str().to_owned(),
            encoding: s.encoding.into(),
            image_url_template: s.image_url_template.clone().map(String::from),
            credentials_secret_id: s.credentials_secret_id.map(|id| ID(id.to_string())),
            enabled: state.enabled,
            registered_at: state.registered_at,
            updated_at: state.updated_at,
            version: version as i64,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "ImportStatus")]
pub enum ImportStatusGql {
    Running,
    Completed,
    Failed,
}

/// What an import did with the feed's offers.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "ImportCounts")]
pub struct ImportCountsGql {
    pub seen: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
    pub unavailable: i64,
}

impl From<ImportCounts> for ImportCountsGql {
    fn from(c: ImportCounts) -> Self {
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        Self {
            seen: n(c.seen),
            created: n(c.created),
            updated: n(c.updated),
            unchanged: n(c.unchanged),
            rejected: n(c.rejected),
            unavailable: n(c.unavailable),
        }
    }
}

/// An offer the import rejected.
#[derive(Debug, Clone, SimpleObject)]
pub struct RejectedOffer {
    pub supplier_sku: Option<String>,
    /// 1-based line of the feed where the offer starts.
    pub line: i64,
    /// `MISSING_TITLE`, `BAD_BARCODE`, `BAD_PRICE`, `DUPLICATE_SKU_IN_FEED`, ...
    pub reason: String,
    pub message: String,
}

/// One run of a supplier's feed.
#[derive(Debug, Clone)]
pub struct ImportGql {
    pub id: Uuid,
    pub state: ImportState,
}

#[Object(name = "Import")]
impl ImportGql {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
    async fn supplier_id(&self) -> ID {
        ID(self.state.supplier_id.to_string())
    }
    async fn status(&self) -> ImportStatusGql {
        match self.state.status {
            ImportStatus::Running => ImportStatusGql::Running,
            ImportStatus::Completed => ImportStatusGql::Completed,
            ImportStatus::Failed => ImportStatusGql::Failed,
        }
    }
    /// A dry run reports what would change and writes no product events.
    async fn dry_run(&self) -> bool {
        self.state.dry_run
    }
    async fn started_at(&self) -> DateTime<Utc> {
        self.state.started_at
    }
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.state.finished_at
    }
    async fn counts(&self) -> ImportCountsGql {
        self.state.counts.into()
    }
    /// Why the import failed.
    async fn failure(&self) -> Option<&str> {
        self.state.failure.as_deref()
    }
    /// Rejected offers in feed order, `first` (1–100, default 50) at a time.
    async fn rejected(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<RejectedOffer, RejectedPageInfo>> {
        let first = first.unwrap_or(50);
        if !(1..=MAX_PAGE_SIZE).contains(&first) {
            return Err(api_error(
                ErrorCode::BadUserInput,
                format!("first must be between 1 and {MAX_PAGE_SIZE}"),
                Some("first"),
            ));
        }
        let after = after
            .map(|a| {
                a.trim().parse::<i64>().map_err(|_| {
                    api_error(
                        ErrorCode::BadUserInput,
                        "after: not a cursor issued by this server",
                        Some("after"),
                    )
                })
            })
            .transpose()?;
        let pool = ctx.data::<PgPool>()?;
        let (mut found, total_count) = rejections::page(pool, self.id, i64::from(first) + 1, after)
            .await
            .or_internal(ctx)?;
        let has_next_page = found.len() > first as usize;
        found.truncate(first as usize);
        let edges: Vec<Edge<RejectedOffer>> = found
            .into_iter()
            .map(|r| Edge {
                cursor: r.seq.to_string(),
                node: RejectedOffer {
                    supplier_sku: r.supplier_sku,
                    line: r.line,
                    reason: r.reason,
                    message: r.message,
                },
            })
            .collect();
        Ok(Connection {
            page_info: RejectedPageInfo {
                has_next_page,
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            edges,
            total_count,
        })
    }
}
