//! Wildberries' sales feeds behind the port: its orders, sales and stocks reports, each read
//! from the last row's `lastChangeDate` (Moscow time, as written); the first read goes
//! `backfill` back, and a read that reached the end (`[]`, or a page ending where it began)
//! starts over `overlap` before the last change seen, so rows Wildberries adds late (it
//! refreshes every 30 minutes) are not missed.

use super::statistics::{Report, ReportPage};
use crate::marketplace::port::{FeedCursor, FeedWindow, InvalidRow, SalesFact, SalesPage};
use chrono::{DateTime, Utc};
use gomarket_domain::sales::values::report_time;

/// The report a feed name names.
pub fn report_named(feed: &str) -> Option<Report> {
    Report::ALL.into_iter().find(|r| r.name() == feed)
}

/// Moscow time as the statistics API takes `dateFrom`.
fn moscow(at: DateTime<Utc>) -> String {
    (at + chrono::Duration::hours(3))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// Where the next read starts: `backfill` ago the first time; the cursor while catching up;
/// `overlap` before it once the report was read to its end.
pub fn date_from(cursor: FeedCursor<'_>, window: FeedWindow) -> String {
    match cursor.next_from {
        None => moscow(window.now - window.backfill),
        Some(next_from) if !cursor.caught_up => next_from.to_owned(),
        Some(next_from) => match report_time(next_from) {
            Ok(at) => moscow(at - window.overlap),
            Err(_) => next_from.to_owned(),
        },
    }
}

/// A report page as a feed page: more pages follow from its last change; `[]`, or a page that
/// ends where the read began (every row changed at that instant), is the end.
pub fn feed_page<T>(
    page: ReportPage<T>,
    fact: fn(T) -> SalesFact,
    cursor: FeedCursor<'_>,
    date_from: String,
) -> SalesPage {
    let facts: Vec<Result<SalesFact, InvalidRow>> = page.rows.into_iter().map(|row| row.map(fact)).collect();
    let (next_from, reached_end) = match page.next_from {
        Some(next) if Some(next.as_str()) != cursor.next_from => (next, false),
        _ => (cursor.next_from.map_or(date_from, str::to_owned), true),
    };
    SalesPage {
        facts,
        next_from,
        reached_end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn window() -> FeedWindow {
        FeedWindow {
            now: Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap(),
            backfill: chrono::Duration::days(90),
            overlap: chrono::Duration::hours(2),
        }
    }

    #[test]
    fn a_read_starts_at_the_backfill_then_the_cursor_then_overlap_back() {
        let fresh = FeedCursor {
            next_from: None,
            caught_up: false,
        };
        assert_eq!(date_from(fresh, window()), "2026-09-05T12:00:00");
        let catching_up = FeedCursor {
            next_from: Some("2026-12-01T10:15:30.5"),
            caught_up: false,
        };
        assert_eq!(date_from(catching_up, window()), "2026-12-01T10:15:30.5");
        let caught_up = FeedCursor {
            next_from: Some("2026-12-01T10:15:30"),
            caught_up: true,
        };
        assert_eq!(date_from(caught_up, window()), "2026-12-01T08:15:30");
    }

    #[test]
    fn a_page_ending_where_it_began_is_the_end_and_a_later_one_goes_on() {
        let cursor = FeedCursor {
            next_from: Some("2026-12-01T10:15:30"),
            caught_up: false,
        };
        let page = |next: Option<&str>| ReportPage::<u8> {
            rows: vec![],
            next_from: next.map(str::to_owned),
        };
        let never = |_: u8| -> SalesFact { unreachable!("the pages have no rows") };
        let same = feed_page(page(Some("2026-12-01T10:15:30")), never, cursor, "x".into());
        assert!(same.reached_end);
        assert_eq!(same.next_from, "2026-12-01T10:15:30");
        let later = feed_page(page(Some("2026-12-01T11:00:00")), never, cursor, "x".into());
        assert!(!later.reached_end);
        assert_eq!(later.next_from, "2026-12-01T11:00:00");
        let fresh = FeedCursor {
            next_from: None,
            caught_up: false,
        };
        let empty = feed_page(page(None), never, fresh, "2026-09-05T12:00:00".into());
        assert!(empty.reached_end);
        assert_eq!(empty.next_from, "2026-09-05T12:00:00", "the start it read from");
    }
}
