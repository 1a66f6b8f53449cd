use super::{User, UserCommand, UserEvent, UserRefusal, decide};
use crate::clock::SharedClock;
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;

/// What the user aggregate needs from outside: only the clock.
pub struct UserServices {
    pub clock: SharedClock,
}

/// Thin adapter around the pure [`decide`] and fold.
impl Aggregate for User {
    const TYPE: &'static str = "User";
    type Command = UserCommand;
    type Event = UserEvent;
    type Error = UserRefusal;
    type Services = UserServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in decide(self, command, services.clock.now())? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.apply_event(event);
    }
}
