use super::{Supplier, SupplierCommand, SupplierEvent, SupplierRefusal};
use chrono::{DateTime, Utc};

/// Decides a supplier command. Pure; changes to the same settings record nothing.
pub fn decide(
    supplier: &Supplier,
    command: SupplierCommand,
    now: DateTime<Utc>,
) -> Result<Vec<SupplierEvent>, SupplierRefusal> {
    match (command, &supplier.state) {
        (SupplierCommand::Register(_), Some(state)) => Err(SupplierRefusal::AlreadyExists {
            name: state.settings.name.as_str().to_owned(),
        }),
        (SupplierCommand::Register(settings), None) => {
            Ok(vec![SupplierEvent::SupplierRegistered { settings, at: now }])
        }
        (_, None) => Err(SupplierRefusal::NotFound),
        (SupplierCommand::Update(settings), Some(state)) => Ok(if settings == state.settings {
            vec![]
        } else {
            vec![SupplierEvent::SupplierUpdated { settings, at: now }]
        }),
        (SupplierCommand::Disable, Some(state)) => Ok(if state.enabled {
            vec![SupplierEvent::SupplierDisabled { at: now }]
        } else {
            vec![]
        }),
        (SupplierCommand::Enable, Some(state)) => Ok(if state.enabled {
            vec![]
        } else {
            vec![SupplierEvent::SupplierEnabled { at: now }]
        }),
    }
}
