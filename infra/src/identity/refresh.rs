//! Rotating refresh tokens.
//!
//! A token is `<id>.<secret>`: the id finds the row, the secret (256 random bits) is checked
//! against its stored SHA-256. Using a token marks it used and issues its successor in the same
//! family. A token presented after it was used means two parties hold it: the whole family is
//! revoked and the user must log in again.

use super::credentials::{digests_match, random_bytes, secret_digest};
use crate::event_store::StoreError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use gomarket_domain::identity::UserId;
use sqlx::PgPool;
use uuid::Uuid;

/// Why a refresh token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("the refresh token is invalid, expired or revoked")]
    Invalid,
    #[error("the refresh token was already used; every token of its session is revoked")]
    Reused { session: Uuid },
    #[error("store failure")]
    Store(#[source] StoreError),
}

impl From<sqlx::Error> for RefreshError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::new(e))
    }
}

/// A token just issued (its text is shown to the client once and never stored).
#[derive(Debug, Clone)]
pub struct IssuedRefreshToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Issues a token in `family` (a new family for a login).
pub async fn issue(
    pool: &PgPool,
    user: UserId,
    family: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<IssuedRefreshToken, sqlx::Error> {
    let id = Uuid::now_v7();
    let secret = URL_SAFE_NO_PAD.encode(random_bytes(32));
    sqlx::query(
        "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(family)
    .bind(user.as_uuid())
    .bind(secret_digest(&secret))
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(IssuedRefreshToken {
        token: format!("{}.{secret}", id.simple()),
        expires_at,
    })
}

/// (family, user, hash, expires at, used at, revoked at)
type StoredToken = (
    Uuid,
    Uuid,
    Vec<u8>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// Consumes a token: returns its user and family, having marked it used. Exactly one of two
/// concurrent uses wins; the other is treated as a reuse.
pub async fn consume(pool: &PgPool, token: &str, now: DateTime<Utc>) -> Result<(UserId, Uuid), RefreshError> {
    let (id, secret) = token.trim().split_once('.').ok_or(RefreshError::Invalid)?;
    let id = Uuid::parse_str(id).map_err(|_| RefreshError::Invalid)?;
    let row: Option<StoredToken> = sqlx::query_as(
        "SELECT family_id, user_id, token_hash, expires_at, used_at, revoked_at FROM refresh_tokens WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some((family, user, hash, expires_at, used_at, revoked_at)) = row else {
        return Err(RefreshError::Invalid);
    };
    if !digests_match(&hash, &secret_digest(secret)) || revoked_at.is_some() || expires_at <= now {
        return Err(RefreshError::Invalid);
    }
    if used_at.is_some() {
        revoke_family(pool, family).await?;
        return Err(RefreshError::Reused { session: family });
    }
    let claimed = sqlx::query("UPDATE refresh_tokens SET used_at = now() WHERE id = $1 AND used_at IS NULL")
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected();
    if claimed == 0 {
        revoke_family(pool, family).await?;
        return Err(RefreshError::Reused { session: family });
    }
    Ok((UserId::from(user), family))
}

pub async fn revoke_family(pool: &PgPool, family: Uuid) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL")
            .bind(family)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// Revokes `family` if it is `user`'s; how many tokens were revoked.
pub async fn revoke_family_of(pool: &PgPool, user: UserId, family: Uuid) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(family)
    .bind(user.as_uuid())
    .execute(pool)
    .await?
    .rows_affected())
}

/// Sessions revoked and how many of their refresh tokens were still unrevoked.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub families: Vec<Uuid>,
    pub tokens: u64,
}

/// Revokes the family of `token` if it belongs to `user`.
pub async fn revoke_token_of(pool: &PgPool, user: UserId, token: &str) -> Result<Revoked, sqlx::Error> {
    let Some(id) = token.split_once('.').and_then(|(id, _)| Uuid::parse_str(id).ok()) else {
        return Ok(Revoked::default());
    };
    let family: Option<Uuid> =
        sqlx::query_scalar("SELECT family_id FROM refresh_tokens WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user.as_uuid())
            .fetch_optional(pool)
            .await?;
    match family {
        Some(family) => Ok(Revoked {
            families: vec![family],
            tokens: revoke_family(pool, family).await?,
        }),
        None => Ok(Revoked::default()),
    }
}

/// Revokes every refresh token of the user (logout everywhere, disabled user, new password).
pub async fn revoke_all_of(pool: &PgPool, user: UserId) -> Result<Revoked, sqlx::Error> {
    let families: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING family_id",
    )
    .bind(user.as_uuid())
    .fetch_all(pool)
    .await?;
    let tokens = families.len() as u64;
    let mut families = families;
    families.sort_unstable();
    families.dedup();
    Ok(Revoked { families, tokens })
}
