//! What many domain types share, written once.

/// For a validated text value `struct $name(String)` with `fn parse(&str) -> Result<Self,
/// $error>`: `TryFrom<String>` (so serde reads stored values back through `parse`) and
/// `From<$name> for String` (how it is stored and sent).
macro_rules! string_conversions {
    ($name:ident, $error:ty) => {
        impl TryFrom<String> for $name {
            type Error = $error;
            fn try_from(raw: String) -> Result<Self, $error> {
                Self::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

/// A marketplace's numeric id (`u64`, stored and sent as a bare number): `new` takes the
/// `i64` GraphQL and JSON give and refuses zero and negatives, `get` reads it back.
macro_rules! positive_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(u64);

        impl $name {
            pub fn new(id: i64) -> Result<Self, $crate::marketplace::values::MarketplaceValueError> {
                u64::try_from(id)
                    .ok()
                    .filter(|&id| id > 0)
                    .map(Self)
                    .ok_or($crate::marketplace::values::MarketplaceValueError::NotPositive)
            }

            pub fn get(self) -> u64 {
                self.0
            }
        }
    };
}

/// `cqrs_es::DomainEvent` for an event enum: its type is the variant's name, its payload
/// version `"1"` (docs/operations.md, "Event versions"). Either the variants are listed, or
/// the enum has an inherent `fn event_type(&self) -> &'static str` of its own.
macro_rules! domain_event {
    ($event:ident) => {
        impl cqrs_es::DomainEvent for $event {
            fn event_type(&self) -> String {
                $event::event_type(self).to_owned()
            }

            fn event_version(&self) -> String {
                "1".to_owned()
            }
        }
    };
    ($event:ident: $($variant:ident),+ $(,)?) => {
        impl cqrs_es::DomainEvent for $event {
            fn event_type(&self) -> String {
                match self {
                    $(Self::$variant { .. } => stringify!($variant),)+
                }
                .to_owned()
            }

            fn event_version(&self) -> String {
                "1".to_owned()
            }
        }
    };
}

pub(crate) use {domain_event, positive_id, string_conversions};
