//! Ids that are UUIDs: one newtype shape for every aggregate id with a fallible parser.

/// A UUID newtype with parsing (refused as `$error::BadId`), access and display.
macro_rules! uuid_id {
    ($error:ident, $(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, $error> {
                uuid::Uuid::parse_str(raw.trim()).map(Self).map_err(|_| $error::BadId)
            }

            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(id: uuid::Uuid) -> Self {
                Self(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

pub(crate) use uuid_id;
