use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A place in the global event feed: the writing transaction's id, then the insert position.
///
/// The feed is ordered by this pair, not by position alone: a transaction can take a lower
/// position and commit after a higher one, and ordering by (tx id, position) over only
/// finished transactions is what makes a checkpoint safe (see [`super::EventFeed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct FeedPosition {
    pub tx_id: i64,
    pub position: i64,
}

impl FeedPosition {
    /// Before the first event.
    pub const START: FeedPosition = FeedPosition { tx_id: 0, position: 0 };

    /// The consistency token handed to clients: opaque to them, `<tx id>.<position>`.
    pub fn to_token(self) -> String {
        format!("{}.{}", self.tx_id, self.position)
    }

    pub fn from_token(token: &str) -> Result<Self, TokenError> {
        let (tx, position) = token.trim().split_once('.').ok_or(TokenError)?;
        let tx_id = tx.parse::<i64>().map_err(|_| TokenError)?;
        let position = position.parse::<i64>().map_err(|_| TokenError)?;
        if tx_id < 0 || position < 0 {
            return Err(TokenError);
        }
        Ok(Self { tx_id, position })
    }
}

/// A consistency token that this server did not issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("not a consistency token issued by this server")]
pub struct TokenError;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trips_and_orders_by_transaction_first() {
        let a = FeedPosition {
            tx_id: 10,
            position: 99,
        };
        let b = FeedPosition { tx_id: 11, position: 5 };
        assert!(a < b);
        assert_eq!(FeedPosition::from_token(&a.to_token()), Ok(a));
        assert_eq!(FeedPosition::from_token("garbage"), Err(TokenError));
        assert_eq!(FeedPosition::from_token("1.-2"), Err(TokenError));
    }
}
