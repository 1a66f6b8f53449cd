use crate::macros::domain_event;
use crate::sales::alert::AlertCondition;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Most days of cover a stock alert may look ahead.
pub const MAX_COVER_DAYS: u32 = 365;

/// When an account's alerts are raised (docs/operations.md, "Alerts").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// `STOCK_COVER_LOW` when the marketplace's stock of an article lasts this many days or
    /// fewer at its 30-day sales pace.
    pub stock_cover_days: u32,
    /// `NEGATIVE_MARGIN` when a published price's planned margin per unit is below this
    /// (kopecks; 0: any loss).
    pub min_margin_kopecks: i64,
    /// Conditions not raised for this account.
    #[serde(default)]
    pub muted: Vec<AlertCondition>,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            stock_cover_days: 3,
            min_margin_kopecks: 0,
            muted: Vec::new(),
        }
    }
}

impl Thresholds {
    pub fn raises(&self, condition: AlertCondition) -> bool {
        !self.muted.contains(&condition)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertRulesCommand {
    Set(Thresholds),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlertRulesEvent {
    AlertRulesSet { thresholds: Thresholds, at: DateTime<Utc> },
}

domain_event!(AlertRulesEvent: AlertRulesSet);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AlertRulesRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// `BAD_USER_INPUT` on `stockCoverDays`.
    #[error("stockCoverDays: from 0 (off) to {MAX_COVER_DAYS}")]
    CoverDaysOutOfRange,
}

/// The `AlertRules` aggregate: the thresholds in force (defaults until set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRules {
    pub thresholds: Option<Thresholds>,
    pub version: u64,
}

impl AlertRules {
    pub fn apply_event(&mut self, event: AlertRulesEvent) {
        self.version += 1;
        let AlertRulesEvent::AlertRulesSet { thresholds, .. } = event;
        self.thresholds = Some(thresholds);
    }

    /// The thresholds in force.
    pub fn in_force(&self) -> Thresholds {
        self.thresholds.clone().unwrap_or_default()
    }
}

/// `AlertRulesSet` when the thresholds differ from those in force.
pub fn decide(
    rules: &AlertRules,
    command: AlertRulesCommand,
    now: DateTime<Utc>,
) -> Result<Vec<AlertRulesEvent>, AlertRulesRefusal> {
    let AlertRulesCommand::Set(mut thresholds) = command;
    if thresholds.stock_cover_days > MAX_COVER_DAYS {
        return Err(AlertRulesRefusal::CoverDaysOutOfRange);
    }
    thresholds.muted.sort_by_key(|c| c.as_str());
    thresholds.muted.dedup();
    if rules.thresholds.as_ref() == Some(&thresholds) {
        return Ok(vec![]);
    }
    Ok(vec![AlertRulesEvent::AlertRulesSet { thresholds, at: now }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_checked_and_repeats_are_no_news() {
        let now = Utc::now();
        let mut rules = AlertRules::default();
        assert_eq!(rules.in_force().stock_cover_days, 3);
        let too_far = Thresholds {
            stock_cover_days: 400,
            ..Thresholds::default()
        };
        assert_eq!(
            decide(&rules, AlertRulesCommand::Set(too_far), now),
            Err(AlertRulesRefusal::CoverDaysOutOfRange)
        );
        let set = Thresholds {
            stock_cover_days: 5,
            min_margin_kopecks: 1000,
            muted: vec![AlertCondition::PriceHeld, AlertCondition::PriceHeld],
        };
        let events = decide(&rules, AlertRulesCommand::Set(set.clone()), now).unwrap();
        for event in events {
            rules.apply_event(event);
        }
        assert_eq!(rules.in_force().muted, [AlertCondition::PriceHeld]);
        assert!(!rules.in_force().raises(AlertCondition::PriceHeld));
        assert!(decide(&rules, AlertRulesCommand::Set(set), now).unwrap().is_empty());
    }
}
