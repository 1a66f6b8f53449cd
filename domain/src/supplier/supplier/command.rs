use crate::supplier::values::{FeedEncoding, FeedKind, FeedUrl, ImageUrlTemplate, SupplierName};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Everything configurable about a supplier, replaced as a whole by `Update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierSettings {
    pub name: SupplierName,
    pub kind: FeedKind,
    /// The feed (YML, AN_MSC) or the base URL of the feed set (Wholesaler).
    pub url: FeedUrl,
    pub encoding: FeedEncoding,
    pub image_url_template: Option<ImageUrlTemplate>,
    /// Credentials for the feed, as the id of a secret in the secrets store (never the value).
    pub credentials_secret_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupplierCommand {
    Register(SupplierSettings),
    Update(SupplierSettings),
    Disable,
    Enable,
}

impl SupplierCommand {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Register(_) => "RegisterSupplier",
            Self::Update(_) => "UpdateSupplier",
            Self::Disable => "DisableSupplier",
            Self::Enable => "EnableSupplier",
        }
    }
}
