use super::{User, UserCommand, UserEvent, UserRefusal, decide};

/// What the user aggregate needs from outside: only the clock.
pub type UserServices = crate::pure_aggregate::ClockServices;

crate::pure_aggregate!(User, "User", UserCommand, UserEvent, UserRefusal, decide);
