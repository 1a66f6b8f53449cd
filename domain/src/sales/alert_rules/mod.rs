//! The `AlertRules` aggregate: an account's alert thresholds (one stream per marketplace
//! account, its id the account's). Until set, [`Thresholds::default`] applies.

mod rules;

pub use rules::{AlertRules, AlertRulesCommand, AlertRulesEvent, AlertRulesRefusal, Thresholds, decide};

crate::pure_aggregate!(
    AlertRules,
    "AlertRules",
    AlertRulesCommand,
    AlertRulesEvent,
    AlertRulesRefusal,
    decide
);
