//! The sales read model's tables, live or being rebuilt: the projection writes one set, the
//! rebuild fills the other and swaps them.

use crate::rebuild::{create_table_like, swap_tables};
use sqlx::PgConnection;

#[derive(Debug, Clone, Copy)]
pub(super) struct Tables {
    /// The consumer's name: its checkpoint's key.
    pub name: &'static str,
    pub facts: &'static str,
    pub daily: &'static str,
    pub account_daily: &'static str,
    pub stock_levels: &'static str,
    pub stock_articles: &'static str,
    pub outages: &'static str,
    pub as_of: &'static str,
    pub performance: &'static str,
    pub commissions: &'static str,
    pub lost_sales: &'static str,
}

pub(super) const LIVE: Tables = Tables {
    name: "sales",
    facts: "sales_facts",
    daily: "sales_daily",
    account_daily: "sales_account_daily",
    stock_levels: "marketplace_stock_levels",
    stock_articles: "marketplace_stock_articles",
    outages: "marketplace_stock_outages",
    as_of: "sales_performance_as_of",
    performance: "sales_performance",
    commissions: "subject_commissions",
    lost_sales: "marketplace_lost_sales",
};

pub(super) const SHADOW: Tables = Tables {
    name: "sales_rebuild",
    facts: "sales_facts_rebuild",
    daily: "sales_daily_rebuild",
    account_daily: "sales_account_daily_rebuild",
    stock_levels: "marketplace_stock_levels_rebuild",
    stock_articles: "marketplace_stock_articles_rebuild",
    outages: "marketplace_stock_outages_rebuild",
    as_of: "sales_performance_as_of_rebuild",
    performance: "sales_performance_rebuild",
    commissions: "subject_commissions_rebuild",
    lost_sales: "marketplace_lost_sales_rebuild",
};

impl Tables {
    fn names(&self) -> [&'static str; 10] {
        [
            self.facts,
            self.daily,
            self.account_daily,
            self.stock_levels,
            self.stock_articles,
            self.outages,
            self.as_of,
            self.performance,
            self.commissions,
            self.lost_sales,
        ]
    }
}

pub(super) async fn create_shadow(tx: &mut PgConnection) -> Result<(), sqlx::Error> {
    for (live, shadow) in LIVE.names().into_iter().zip(SHADOW.names()) {
        create_table_like(tx, live, shadow).await?;
    }
    // `LIKE` copies no storage parameters: the performance rows keep room for HOT updates.
    sqlx::query(&format!("ALTER TABLE {} SET (fillfactor = 70)", SHADOW.performance))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub(super) async fn swap_shadow(tx: &mut PgConnection) -> Result<(), sqlx::Error> {
    for (live, shadow) in LIVE.names().into_iter().zip(SHADOW.names()) {
        swap_tables(tx, live, shadow).await?;
    }
    Ok(())
}
