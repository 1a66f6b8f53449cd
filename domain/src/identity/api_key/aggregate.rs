use super::{ApiKey, ApiKeyCommand, ApiKeyEvent, ApiKeyRefusal, decide};
use crate::clock::SharedClock;
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;

pub struct ApiKeyServices {
    pub clock: SharedClock,
}

impl Aggregate for ApiKey {
    const TYPE: &'static str = "ApiKey";
    type Command = ApiKeyCommand;
    type Event = ApiKeyEvent;
    type Error = ApiKeyRefusal;
    type Services = ApiKeyServices;

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
