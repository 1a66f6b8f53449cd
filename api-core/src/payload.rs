//! How mutations report refusals.
//!
//! A refusal is reported twice, on purpose: as typed data in the payload's `errors` (for
//! clients that select it) and as a GraphQL error with `extensions.code` and
//! `extensions.field` (for generic clients that only look at `errors`). Nothing is written
//! when a mutation is refused.

use crate::error::{ErrorCode, api_error};
use async_graphql::{Context, SimpleObject};

/// One problem with a mutation's input or with the state it applies to.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct UserError {
    /// The input field to blame (`title`, `priceKopecks`, `id`, `expectedVersion`, ...).
    pub field: Option<String>,
    pub code: ErrorCode,
    pub message: String,
}

impl UserError {
    pub fn new(code: ErrorCode, field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            code,
            message: message.into(),
        }
    }
}

/// Adds each error to the response's top-level `errors`, with its code and field.
pub fn report(ctx: &Context<'_>, errors: &[UserError]) {
    for error in errors {
        let message = match &error.field {
            Some(field) => format!("{field}: {}", error.message),
            None => error.message.clone(),
        };
        let error = api_error(error.code, message, error.field.as_deref());
        ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
    }
}

/// A mutation's payload (`errors` beside what was done, all other fields optional): what it
/// answers when refused, with nothing written.
pub trait Payload: Default {
    fn errors_mut(&mut self) -> &mut Vec<UserError>;

    /// The payload of a refusal: only `errors`, also reported in the response (see [`report`]).
    fn refused(ctx: &Context<'_>, errors: Vec<UserError>) -> Self {
        report(ctx, &errors);
        let mut payload = Self::default();
        *payload.errors_mut() = errors;
        payload
    }
}

/// Implements [`Payload`] for payload structs with an `errors` field that derive `Default`.
#[macro_export]
macro_rules! payload {
    ($($payload:ty),+ $(,)?) => {
        $(impl $crate::payload::Payload for $payload {
            fn errors_mut(&mut self) -> &mut Vec<$crate::payload::UserError> {
                &mut self.errors
            }
        })+
    };
}
