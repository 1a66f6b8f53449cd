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
}

/// What a mutation hands back for read-your-writes: the place of its aggregate's last event,
/// both in the global feed (for projectors fed in-process, which track one checkpoint) and as
/// (aggregate, sequence) (for projectors fed from Kafka partitions, which track what they
/// applied per aggregate). Clients treat it as an opaque string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConsistencyToken {
    pub position: FeedPosition,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
}

impl ConsistencyToken {
    /// `<tx id>.<position>.<sequence>.<aggregate type>.<aggregate id>`
    pub fn encode(&self) -> String {
        format!(
            "{}.{}.{}.{}.{}",
            self.position.tx_id, self.position.position, self.sequence, self.aggregate_type, self.aggregate_id
        )
    }

    pub fn decode(token: &str) -> Result<Self, TokenError> {
        let mut parts = token.trim().splitn(5, '.');
        let mut number = || {
            parts
                .next()
                .and_then(|p| p.parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or(TokenError)
        };
        let (tx_id, position, sequence) = (number()?, number()?, number()?);
        let aggregate_type = parts.next().filter(|t| !t.is_empty()).ok_or(TokenError)?.to_owned();
        let aggregate_id = parts.next().filter(|i| !i.is_empty()).ok_or(TokenError)?.to_owned();
        Ok(Self {
            position: FeedPosition { tx_id, position },
            aggregate_type,
            aggregate_id,
            sequence,
        })
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
    fn positions_order_by_transaction_first() {
        let a = FeedPosition {
            tx_id: 10,
            position: 99,
        };
        let b = FeedPosition { tx_id: 11, position: 5 };
        assert!(a < b);
    }

    #[test]
    fn token_round_trips() {
        let token = ConsistencyToken {
            position: FeedPosition {
                tx_id: 812,
                position: 40,
            },
            aggregate_type: "Product".into(),
            aggregate_id: "6f1c1d50-0000-4000-8000-000000000000".into(),
            sequence: 3,
        };
        assert_eq!(ConsistencyToken::decode(&token.encode()), Ok(token));
        assert_eq!(ConsistencyToken::decode("garbage"), Err(TokenError));
        assert_eq!(ConsistencyToken::decode("1.2.3"), Err(TokenError));
        assert_eq!(ConsistencyToken::decode("1.-2.3.Product.x"), Err(TokenError));
    }
}
