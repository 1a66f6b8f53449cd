//! Opening a feed: a local file, or an HTTP(S) download into a temporary file (bounded in
//! size, retried on 5xx and timeouts), so parsing streams from disk with bounded memory. A
//! download can be conditional on the validators of the last one (`ETag`, `Last-Modified`).

use super::feed_policy::{FeedPolicy, PolicyRefusal};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Limits of feed downloads, and where feeds may come from.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    pub connect_timeout: Duration,
    /// Longest pause between two pieces of the body.
    pub read_timeout: Duration,
    /// Largest body accepted; past it the import fails.
    pub max_bytes: u64,
    /// Attempts for a 5xx answer or a timeout.
    pub attempts: u32,
    pub first_backoff: Duration,
    pub policy: FeedPolicy,
}

impl FetchSettings {
    /// An HTTP client for feeds: these timeouts, and the feed policy on every address and
    /// redirect.
    pub fn client(&self) -> reqwest::Result<reqwest::Client> {
        self.policy.client(
            reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .read_timeout(self.read_timeout),
        )
    }
}

impl Default for FetchSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            max_bytes: 2 * 1024 * 1024 * 1024,
            attempts: 4,
            first_backoff: Duration::from_millis(500),
            policy: FeedPolicy::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("cannot open {path}: {reason}")]
    File { path: String, reason: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url} is larger than the limit of {max_bytes} bytes")]
    TooLarge { url: String, max_bytes: u64 },
    #[error("cannot download {url}: {reason}")]
    Transport { url: String, reason: String },
    #[error(transparent)]
    Refused(#[from] PolicyRefusal),
}

/// The HTTP validators a server gave for a feed, sent back to ask "has it changed?".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }

    fn of(response: &reqwest::Response) -> Self {
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            etag: header(reqwest::header::ETAG),
            last_modified: header(reqwest::header::LAST_MODIFIED),
        }
    }
}

/// What opening a feed gave.
#[derive(Debug)]
pub enum Opened {
    /// The feed, with the validators of its download (empty for a local file).
    Feed(LocalFeed, Validators),
    /// The server said the feed has not changed since the validators sent (HTTP 304).
    NotModified,
}

/// A feed on local disk; a downloaded one is deleted when this is dropped.
#[derive(Debug)]
pub struct LocalFeed {
    path: PathBuf,
    temporary: bool,
}

impl Drop for LocalFeed {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The feed at `url` (`file://`, `http://`, `https://`) on local disk; with `known`
/// validators an HTTP download is conditional and may come back [`Opened::NotModified`].
pub async fn open(url: &str, settings: &FetchSettings, known: Option<&Validators>) -> Result<Opened, FetchError> {
    if let Some(path) = url.strip_prefix("file://") {
        let path = settings.policy.local_file(path)?;
        return match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => Ok(Opened::Feed(
                LocalFeed { path, temporary: false },
                Validators::default(),
            )),
            Ok(_) => Err(FetchError::File {
                path: path.display().to_string(),
                reason: "not a file".into(),
            }),
            Err(e) => Err(FetchError::File {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
        };
    }
    settings.policy.check_literal_host(url)?;
    let mut backoff = settings.first_backoff;
    let mut attempt = 1;
    loop {
        match download(url, settings, known).await {
            Err(error @ (FetchError::Transport { .. } | FetchError::Status { status: 500..=599, .. }))
                if attempt < settings.attempts =>
            {
                tracing::warn!(%error, attempt, retry_in = ?backoff, "feed download failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

async fn download(url: &str, settings: &FetchSettings, known: Option<&Validators>) -> Result<Opened, FetchError> {
    let transport = |e: reqwest::Error| FetchError::Transport {
        url: url.to_owned(),
        reason: e.to_string(),
    };
    let client = settings.client().map_err(transport)?;
    let mut request = client.get(url);
    if let Some(known) = known {
        if let Some(etag) = &known.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(time) = &known.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, time);
        }
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| PolicyRefusal::found_in(&e).map_or_else(|| transport(e), FetchError::Refused))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED && known.is_some_and(|k| !k.is_empty()) {
        return Ok(Opened::NotModified);
    }
    if !status.is_success() {
        return Err(FetchError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
        });
    }
    let too_large = || FetchError::TooLarge {
        url: url.to_owned(),
        max_bytes: settings.max_bytes,
    };
    if response
        .content_length()
        .is_some_and(|length| length > settings.max_bytes)
    {
        return Err(too_large());
    }
    let validators = Validators::of(&response);
    let path = std::env::temp_dir().join(format!("gomarket-feed-{}", uuid::Uuid::new_v4().simple()));
    let feed = LocalFeed {
        path: path.clone(),
        temporary: true,
    };
    let file_error = |e: std::io::Error| FetchError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).map_err(file_error)?);
    let mut written: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        written += chunk.len() as u64;
        if written > settings.max_bytes {
            return Err(too_large());
        }
        file.write_all(&chunk).map_err(file_error)?;
    }
    file.flush().map_err(file_error)?;
    Ok(Opened::Feed(feed, validators))
}

impl LocalFeed {
    pub fn path(&self) -> &Path {
        &self.path
    }
}
