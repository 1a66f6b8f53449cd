//! What a policy makes of one product: pure, deterministic, explained. The process manager
//! turns the decision into listing commands.

use super::policy::PolicySettings;
use super::pricing::PriceExplanation;
use super::run::{ItemAction, ItemOutcome};
use super::stock::{Demand, StockExplanation};
use crate::catalog::ProductState;
use crate::marketplace::listing::{CardState, ListingState, ListingTarget, PushState};
use crate::marketplace::values::{DiscountPercent, ListedStock, WholeRoubles};

/// A product's decision under a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub action: ItemAction,
    /// `Pending` when the target goes out; otherwise final.
    pub outcome: ItemOutcome,
    /// The target to set (`None`: leave the listing as it is).
    pub target: Option<ListingTarget>,
    pub price: Option<PriceExplanation>,
    pub stock: Option<StockExplanation>,
}

/// What the marketplace reported back about a listing, for the rules that use it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MarketFeedback {
    /// The listing's recent demand (the last 30 days), for the stock rule's cover cap.
    pub demand: Option<Demand>,
    /// The commission reported for the listing's subject: (subject, hundredths of a percent),
    /// compared with the pricing rule's.
    pub reported_commission: Option<(i64, i64)>,
}

/// The buyer's price of a target (after the discount), in kopecks.
fn paid(value: WholeRoubles, discount: DiscountPercent) -> i64 {
    value.get() as i64 * 100 * (100 - i64::from(discount.get())) / 100
}

/// Decides one product. `product` is `None` when it no longer exists; `listing` when it was
/// never listed on the policy's account; `feedback` what the marketplace reported of it.
pub fn evaluate(
    policy: &PolicySettings,
    product: Option<&ProductState>,
    listing: Option<&ListingState>,
    feedback: MarketFeedback,
) -> Decision {
    let unchanged = |action, outcome| Decision {
        action,
        outcome,
        target: None,
        price: None,
        stock: None,
    };
    let withdraw = |listing: &ListingState, outcome: ItemOutcome| {
        let zero = ListingTarget {
            stock: ListedStock::new(0).expect("zero"),
            ..listing.target
        };
        if zero == listing.target {
            unchanged(ItemAction::None, outcome)
        } else {
            Decision {
                action: ItemAction::Withdraw,
                outcome,
                target: Some(zero),
                price: None,
                stock: None,
            }
        }
    };
    let Some(product) = product else {
        return match listing {
            Some(listing) => withdraw(
                listing,
                ItemOutcome::Excluded {
                    reason: "the product no longer exists".into(),
                },
            ),
            None => unchanged(
                ItemAction::None,
                ItemOutcome::Excluded {
                    reason: "the product no longer exists".into(),
                },
            ),
        };
    };
    if let Some(reason) = policy.exclusions.reason(product) {
        return match listing {
            Some(listing) => withdraw(listing, ItemOutcome::Excluded { reason }),
            None => unchanged(ItemAction::None, ItemOutcome::Excluded { reason }),
        };
    }
    let by_warehouse = product
        .stock_by_warehouse
        .iter()
        .map(|(w, q)| (w.clone(), q.get()))
        .collect();
    let total = if product.available { product.stock.get() } else { 0 };
    let mut stock = policy.stock.units(&by_warehouse, total, feedback.demand);
    if !product.available {
        stock = StockExplanation {
            units: 0,
            detail: "the supplier no longer offers it → 0".into(),
        };
    }
    let units = ListedStock::new(i64::from(stock.units.min(ListedStock::MAX))).expect("bounded above");
    let price = match policy.pricing.price(product.price) {
        Ok(mut price) => {
            if let Some((subject, reported)) = feedback.reported_commission {
                price.compare_commission(&policy.pricing, subject, reported);
            }
            price
        }
        Err(e) => {
            return unchanged(ItemAction::None, ItemOutcome::Failed { reason: e.to_string() });
        }
    };
    let discount = DiscountPercent::new(i64::from(price.discount_percent)).expect("0–99 by the rule");
    let target = ListingTarget {
        price: price.price_before_discount,
        discount,
        stock: units,
    };
    let Some(listing) = listing else {
        if stock.units == 0 {
            return Decision {
                action: ItemAction::None,
                outcome: ItemOutcome::Excluded {
                    reason: "nothing in stock to list".into(),
                },
                target: None,
                price: Some(price),
                stock: Some(stock),
            };
        }
        return Decision {
            action: ItemAction::Publish,
            outcome: ItemOutcome::Pending,
            target: Some(target),
            price: Some(price),
            stock: Some(stock),
        };
    };
    // The price-drop guard: against what buyers pay now.
    let live = listing
        .price
        .as_ref()
        .filter(|p| p.state == PushState::Applied)
        .map(|p| paid(p.value, p.discount));
    let new_paid = paid(target.price_roubles(), target.discount);
    if let Some(live) = live {
        let floor = live * (10_000 - i64::from(policy.price_drop_guard.basis_points())) / 10_000;
        if new_paid < floor {
            let reason = format!(
                "the new price {}.{:02} ₽ is more than {} below the live {}.{:02} ₽",
                new_paid / 100,
                new_paid % 100,
                policy.price_drop_guard,
                live / 100,
                live % 100
            );
            return Decision {
                action: ItemAction::Update,
                outcome: ItemOutcome::Held { reason },
                target: Some(target),
                price: Some(price),
                stock: Some(stock),
            };
        }
    }
    let republish = matches!(listing.card, CardState::Rejected { .. });
    if target == listing.target && !republish {
        return Decision {
            action: ItemAction::None,
            outcome: ItemOutcome::Unchanged,
            target: None,
            price: Some(price),
            stock: Some(stock),
        };
    }
    Decision {
        action: if republish {
            ItemAction::Publish
        } else {
            ItemAction::Update
        },
        outcome: ItemOutcome::Pending,
        target: Some(target),
        price: Some(price),
        stock: Some(stock),
    }
}

/// The outcome of a pending item once its listing shows the marketplace's answer: `None`
/// while a push for the current target is still due or under way.
pub fn settled_outcome(listing: &ListingState, action: ItemAction) -> Option<ItemOutcome> {
    if let CardState::Rejected { reason, .. } = &listing.card {
        return Some(ItemOutcome::Failed { reason: reason.clone() });
    }
    listing.nm_id()?; // the card is still on its way
    let refused = |state: &PushState| match state {
        PushState::Failed { reason } | PushState::Quarantined { reason } => Some(reason.clone()),
        _ => None,
    };
    if listing.price_due() || listing.stock_due() {
        return None;
    }
    let price = listing.price.as_ref()?;
    let stock = listing.stock.as_ref()?;
    if price.state == PushState::Pending || stock.state == PushState::Pending {
        return None;
    }
    if let Some(reason) = refused(&price.state).or_else(|| refused(&stock.state)) {
        return Some(ItemOutcome::Failed { reason });
    }
    Some(match action {
        ItemAction::Publish => ItemOutcome::Published,
        _ => ItemOutcome::Updated,
    })
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;
