//! The events the run manager follows, typed.

use crate::FollowedEvents;
use gomarket_domain::marketplace::listing::ListingEvent;
use gomarket_domain::supplier::ImportEvent;
use gomarket_domain::sync::policy::PolicyEvent;
use gomarket_domain::sync::run::RunEvent;
use serde::Deserialize;

/// A policy starting a run, an import ending, a seller redriving items, a listing moving on.
#[derive(Debug, Clone)]
pub enum RunFollows {
    Policy(PolicyEvent),
    Import(ImportEvent),
    Run(RunEvent),
    Listing(ListingEvent),
}

impl FollowedEvents for RunFollows {
    const AGGREGATE_TYPES: &'static [&'static str] = &["SyncPolicy", "Import", "SyncRun", "Listing"];

    fn decode(aggregate_type: &str, payload: &serde_json::Value) -> Result<Option<Self>, serde_json::Error> {
        // Read from the borrowed value: no copy of the payload.
        Ok(Some(match aggregate_type {
            "SyncPolicy" => Self::Policy(PolicyEvent::deserialize(payload)?),
            "Import" => Self::Import(ImportEvent::deserialize(payload)?),
            "SyncRun" => Self::Run(RunEvent::deserialize(payload)?),
            "Listing" => Self::Listing(ListingEvent::deserialize(payload)?),
            _ => return Ok(None),
        }))
    }
}
