use super::{Product, ProductCommand, ProductEvent, ProductRefusal, decide};
use crate::clock::SharedClock;
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;

/// What the product aggregate needs from outside: only the clock.
pub struct ProductServices {
    pub clock: SharedClock,
}

/// Thin adapter: cqrs-es calls `handle`, which delegates to the pure [`decide`].
impl Aggregate for Product {
    const TYPE: &'static str = "Product";
    type Command = ProductCommand;
    type Event = ProductEvent;
    type Error = ProductRefusal;
    type Services = ProductServices;

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
