//! The users that requests authenticate as, kept for a second.
//!
//! Every authenticated request needs its user's current state (roles, disabled, when the
//! password last changed). Folding the user's events on every request is a database round
//! trip per request; a second's memory removes it for all but one request a second per user.
//! A change made through this process forgets the user at once; one made through another
//! replica takes effect here within [`USER_CACHE_TTL`].

use gomarket_domain::identity::{User, UserId};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a user's state is used before it is read again.
pub const USER_CACHE_TTL: Duration = Duration::from_secs(1);
/// At most this many users are remembered (the map is emptied past it).
const MAX_USERS: usize = 10_000;

#[derive(Debug, Default)]
pub struct UserCache {
    users: Mutex<HashMap<UserId, (Instant, User)>>,
}

impl UserCache {
    /// The user, if read less than [`USER_CACHE_TTL`] ago.
    pub fn get(&self, id: UserId) -> Option<User> {
        let users = self.users.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        users
            .get(&id)
            .filter(|(read_at, _)| read_at.elapsed() < USER_CACHE_TTL)
            .map(|(_, user)| user.clone())
    }

    /// Remembers the user as read at `read_at` (taken before the read, so a change committed
    /// during it is never hidden for longer than the TTL).
    pub fn put(&self, id: UserId, read_at: Instant, user: User) {
        let mut users = self.users.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if users.len() >= MAX_USERS {
            users.clear();
        }
        users.insert(id, (read_at, user));
    }

    /// Forgets the user (it changed through this process).
    pub fn forget(&self, id: UserId) {
        let mut users = self.users.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        users.remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_for_the_ttl_and_forgets_on_change() {
        let cache = UserCache::default();
        let id = UserId::from(uuid::Uuid::from_u128(7));
        assert!(cache.get(id).is_none());
        cache.put(id, Instant::now(), User::default());
        assert!(cache.get(id).is_some());
        cache.forget(id);
        assert!(cache.get(id).is_none());
        cache.put(id, Instant::now() - USER_CACHE_TTL, User::default());
        assert!(cache.get(id).is_none(), "read a TTL ago: stale");
    }
}
