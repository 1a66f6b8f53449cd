use super::{Sku, ValueError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Namespace of GoMarket's name-based (v5) product ids. Never change it: ids derived from it
/// are stored in events.
const PRODUCT_NAMESPACE: Uuid = Uuid::from_u128(0x6d1f_3c0e_8b4a_4e57_9a31_0c5b_7e2d_4f60);

/// The id of a catalog product: a UUID derived from what identifies the product, so that the
/// same SKU always maps to the same aggregate and a second "create" is refused, not duplicated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProductId(Uuid);

impl ProductId {
    /// The id of the seller's own product with this SKU (case-insensitive).
    pub fn for_own_sku(sku: &Sku) -> Self {
        Self(Uuid::new_v5(
            &PRODUCT_NAMESPACE,
            format!("own:{}", sku.key()).as_bytes(),
        ))
    }

    /// The id of a supplier's item: the supplier and its own article id (case-sensitive:
    /// supplier ids are opaque), so re-importing the same offer updates the same product.
    pub fn for_supplier_item(supplier_id: Uuid, supplier_sku: &str) -> Self {
        Self(Uuid::new_v5(
            &PRODUCT_NAMESPACE,
            format!("supplier:{supplier_id}:{supplier_sku}").as_bytes(),
        ))
    }

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        Uuid::parse_str(raw.trim()).map(Self).map_err(|_| ValueError::BadId)
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl From<Uuid> for ProductId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl std::fmt::Display for ProductId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_sku_same_id_regardless_of_case() {
        let a = ProductId::for_own_sku(&Sku::parse("KT-100").unwrap());
        let b = ProductId::for_own_sku(&Sku::parse("kt-100").unwrap());
        let c = ProductId::for_own_sku(&Sku::parse("KT-101").unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.as_uuid().get_version_num(), 5);
    }

    #[test]
    fn supplier_items_never_collide_with_own_skus() {
        let supplier = Uuid::from_u128(7);
        let item = ProductId::for_supplier_item(supplier, "KT-100");
        assert_ne!(item, ProductId::for_own_sku(&Sku::parse("KT-100").unwrap()));
        assert_eq!(item, ProductId::for_supplier_item(supplier, "KT-100"));
        assert_ne!(item, ProductId::for_supplier_item(Uuid::from_u128(8), "KT-100"));
    }

    #[test]
    fn parse_refuses_garbage() {
        assert_eq!(ProductId::parse("nope"), Err(ValueError::BadId));
    }
}
