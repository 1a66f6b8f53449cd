//! Password hashing with Argon2id.
//!
//! Parameters (OWASP's minimum for Argon2id, 2024): 19 MiB of memory, 2 passes, 1 lane; about
//! 30–60 ms per hash on the 2-core development machine (see BENCHMARKS.md, login). Hashes are
//! PHC strings, so parameters can be raised later: old hashes still verify with the
//! parameters they carry.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use gomarket_domain::identity::Password;
use subtle::ConstantTimeEq as _;

/// Memory cost in KiB.
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
/// Passes over memory.
pub const ARGON2_ITERATIONS: u32 = 2;
/// Lanes.
pub const ARGON2_PARALLELISM: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISM, None)
        .expect("constant Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with a fresh random salt. CPU-heavy: call through the
/// [`super::password_queue::PasswordQueue`].
pub fn hash_password(password: &Password) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.expose().as_bytes(), &salt)
        .expect("hashing with valid parameters and salt cannot fail")
        .to_string()
}

/// Whether `candidate` matches the stored PHC hash. A malformed stored hash never matches.
/// CPU-heavy: call through the [`super::password_queue::PasswordQueue`].
///
/// The 19 MiB of Argon2 state is kept per thread and reused, rather than allocated and freed
/// by every check: the allocator keeps freed blocks that size in the thread's arena, split by
/// whatever small allocation lands in them, so a flood of checks left hundreds of MB behind.
pub fn verify_password(candidate: &str, stored: &str) -> bool {
    thread_local! {
        static STATE: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(expected), Some(salt), Ok(algorithm)) = (parsed.hash, parsed.salt, Algorithm::try_from(parsed.algorithm))
    else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut computed = [0u8; 64];
    let Some(computed) = computed.get_mut(..expected.len()) else {
        return false;
    };
    let blocks = params.block_count();
    let hashed = STATE.with(|state| {
        let mut state = state.borrow_mut();
        state.resize(blocks, Block::default());
        Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            candidate.as_bytes(),
            salt,
            computed,
            &mut state[..blocks],
        )
    });
    hashed.is_ok() && bool::from(computed.ct_eq(expected.as_bytes()))
}

/// A fresh random password (144 bits, URL-safe text), for first-start admins and users
/// created without one.
pub fn random_password() -> Password {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(super::credentials::random_bytes(18));
    Password::parse(&text).expect("24 URL-safe characters are a valid password")
}

/// A hash no password produces, verified when the account does not exist, so that "no such
/// user" takes as long as "wrong password" and timing does not reveal which logins exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&Password::parse("no account has this password").expect("valid")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let password = Password::parse("correct horse battery staple").unwrap();
        let a = hash_password(&password);
        let b = hash_password(&password);
        assert_ne!(a, b, "each hash has its own salt");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert!(!a.contains("correct horse"));
        assert!(verify_password("correct horse battery staple", &a));
        assert!(!verify_password("correct horse battery stapler", &a));
        assert!(!verify_password("anything", "not a phc string"));
        assert!(!verify_password("no account has this passwor", dummy_hash()));
    }
}
