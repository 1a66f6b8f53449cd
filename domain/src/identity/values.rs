//! Value types of the identity context: parsed once at the edge, trusted afterwards.

use crate::macros::string_conversions;
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;
use uuid::Uuid;

/// Why a raw identity value was refused. Every variant becomes `BAD_USER_INPUT` at the edge.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdentityValueError {
    #[error("must be an e-mail address or a user name of letters, digits, '.', '_' and '-'")]
    BadLoginName,
    #[error("must be at least {min} characters long")]
    TooShort { min: usize },
    #[error("must be at most {max} characters long")]
    TooLong { max: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
    #[error("must not be empty")]
    Empty,
    #[error("is not a valid id")]
    BadId,
}

/// Namespace of name-based user ids. Never change it: ids derived from it are stored in events.
const USER_NAMESPACE: Uuid = Uuid::from_u128(0x1b8e_52d4_7c0f_4a39_8e61_d2a7_94c3_0b15);

/// What a user logs in with: an e-mail address, or a plain user name such as the first-run
/// `admin`. Compared case-insensitively (stored lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LoginName(String);

impl LoginName {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, IdentityValueError> {
        let name = raw.trim().to_lowercase();
        if name.is_empty() || name.chars().count() > Self::MAX_LEN {
            return Err(IdentityValueError::BadLoginName);
        }
        let plain = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'))
        };
        let valid = match name.split_once('@') {
            None => plain(&name),
            Some((local, domain)) => {
                plain(local)
                    && !domain.contains('@')
                    && domain.contains('.')
                    && domain
                        .split('.')
                        .all(|label| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-'))
            }
        };
        if valid {
            Ok(Self(name))
        } else {
            Err(IdentityValueError::BadLoginName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LoginName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_conversions!(LoginName, IdentityValueError);

/// A new password as typed, before hashing. Never serialized, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_LEN: usize = 10;
    pub const MAX_LEN: usize = 256;

    /// Length rules only (NIST 800-63B): long enough, not absurdly long, no control characters.
    pub fn parse(raw: &str) -> Result<Self, IdentityValueError> {
        let len = raw.chars().count();
        if len < Self::MIN_LEN {
            return Err(IdentityValueError::TooShort { min: Self::MIN_LEN });
        }
        if len > Self::MAX_LEN {
            return Err(IdentityValueError::TooLong { max: Self::MAX_LEN });
        }
        if raw.chars().any(char::is_control) {
            return Err(IdentityValueError::ControlCharacter);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

crate::ids::uuid_id!(
    IdentityValueError,
    /// A user's id: derived from the login name, so a name maps to one aggregate and a
    /// second "create" is refused rather than duplicated.
    UserId
);

impl UserId {
    pub fn for_login(name: &LoginName) -> Self {
        Self(Uuid::new_v5(&USER_NAMESPACE, name.as_str().as_bytes()))
    }
}

crate::ids::uuid_id!(
    IdentityValueError,
    /// An API key's id (random, UUIDv7); also the public half of the key the client holds.
    ApiKeyId
);

/// A human label for an API key ("price robot").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ApiKeyName(String);

impl ApiKeyName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, IdentityValueError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(IdentityValueError::Empty);
        }
        if name.chars().count() > Self::MAX_LEN {
            return Err(IdentityValueError::TooLong { max: Self::MAX_LEN });
        }
        if name.chars().any(char::is_control) {
            return Err(IdentityValueError::ControlCharacter);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_conversions!(ApiKeyName, IdentityValueError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn login_names() {
        assert_eq!(LoginName::parse(" Admin ").unwrap().as_str(), "admin");
        assert_eq!(
            LoginName::parse("Ivan.Petrov@Example.RU").unwrap().as_str(),
            "ivan.petrov@example.ru"
        );
        assert_eq!(LoginName::parse("иван@почта.рф").unwrap().as_str(), "иван@почта.рф");
        for bad in ["", "a b", "a@b", "@x.ru", "a@@x.ru", "a@x..ru", "a;drop", "a@x.ru@y.ru"] {
            assert!(LoginName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_ids_ignore_case() {
        let a = UserId::for_login(&LoginName::parse("Ops@Shop.ru").unwrap());
        let b = UserId::for_login(&LoginName::parse("ops@shop.ru").unwrap());
        assert_eq!(a, b);
    }

    #[test]
    fn passwords_are_never_printed() {
        let p = Password::parse("correct horse battery").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert_eq!(Password::parse("short"), Err(IdentityValueError::TooShort { min: 10 }));
        assert!(Password::parse("with\nnewline!!").is_err());
    }

    proptest! {
        #[test]
        fn parsed_login_names_reparse_to_themselves(raw in "[a-zA-Z0-9._-]{1,20}(@[a-z]{1,10}\\.[a-z]{2,5})?") {
            let name = LoginName::parse(&raw).unwrap();
            prop_assert_eq!(LoginName::parse(name.as_str()).unwrap(), name.clone());
            prop_assert_eq!(name.as_str(), raw.to_lowercase());
        }
    }
}
