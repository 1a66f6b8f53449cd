use std::collections::HashMap;
use uuid::Uuid;

/// Who asked for a change and in which request: stored with every event the command records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMetadata {
    /// The request (or job) that caused the command; shared by all its events and log lines.
    pub correlation_id: Uuid,
    /// The authenticated principal; `anonymous` or `system` until identity lands.
    pub actor: String,
    /// The command's stable name, e.g. `ChangeProductPrice`.
    pub command: String,
}

impl EventMetadata {
    pub fn new(correlation_id: Uuid, actor: impl Into<String>, command: impl Into<String>) -> Self {
        Self {
            correlation_id,
            actor: actor.into(),
            command: command.into(),
        }
    }

    pub(crate) fn to_map(&self) -> HashMap<String, String> {
        HashMap::from([
            ("correlation_id".to_owned(), self.correlation_id.to_string()),
            ("actor".to_owned(), self.actor.clone()),
            ("command".to_owned(), self.command.clone()),
        ])
    }
}
