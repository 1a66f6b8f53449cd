//! The sales read models, from the sales context's facts: every fact once (`sales_facts`,
//! also the list of rows that matched nothing), the figures per account, article and day
//! (`sales_daily`) and per account and day (`sales_account_daily`, what summaries read), with
//! the queries over them.

mod sales_projection;
mod sales_query;

pub use sales_projection::SalesProjection;
pub use sales_query::{
    SalesBucket, SalesGrouping, SalesQueryError, UnmatchedRow, UnmatchedRowsPage, sales_summary, unmatched_rows,
    unmatched_total,
};
