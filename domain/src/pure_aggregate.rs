//! The one shape every aggregate here has: a pure `decide(state, command, now)` and a pure
//! fold, wrapped into a cqrs-es `Aggregate` by [`pure_aggregate!`](crate::pure_aggregate).

use crate::clock::SharedClock;

/// What a pure aggregate needs from outside: only the clock.
pub struct ClockServices {
    pub clock: SharedClock,
}

/// Implements `cqrs_es::Aggregate` for a type with `apply_event` and a free `decide` function:
/// `handle` records what `decide` returns, `apply` folds with `apply_event`.
#[macro_export]
macro_rules! pure_aggregate {
    ($aggregate:ty, $type_name:literal, $command:ty, $event:ty, $refusal:ty, $decide:path) => {
        impl cqrs_es::Aggregate for $aggregate {
            const TYPE: &'static str = $type_name;
            type Command = $command;
            type Event = $event;
            type Error = $refusal;
            type Services = $crate::pure_aggregate::ClockServices;

            async fn handle(
                &mut self,
                command: Self::Command,
                services: &Self::Services,
                sink: &cqrs_es::event_sink::EventSink<Self>,
            ) -> Result<(), Self::Error> {
                for event in $decide(self, command, services.clock.now())? {
                    sink.write(event, self).await;
                }
                Ok(())
            }

            fn apply(&mut self, event: Self::Event) {
                self.apply_event(event);
            }
        }
    };
}
