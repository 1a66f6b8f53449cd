use super::{AccountCommand, AccountEvent, AccountRefusal, AccountStatus, MarketplaceAccount};
use chrono::{DateTime, Utc};

/// Decides an account command. Pure; a command that changes nothing records nothing.
pub fn decide(
    account: &MarketplaceAccount,
    command: AccountCommand,
    now: DateTime<Utc>,
) -> Result<Vec<AccountEvent>, AccountRefusal> {
    let at = now;
    let Some(state) = &account.state else {
        return match command {
            AccountCommand::Connect(settings) => {
                settings.check()?;
                Ok(vec![AccountEvent::AccountConnected { settings, at }])
            }
            _ => Err(AccountRefusal::NotFound),
        };
    };
    let invalid = matches!(state.status, AccountStatus::CredentialsInvalid { .. });
    Ok(match command {
        AccountCommand::Connect(_) => return Err(AccountRefusal::AlreadyConnected),
        AccountCommand::RecordVerified => vec![AccountEvent::AccountVerified { at }],
        AccountCommand::MarkCredentialsInvalid { reason } => match &state.status {
            AccountStatus::CredentialsInvalid { reason: known } if *known == reason => vec![],
            AccountStatus::Disabled => vec![],
            _ => vec![AccountEvent::AccountCredentialsInvalid { reason, at }],
        },
        AccountCommand::ReplaceToken { token_secret_id } => {
            if token_secret_id == state.settings.token_secret_id && !invalid {
                vec![]
            } else {
                vec![AccountEvent::AccountTokenReplaced { token_secret_id, at }]
            }
        }
        AccountCommand::UpdateWarehouses(ids) if ids.is_empty() => return Err(AccountRefusal::NoWarehouse),
        AccountCommand::UpdateWarehouses(warehouse_ids) => {
            if warehouse_ids == state.settings.warehouse_ids {
                vec![]
            } else {
                vec![AccountEvent::AccountWarehousesUpdated { warehouse_ids, at }]
            }
        }
        AccountCommand::UpdateCardRules(card_rules) => {
            if card_rules == state.settings.card_rules {
                vec![]
            } else {
                vec![AccountEvent::AccountCardRulesUpdated { card_rules, at }]
            }
        }
        AccountCommand::Disable if state.status == AccountStatus::Disabled => vec![],
        AccountCommand::Disable => vec![AccountEvent::AccountDisabled { at }],
        AccountCommand::Enable if state.status == AccountStatus::Disabled => vec![AccountEvent::AccountEnabled { at }],
        AccountCommand::Enable => vec![],
    })
}
