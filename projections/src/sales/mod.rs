//! The sales read models, from the sales context's facts: every fact once (`sales_facts`,
//! also the list of rows that matched nothing), the figures per account, article and day
//! (`sales_daily`) and per account and day (`sales_account_daily`, what summaries read), the
//! marketplace warehouses' stock and outages, and the per-article performance windows
//! (`sales_performance`, what `productPerformance` reads), with the queries over them.

mod commissions;
pub mod kpi;
mod listing_analytics;
mod lost_sales;
mod performance;
mod performance_query;
mod sales_projection;
mod sales_query;
mod stock_levels;
mod tables;

pub use listing_analytics::{
    LostSalesRow, PriceChange, SubjectRates, WarehouseStock, WindowFigures, listing_window, price_history,
    reported_lost_sales, subject_rates, warehouse_stock,
};
pub use performance::{PERIODS, roll_stale, roll_windows};
pub use performance_query::{
    PerformanceCursor, PerformanceFilter, PerformancePage, PerformanceRow, PerformanceSort, product_performance,
};
pub use sales_projection::SalesProjection;
pub use sales_query::{
    SalesBucket, SalesGrouping, SalesQueryError, UnmatchedRow, UnmatchedRowsPage, sales_summary, unmatched_rows,
    unmatched_total,
};
