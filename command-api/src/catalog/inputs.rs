//! Raw GraphQL inputs and their parsing into domain values. Every field is checked and every
//! problem reported at once, each naming its field.

use async_graphql::InputObject;
use gomarket_api_core::ErrorCode;
use gomarket_api_core::payload::UserError;
use gomarket_domain::catalog::{
    Barcode, Brand, CategoryPath, Description, Kopecks, NewProduct, ProductDetails, Quantity, Sku, Title, ValueError,
};

/// A seller's own product.
#[derive(Debug, Clone, InputObject)]
pub struct CreateProductInput {
    /// The seller's article code; unique in the catalog, ignoring case.
    pub sku: String,
    #[graphql(flatten)]
    pub details: ProductDetailsInput,
    /// Price in kopecks (integer, ≥ 0).
    pub price_kopecks: i64,
    /// Units in stock (≥ 0).
    #[graphql(default)]
    pub stock: i64,
}

/// The descriptive part of a product, replaced as a whole.
#[derive(Debug, Clone, InputObject)]
pub struct ProductDetailsInput {
    /// Non-empty, at most 300 characters.
    pub title: String,
    pub brand: Option<String>,
    pub description: Option<String>,
    /// Category path, levels separated by `/`, e.g. `Бытовая техника/Чайники`.
    pub category: Option<String>,
    /// EAN-8, UPC-A or EAN-13 barcodes with correct check digits.
    #[graphql(default)]
    pub barcodes: Vec<String>,
}

/// Collects field errors while parsing.
#[derive(Debug, Default)]
pub(crate) struct Parser {
    pub errors: Vec<UserError>,
}

impl Parser {
    pub fn field<T>(&mut self, field: &str, result: Result<T, ValueError>) -> Option<T> {
        result
            .map_err(|e| {
                self.errors
                    .push(UserError::new(ErrorCode::BadUserInput, field, e.to_string()))
            })
            .ok()
    }

    /// An optional text: absent or blank means "none".
    fn optional<T>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: fn(&str) -> Result<T, ValueError>,
    ) -> Option<Option<T>> {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(None),
            Some(raw) => self.field(field, parse(raw)).map(Some),
        }
    }

    fn barcodes(&mut self, raw: &[String]) -> Option<Vec<Barcode>> {
        let mut parsed = Vec::with_capacity(raw.len());
        let mut ok = true;
        for (i, code) in raw.iter().enumerate() {
            match Barcode::parse(code) {
                Ok(barcode) if parsed.contains(&barcode) => {
                    ok = false;
                    self.errors.push(UserError::new(
                        ErrorCode::BadUserInput,
                        "barcodes",
                        format!("barcode {} is listed twice", barcode.as_str()),
                    ));
                }
                Ok(barcode) => parsed.push(barcode),
                Err(e) => {
                    ok = false;
                    self.errors.push(UserError::new(
                        ErrorCode::BadUserInput,
                        "barcodes",
                        format!("barcode #{} ({code:.20}): {e}", i + 1),
                    ));
                }
            }
        }
        ok.then_some(parsed)
    }

    pub fn details(&mut self, input: &ProductDetailsInput) -> Option<ProductDetails> {
        let title = self.field("title", Title::parse(&input.title));
        let brand = self.optional("brand", input.brand.as_deref(), Brand::parse);
        let description = self.optional("description", input.description.as_deref(), Description::parse);
        let category = self.optional("category", input.category.as_deref(), CategoryPath::parse);
        let barcodes = self.barcodes(&input.barcodes);
        Some(ProductDetails {
            title: title?,
            brand: brand?,
            description: description?,
            category: category?,
            barcodes: barcodes?,
        })
    }
}

impl CreateProductInput {
    pub(crate) fn parse(&self) -> Result<NewProduct, Vec<UserError>> {
        let mut parser = Parser::default();
        let sku = parser.field("sku", Sku::parse(&self.sku));
        let details = parser.details(&self.details);
        let price = parser.field("priceKopecks", Kopecks::new(self.price_kopecks));
        let stock = parser.field("stock", Quantity::new(self.stock));
        match (sku, details, price, stock) {
            (Some(sku), Some(details), Some(price), Some(stock)) if parser.errors.is_empty() => Ok(NewProduct {
                sku,
                details,
                price,
                stock,
            }),
            _ => Err(parser.errors),
        }
    }
}

impl ProductDetailsInput {
    pub(crate) fn parse(&self) -> Result<ProductDetails, Vec<UserError>> {
        let mut parser = Parser::default();
        match parser.details(self) {
            Some(details) if parser.errors.is_empty() => Ok(details),
            _ => Err(parser.errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CreateProductInput {
        CreateProductInput {
            sku: "KT-1".into(),
            details: ProductDetailsInput {
                title: "Чайник".into(),
                brand: Some("  ".into()),
                description: None,
                category: Some("Бытовая техника/Чайники".into()),
                barcodes: vec!["4006381333931".into()],
            },
            price_kopecks: 100,
            stock: 2,
        }
    }

    #[test]
    fn valid_input_parses_and_blank_optional_text_is_none() {
        let product = input().parse().unwrap();
        assert_eq!(product.details.brand, None);
        assert_eq!(product.price.get(), 100);
    }

    #[test]
    fn every_bad_field_is_reported_by_name() {
        let mut bad = CreateProductInput {
            price_kopecks: -1,
            stock: -3,
            ..input()
        };
        bad.details.title = "".into();
        bad.details.barcodes = vec!["4006381333932".into()];
        let fields: Vec<_> = bad.parse().unwrap_err().into_iter().map(|e| e.field.unwrap()).collect();
        assert_eq!(fields, ["title", "barcodes", "priceKopecks", "stock"]);
    }

    #[test]
    fn duplicate_barcodes_are_refused() {
        let mut bad = input();
        bad.details.barcodes = vec!["4006381333931".into(), "4006381333931".into()];
        assert_eq!(bad.parse().unwrap_err()[0].field.as_deref(), Some("barcodes"));
    }
}
