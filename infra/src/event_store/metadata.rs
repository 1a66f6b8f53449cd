use std::collections::HashMap;

/// Who asked for a change and in which request: stored with every event the command records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMetadata {
    /// The request (or job) that caused the command; shared by all its events and log lines.
    /// The client's `X-Request-Id` when it sent a usable one, else a generated UUID.
    pub correlation_id: String,
    /// The authenticated principal; `anonymous` or `system` until identity lands.
    pub actor: String,
    /// The command's stable name, e.g. `ChangeProductPrice`.
    pub command: String,
}

impl EventMetadata {
    pub fn new(correlation_id: impl Into<String>, actor: impl Into<String>, command: impl Into<String>) -> Self {
        Self {
            correlation_id: correlation_id.into(),
            actor: actor.into(),
            command: command.into(),
        }
    }

    /// The same request and actor, for another command of the same job.
    pub fn with_command(&self, command: impl Into<String>) -> Self {
        Self {
            command: command.into(),
            ..self.clone()
        }
    }

    pub(crate) fn to_map(&self) -> HashMap<String, String> {
        HashMap::from([
            ("correlation_id".to_owned(), self.correlation_id.clone()),
            ("actor".to_owned(), self.actor.clone()),
            ("command".to_owned(), self.command.clone()),
        ])
    }
}
