//! Where a feed may be read from. A supplier's URL is typed in by a MANAGER over the API, and
//! the server opens it: without a policy that is a way to read any file on the host and to
//! probe its network (`file:///etc/shadow`, `http://127.0.0.1:5432/`, the metadata service at
//! 169.254.169.254). So:
//!
//! - `file://` feeds are read only from under one configured folder (`GOMARKET_FEED_DIR`),
//!   resolved with symlinks, and every refusal reads the same, so it does not tell whether a
//!   file exists; the CLI's `gomarket import` (run by whoever has the host) reads any file;
//! - HTTP feeds may not reach loopback, private, link-local or otherwise non-public addresses
//!   unless allowed (`GOMARKET_FEED_ALLOW_PRIVATE=true`, for development): checked on the
//!   addresses a name resolves to (so DNS cannot smuggle one in) and on every redirect.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The policy; the default allows no `file://` feed and only public addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedPolicy {
    /// The folder `file://` feeds must be under; `None`: no `file://` feed (unless `any_file`).
    pub feed_dir: Option<PathBuf>,
    /// Whether HTTP feeds may reach loopback, private and link-local addresses.
    pub allow_private: bool,
    /// Whether any local file may be read (the CLI, run by the host's operator).
    pub any_file: bool,
}

/// Why a location was refused. The message is shown on the import.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyRefusal {
    #[error(
        "file:// feeds are read only from the feed folder (GOMARKET_FEED_DIR), and {0} is not a readable file there"
    )]
    FileOutsideFeedDir(String),
    #[error("{0} is not a public address; feeds are not fetched from loopback, private or link-local networks")]
    PrivateAddress(String),
}

impl PolicyRefusal {
    /// The refusal behind a transport error (a name that resolved to private addresses, a
    /// redirect to one), so a failure can say why instead of "error sending request".
    pub fn found_in(error: &reqwest::Error) -> Option<Self> {
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            if let Some(refusal) = cause.downcast_ref::<Self>() {
                return Some(refusal.clone());
            }
            source = cause.source();
        }
        None
    }
}

impl FeedPolicy {
    /// Everything allowed: for the CLI and for tests serving feeds from this host.
    pub fn unrestricted() -> Self {
        Self {
            feed_dir: None,
            allow_private: true,
            any_file: true,
        }
    }

    /// The local file `path` names, if the policy lets it be read. Every refusal of a path
    /// outside the folder reads the same, whether or not it exists.
    pub fn local_file(&self, path: &str) -> Result<PathBuf, PolicyRefusal> {
        if self.any_file {
            return Ok(PathBuf::from(path));
        }
        let refused = || PolicyRefusal::FileOutsideFeedDir(path.to_owned());
        let dir = self.feed_dir.as_deref().ok_or_else(refused)?;
        let dir = std::fs::canonicalize(dir).map_err(|_| refused())?;
        let file = std::fs::canonicalize(Path::new(path)).map_err(|_| refused())?;
        let inside = file.starts_with(&dir) && file.is_file();
        if inside { Ok(file) } else { Err(refused()) }
    }

    /// Whether HTTP feeds may reach `address`.
    pub fn allows(&self, address: IpAddr) -> bool {
        self.allow_private || is_public(address)
    }

    /// A redirect policy refusing redirects to addresses this policy refuses (names are
    /// checked when resolved, by [`FeedResolver`]).
    pub fn redirects(&self) -> reqwest::redirect::Policy {
        let policy = self.clone();
        reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 10 {
                return attempt.error("more than 10 redirects");
            }
            let literal = attempt.url().host_str().and_then(|host| {
                host.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .ok()
            });
            match literal {
                Some(address) if !policy.allows(address) => {
                    attempt.error(PolicyRefusal::PrivateAddress(address.to_string()))
                }
                _ => attempt.follow(),
            }
        })
    }

    /// The refusal for a URL whose host is an address literal this policy refuses.
    pub fn check_literal_host(&self, url: &str) -> Result<(), PolicyRefusal> {
        let host = url
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(url)
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default();
        let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
        let address = match host.strip_prefix('[') {
            Some(bracketed) => bracketed.split(']').next().and_then(|a| a.parse::<IpAddr>().ok()),
            None => host.split(':').next().and_then(|a| a.parse::<IpAddr>().ok()),
        };
        match address {
            Some(address) if !self.allows(address) => Err(PolicyRefusal::PrivateAddress(address.to_string())),
            _ => Ok(()),
        }
    }

    /// An HTTP client for feeds under this policy.
    pub fn client(&self, builder: reqwest::ClientBuilder) -> reqwest::Result<reqwest::Client> {
        builder
            .redirect(self.redirects())
            .dns_resolver(Arc::new(FeedResolver { policy: self.clone() }))
            .build()
    }
}

/// Resolves names with the system resolver, keeping only addresses the policy allows.
struct FeedResolver {
    policy: FeedPolicy,
}

impl reqwest::dns::Resolve for FeedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = resolved.iter().copied().filter(|a| policy.allows(a.ip())).collect();
            if allowed.is_empty() {
                let shown = match resolved.first() {
                    Some(address) => format!("{host} ({})", address.ip()),
                    None => host,
                };
                return Err(Box::new(PolicyRefusal::PrivateAddress(shown)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether `address` is on the public internet (not loopback, private, link-local, shared,
/// unspecified, multicast, broadcast or reserved).
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    let [first, second, ..] = a.octets();
    let shared = first == 100 && (64..128).contains(&second); // 100.64.0.0/10 (carrier NAT)
    let reserved = first >= 240 || first == 0; // 240.0.0.0/4, 0.0.0.0/8
    let benchmarking = first == 198 && (18..20).contains(&second); // 198.18.0.0/15
    !(a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_broadcast()
        || a.is_multicast()
        || a.is_documentation()
        || shared
        || reserved
        || benchmarking)
}

fn is_public_v6(a: Ipv6Addr) -> bool {
    let first = a.segments()[0];
    let unique_local = (first & 0xfe00) == 0xfc00; // fc00::/7
    let link_local = (first & 0xffc0) == 0xfe80; // fe80::/10
    let documentation = first == 0x2001 && a.segments()[1] == 0x0db8;
    let translated = a.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0]; // 64:ff9b::/96 (NAT64)
    !(a.is_loopback()
        || a.is_unspecified()
        || a.is_multicast()
        || unique_local
        || link_local
        || documentation
        || translated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private} is not public");
        }
        for public in ["8.8.8.8", "95.213.1.1", "2a00:1450:4010::8a", "::ffff:8.8.8.8"] {
            assert!(is_public(public.parse().unwrap()), "{public} is public");
        }
    }

    #[test]
    fn literal_hosts_in_urls() {
        let policy = FeedPolicy::default();
        for url in [
            "http://127.0.0.1:5432/",
            "http://user:pw@10.0.0.1/feed.xml",
            "https://[::1]:8080/x",
            "http://169.254.169.254/latest/meta-data",
        ] {
            assert!(policy.check_literal_host(url).is_err(), "{url}");
        }
        assert!(
            policy
                .check_literal_host("https://supplier.example.ru/feed.xml")
                .is_ok()
        );
        assert!(
            FeedPolicy::unrestricted()
                .check_literal_host("http://127.0.0.1/")
                .is_ok()
        );
    }

    #[test]
    fn files_only_under_the_feed_dir_and_refusals_read_alike() {
        let dir = std::env::temp_dir().join(format!("gomarket-feed-policy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let inside = dir.join("feed.yml");
        std::fs::write(&inside, "<x/>").unwrap();
        let policy = FeedPolicy {
            feed_dir: Some(dir.clone()),
            ..FeedPolicy::default()
        };
        assert!(policy.local_file(inside.to_str().unwrap()).is_ok());
        let escape = format!("{}/../../etc/passwd", dir.display());
        let refusals: Vec<String> = ["/etc/shadow", "/no/such/file", escape.as_str(), "/proc/self/environ"]
            .iter()
            .map(|p| policy.local_file(p).unwrap_err().to_string().replace(p, "<path>"))
            .collect();
        assert!(refusals.iter().all(|r| r == &refusals[0]), "{refusals:?}");
        assert!(
            FeedPolicy::default().local_file(inside.to_str().unwrap()).is_err(),
            "no folder, no files"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
