//! When a policy runs: a cron expression read in a time zone (Europe/Moscow by default).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

pub const DEFAULT_TIME_ZONE: &str = "Europe/Moscow";

/// A cron schedule: 5 fields (`minute hour day month weekday`), or 6 with seconds first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ScheduleFields", into = "ScheduleFields")]
pub struct Schedule {
    cron: String,
    time_zone: Tz,
    parsed: cron::Schedule,
}

#[derive(Serialize, Deserialize)]
struct ScheduleFields {
    cron: String,
    time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("not a cron expression (minute hour day month weekday): {0}")]
    Cron(String),
    #[error("unknown time zone {0:?} (an IANA name such as Europe/Moscow)")]
    TimeZone(String),
}

/// Ticks looked at when catching up; a schedule more frequent than this over a downtime
/// starts from the most recent ticks.
const MAX_TICKS_SCANNED: usize = 100_000;

impl Schedule {
    pub fn parse(cron: &str, time_zone: &str) -> Result<Self, ScheduleError> {
        let cron = cron.split_whitespace().collect::<Vec<_>>().join(" ");
        let fields = cron.split(' ').count();
        let with_seconds = match fields {
            5 => format!("0 {cron}"),
            6 => cron.clone(),
            _ => {
                return Err(ScheduleError::Cron(format!(
                    "{fields} fields; give 5 (or 6 with seconds first)"
                )));
            }
        };
        let parsed = cron::Schedule::from_str(&with_seconds).map_err(|e| ScheduleError::Cron(e.to_string()))?;
        let time_zone = Tz::from_str(time_zone.trim()).map_err(|_| ScheduleError::TimeZone(time_zone.to_owned()))?;
        Ok(Self {
            cron,
            time_zone,
            parsed,
        })
    }

    pub fn cron(&self) -> &str {
        &self.cron
    }

    pub fn time_zone(&self) -> &str {
        self.time_zone.name()
    }

    /// The first tick after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.parsed
            .after(&after.with_timezone(&self.time_zone))
            .next()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The latest tick in (`after`, `now`]: ticks missed during a downtime collapse into the
    /// latest one, so a policy catches up with one run, not one per missed tick.
    pub fn latest_due(&self, after: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.parsed
            .after(&after.with_timezone(&self.time_zone))
            .take(MAX_TICKS_SCANNED)
            .map(|t| t.with_timezone(&Utc))
            .take_while(|t| *t <= now)
            .last()
    }
}

impl TryFrom<ScheduleFields> for Schedule {
    type Error = ScheduleError;
    fn try_from(fields: ScheduleFields) -> Result<Self, ScheduleError> {
        Self::parse(&fields.cron, &fields.time_zone)
    }
}

impl From<Schedule> for ScheduleFields {
    fn from(schedule: Schedule) -> Self {
        Self {
            time_zone: schedule.time_zone().to_owned(),
            cron: schedule.cron,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, h, m, s).unwrap()
    }

    #[test]
    fn a_daily_schedule_is_read_in_its_time_zone() {
        let schedule = Schedule::parse("0 3 * * *", DEFAULT_TIME_ZONE).unwrap();
        // 03:00 in Moscow is 00:00 UTC.
        assert_eq!(
            schedule.next_after(utc(0, 0, 0) - chrono::Duration::seconds(1)),
            Some(utc(0, 0, 0))
        );
        assert_eq!(schedule.time_zone(), "Europe/Moscow");
        let roundtrip: Schedule = serde_json::from_value(serde_json::to_value(&schedule).unwrap()).unwrap();
        assert_eq!(roundtrip, schedule);
    }

    #[test]
    fn missed_ticks_collapse_into_the_latest() {
        let schedule = Schedule::parse("*/15 * * * *", "UTC").unwrap();
        assert_eq!(schedule.latest_due(utc(10, 0, 0), utc(11, 20, 0)), Some(utc(11, 15, 0)));
        assert_eq!(schedule.latest_due(utc(11, 15, 0), utc(11, 20, 0)), None);
        let every_two_seconds = Schedule::parse("*/2 * * * * *", "UTC").unwrap();
        assert_eq!(every_two_seconds.next_after(utc(9, 0, 1)), Some(utc(9, 0, 2)));
    }

    #[test]
    fn bad_schedules_are_refused_with_the_reason() {
        assert!(matches!(
            Schedule::parse("every hour", "UTC"),
            Err(ScheduleError::Cron(_))
        ));
        assert!(matches!(
            Schedule::parse("61 * * * *", "UTC"),
            Err(ScheduleError::Cron(_))
        ));
        assert_eq!(
            Schedule::parse("0 * * * *", "Mars/Olympus"),
            Err(ScheduleError::TimeZone("Mars/Olympus".into()))
        );
    }
}
