//! The supplier registry: who the suppliers are and how their feeds are read (the `Supplier`
//! aggregate), apart from running their imports ([`super::import::Importer`]).

use crate::event_store::batch::load_all_in_creation_order;
use crate::event_store::{CommandBus, StoreError};
use crate::telemetry::Metrics;
use gomarket_domain::clock::SharedClock;
use gomarket_domain::pure_aggregate::ClockServices;
use gomarket_domain::supplier::{Supplier, SupplierId, SupplierState};
use sqlx::PgPool;

/// Registered suppliers and their settings.
pub struct SupplierRegistry {
    pool: PgPool,
    suppliers: CommandBus<Supplier>,
}

impl std::fmt::Debug for SupplierRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupplierRegistry").finish_non_exhaustive()
    }
}

impl SupplierRegistry {
    pub fn new(pool: PgPool, clock: SharedClock, metrics: Metrics) -> Self {
        Self {
            suppliers: CommandBus::new(pool.clone(), ClockServices { clock }, metrics),
            pool,
        }
    }

    /// The `Supplier` aggregates' command bus (register, change settings, disable).
    pub fn bus(&self) -> &CommandBus<Supplier> {
        &self.suppliers
    }

    /// Every supplier with its current state, in registration order.
    pub async fn list(&self) -> Result<Vec<(SupplierId, Supplier)>, StoreError> {
        let suppliers = load_all_in_creation_order::<Supplier>(&self.pool)
            .await
            .map_err(StoreError::new)?;
        Ok(suppliers
            .into_iter()
            .filter_map(|(id, supplier)| Some((SupplierId::parse(&id).ok()?, supplier)))
            .collect())
    }

    /// A supplier's current state, if it is registered.
    pub async fn load(&self, id: SupplierId) -> Result<Option<SupplierState>, StoreError> {
        Ok(self.suppliers.load(&id.to_string()).await?.state)
    }
}
