use crate::marketplace::values::{Marketplace, SubjectId};
use crate::sales::values::BasisPoints;
use serde::{Deserialize, Serialize};

/// The commission by sales model, in hundredths of a percent (`15.5 %` → 1 550); a model the
/// tariffs do not name is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionRates {
    /// Sold from the marketplace's warehouses (FBW, `paidStorageKgvp`).
    pub marketplace_warehouse: Option<BasisPoints>,
    /// Sold from the seller's warehouse, delivered by the marketplace (FBS, `kgvpMarketplace`).
    pub seller_warehouse: Option<BasisPoints>,
    /// Delivered by the seller (DBS/DBW, `kgvpSupplier`).
    pub seller_delivery: Option<BasisPoints>,
    /// Express delivery by the seller (EDBS, `kgvpSupplierExpress`).
    pub seller_express: Option<BasisPoints>,
    /// Click & collect (`kgvpPickup`).
    pub pickup: Option<BasisPoints>,
    /// Booking (`kgvpBooking`).
    pub booking: Option<BasisPoints>,
}

/// One row of the tariffs report, read and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedRates {
    pub marketplace: Marketplace,
    pub subject_id: SubjectId,
    pub subject_name: String,
    pub parent_name: String,
    pub rates: CommissionRates,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommissionCommand {
    Observe(ObservedRates),
}

impl CommissionCommand {
    pub fn name(&self) -> &'static str {
        "ObserveCommissionRates"
    }
}
