use super::{ApiKey, ApiKeyCommand, ApiKeyEvent, ApiKeyRefusal, decide};

/// What the API key aggregate needs from outside: only the clock.
pub type ApiKeyServices = crate::pure_aggregate::ClockServices;

crate::pure_aggregate!(ApiKey, "ApiKey", ApiKeyCommand, ApiKeyEvent, ApiKeyRefusal, decide);
