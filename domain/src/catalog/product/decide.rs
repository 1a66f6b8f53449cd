use super::{
    NewProduct, Product, ProductCommand, ProductDetails, ProductEvent, ProductRefusal, ProductState, ProductStatus,
};
use chrono::{DateTime, Utc};

/// Decides what a command does to a product: the events to record, or why it is refused.
///
/// Pure: no I/O, no clock (the caller passes `now`). A command that would change nothing (a
/// price set to the current price) records nothing and succeeds, so retries are harmless.
pub fn decide(
    product: &Product,
    command: ProductCommand,
    now: DateTime<Utc>,
) -> Result<Vec<ProductEvent>, ProductRefusal> {
    if let ProductCommand::Create(new) = command {
        return match &product.state {
            Some(existing) => Err(ProductRefusal::AlreadyExists {
                sku: existing.sku.to_string(),
            }),
            None => Ok(vec![created(new, now)]),
        };
    }
    if let ProductCommand::ImportOffer(offer) = command {
        return Ok(super::import::decide_import(product.state.as_ref(), *offer, now));
    }
    let state = product.state.as_ref().ok_or(ProductRefusal::NotFound)?;
    if let ProductCommand::MarkUnavailable = command {
        return Ok(super::import::decide_unavailable(state, now));
    }
    if let Some(expected) = command
        .expected_version()
        .filter(|&expected| expected != product.version)
    {
        return Err(ProductRefusal::VersionMismatch {
            expected,
            actual: product.version,
        });
    }
    if state.status == ProductStatus::Archived {
        // Archiving twice is a harmless retry; every other change to an archived product is not.
        return match command {
            ProductCommand::Archive { .. } => Ok(vec![]),
            _ => Err(ProductRefusal::Archived),
        };
    }
    Ok(change(state, command, now).into_iter().collect())
}

fn created(new: NewProduct, at: DateTime<Utc>) -> ProductEvent {
    ProductEvent::ProductCreated {
        sku: new.sku,
        title: new.details.title,
        brand: new.details.brand,
        description: new.details.description,
        category: new.details.category,
        barcodes: new.details.barcodes,
        price_kopecks: new.price,
        stock: new.stock,
        at,
    }
}

/// `ProductDetailsUpdated` when `details` differ from the product's (by a command or a feed).
pub(super) fn details_updated(
    state: &ProductState,
    details: ProductDetails,
    at: DateTime<Utc>,
) -> Option<ProductEvent> {
    let unchanged = details.title == state.title
        && details.brand == state.brand
        && details.description == state.description
        && details.category == state.category
        && details.barcodes == state.barcodes;
    (!unchanged).then_some(ProductEvent::ProductDetailsUpdated {
        title: details.title,
        brand: details.brand,
        description: details.description,
        category: details.category,
        barcodes: details.barcodes,
        at,
    })
}

/// The event a change command records on an active product, if it changes anything.
fn change(state: &ProductState, command: ProductCommand, at: DateTime<Utc>) -> Option<ProductEvent> {
    match command {
        ProductCommand::Create(_) | ProductCommand::ImportOffer(_) | ProductCommand::MarkUnavailable => None,
        ProductCommand::UpdateDetails { details, .. } => details_updated(state, details, at),
        ProductCommand::ChangePrice { price, .. } => {
            (price != state.price).then_some(ProductEvent::ProductPriceChanged {
                price_kopecks: price,
                previous_kopecks: state.price,
                at,
            })
        }
        ProductCommand::ChangeStock { stock, .. } => {
            (stock != state.stock).then_some(ProductEvent::ProductStockChanged {
                stock,
                previous: state.stock,
                at,
            })
        }
        ProductCommand::Archive { .. } => Some(ProductEvent::ProductArchived { at }),
    }
}
