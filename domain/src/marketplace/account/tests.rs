use super::*;
use crate::marketplace::card::CardRules;
use crate::marketplace::values::{AccountName, ClientId, Marketplace, WarehouseId};
use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap()
}

fn settings(warehouses: &[i64]) -> AccountSettings {
    AccountSettings {
        name: AccountName::parse("WB основной").unwrap(),
        marketplace: Marketplace::Wildberries,
        client_id: None,
        token_secret_id: Uuid::from_u128(1),
        warehouse_ids: warehouses.iter().map(|&id| WarehouseId::new(id).unwrap()).collect(),
        card_rules: CardRules::default(),
    }
}

/// The account after `commands`, each of which must be accepted.
fn after(commands: Vec<AccountCommand>) -> MarketplaceAccount {
    let mut account = MarketplaceAccount::default();
    for command in commands {
        for event in decide(&account, command, now()).unwrap() {
            account.apply_event(event);
        }
    }
    account
}

fn connected() -> MarketplaceAccount {
    after(vec![AccountCommand::Connect(settings(&[507]))])
}

fn status(account: &MarketplaceAccount) -> &AccountStatus {
    &account.state.as_ref().unwrap().status
}

#[test]
fn an_ozon_account_names_its_seller_and_a_wildberries_one_does_not() {
    let none = MarketplaceAccount::default();
    let on = |marketplace, client_id: Option<&str>| {
        AccountCommand::Connect(AccountSettings {
            marketplace,
            client_id: client_id.map(|id| ClientId::parse(id).unwrap()),
            ..settings(&[507])
        })
    };
    assert_eq!(
        decide(&none, on(Marketplace::Ozon, None), now()),
        Err(AccountRefusal::ClientIdRequired("Ozon"))
    );
    assert_eq!(
        decide(&none, on(Marketplace::Wildberries, Some("1")), now()),
        Err(AccountRefusal::ClientIdNotUsed("Wildberries"))
    );
    assert_eq!(
        decide(&none, on(Marketplace::Ozon, Some("836412")), now())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn an_account_is_connected_once_and_needs_a_warehouse() {
    let none = MarketplaceAccount::default();
    assert_eq!(
        decide(&none, AccountCommand::Connect(settings(&[])), now()),
        Err(AccountRefusal::NoWarehouse)
    );
    assert_eq!(
        decide(&none, AccountCommand::Disable, now()),
        Err(AccountRefusal::NotFound)
    );
    let account = connected();
    assert!(account.state.as_ref().unwrap().can_push());
    assert_eq!(account.version, 1);
    assert_eq!(
        decide(&account, AccountCommand::Connect(settings(&[507])), now()),
        Err(AccountRefusal::AlreadyConnected)
    );
}

#[test]
fn a_refused_token_stops_pushes_until_a_new_token_or_a_verification() {
    let reason = || "401 Unauthorized".to_owned();
    let invalid = after(vec![
        AccountCommand::Connect(settings(&[507])),
        AccountCommand::MarkCredentialsInvalid { reason: reason() },
    ]);
    assert!(!invalid.state.as_ref().unwrap().can_push());
    // The same refusal again records nothing.
    assert_eq!(
        decide(
            &invalid,
            AccountCommand::MarkCredentialsInvalid { reason: reason() },
            now()
        ),
        Ok(vec![])
    );
    // The same token given again still counts: the seller says it works now.
    let replaced = {
        let mut account = invalid.clone();
        let same = AccountCommand::ReplaceToken {
            token_secret_id: Uuid::from_u128(1),
        };
        for event in decide(&account, same, now()).unwrap() {
            account.apply_event(event);
        }
        account
    };
    assert_eq!(status(&replaced), &AccountStatus::Active);
    let mut verified = invalid;
    for event in decide(&verified, AccountCommand::RecordVerified, now()).unwrap() {
        verified.apply_event(event);
    }
    assert_eq!(status(&verified), &AccountStatus::Active);
}

#[test]
fn a_disabled_account_ignores_refused_tokens_and_enables_once() {
    let disabled = after(vec![AccountCommand::Connect(settings(&[507])), AccountCommand::Disable]);
    assert_eq!(status(&disabled), &AccountStatus::Disabled);
    for command in [
        AccountCommand::Disable,
        AccountCommand::MarkCredentialsInvalid {
            reason: "401".to_owned(),
        },
    ] {
        assert_eq!(decide(&disabled, command, now()), Ok(vec![]));
    }
    let enabled = after(vec![
        AccountCommand::Connect(settings(&[507])),
        AccountCommand::Disable,
        AccountCommand::Enable,
    ]);
    assert_eq!(status(&enabled), &AccountStatus::Active);
    assert_eq!(decide(&enabled, AccountCommand::Enable, now()), Ok(vec![]));
}

#[test]
fn settings_change_only_when_they_differ() {
    let account = connected();
    let same = vec![WarehouseId::new(507).unwrap()];
    assert_eq!(
        decide(&account, AccountCommand::UpdateWarehouses(same), now()),
        Ok(vec![])
    );
    assert_eq!(
        decide(&account, AccountCommand::UpdateWarehouses(vec![]), now()),
        Err(AccountRefusal::NoWarehouse)
    );
    let moved = after(vec![
        AccountCommand::Connect(settings(&[507])),
        AccountCommand::UpdateWarehouses(vec![WarehouseId::new(9).unwrap()]),
    ]);
    assert_eq!(
        moved.state.as_ref().unwrap().settings.warehouse_ids,
        [WarehouseId::new(9).unwrap()]
    );
    assert_eq!(
        decide(&account, AccountCommand::UpdateCardRules(CardRules::default()), now()),
        Ok(vec![])
    );
}
