//! A private PostgreSQL cluster for `gomarket serve` on a fresh machine: when no database URL
//! was configured and nothing answers at the default one, `serve` initialises a cluster of its
//! own from the system's PostgreSQL binaries, runs it while it serves, and stops it after.
//!
//! The cluster listens on no TCP port at all, only on a Unix socket inside its data directory,
//! whose mode is 0700: only the user running it (and root) can connect, which is why `trust`
//! authentication is safe there. The data stays between runs (the catalog is not lost when
//! `serve` stops); a cluster left running by a `serve` that was killed is found and reused.
//!
//! `initdb` refuses to run as root, so under root the cluster belongs to the `postgres`
//! system user (created by every distribution's PostgreSQL package) and lives in
//! `/var/lib/gomarket/postgres`; under any other user, in `$XDG_DATA_HOME/gomarket/postgres`
//! (`~/.local/share/gomarket/postgres`). `GOMARKET_POSTGRES_DATA_DIR` chooses another place,
//! `GOMARKET_POSTGRES_BIN_DIR` other binaries.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use thiserror::Error;
use tokio::process::Command;

/// Where distributions put each major version's server binaries (`<parent>/<prefix><major>/bin`)
/// when they are not on `PATH`: Debian/Ubuntu, the PGDG packages of RHEL/Fedora, Homebrew.
const VERSIONED_INSTALLS: &[(&str, &str)] = &[
    ("/usr/lib/postgresql", ""),
    ("/usr", "pgsql-"),
    ("/opt/homebrew/opt", "postgresql@"),
    ("/usr/local/opt", "postgresql@"),
];

/// The system user that owns the cluster when `serve` runs as root.
const SYSTEM_USER: &str = "postgres";

/// The longest Unix socket path the kernel accepts is 107 bytes; the socket file's name
/// (`.s.PGSQL.5432`) takes 14 of them.
const MAX_SOCKET_DIR: usize = 107 - 14;

#[derive(Debug, Error)]
pub enum PrivateClusterError {
    /// The one line a user on a fresh machine reads: what to install.
    #[error(
        "nothing answers at {default_url} and no PostgreSQL server binaries (initdb, pg_ctl, postgres) \
         were found to start a private one: install PostgreSQL (Debian/Ubuntu: apt install postgresql; \
         Fedora: dnf install postgresql-server; macOS: brew install postgresql) or set DATABASE_URL"
    )]
    NoBinaries { default_url: String },
    #[error(
        "cannot start a private PostgreSQL as root: initdb refuses root and there is no `{SYSTEM_USER}` \
         user to run it as; run gomarket as another user, create that user, or set DATABASE_URL"
    )]
    NoSystemUser,
    #[error(
        "the private PostgreSQL's data directory {path} is too long for its socket (at most {MAX_SOCKET_DIR} bytes); set GOMARKET_POSTGRES_DATA_DIR to a shorter one"
    )]
    PathTooLong { path: String },
    #[error("cannot prepare the private PostgreSQL's data directory {path}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot run {program}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{program} failed ({status}): {output}")]
    Failed {
        program: String,
        status: std::process::ExitStatus,
        output: String,
    },
}

/// What `serve` does when no database URL was configured: if anything answers at
/// `default_url`'s host and port, nothing (that server is used, as always); otherwise it starts
/// the private cluster (in `GOMARKET_POSTGRES_DATA_DIR`, else [`PrivateCluster::default_data_dir`]).
pub async fn private_unless_answering(default_url: &str) -> Result<Option<PrivateCluster>, PrivateClusterError> {
    if answers_at(default_url).await {
        return Ok(None);
    }
    let bin_dir = PrivateCluster::find_binaries().ok_or_else(|| PrivateClusterError::NoBinaries {
        default_url: super::redact_url(default_url),
    })?;
    let data_dir = std::env::var_os("GOMARKET_POSTGRES_DATA_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(PrivateCluster::default_data_dir);
    tracing::info!(
        url = %super::redact_url(default_url),
        "no PostgreSQL answers at the default URL: starting a private one"
    );
    PrivateCluster::start(data_dir, bin_dir).await.map(Some)
}

/// Whether a server accepts TCP connections at the URL's host and port within 2 s.
async fn answers_at(url: &str) -> bool {
    let Ok(options) = url.parse::<sqlx::postgres::PgConnectOptions>() else {
        return true; // not ours to judge: connecting reports the bad URL
    };
    let address = (options.get_host().to_owned(), options.get_port());
    matches!(
        tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(address)).await,
        Ok(Ok(_))
    )
}

/// Who runs the cluster's programs: this process's user, or (under root) the system user.
#[derive(Debug, Clone, Copy)]
struct Owner {
    uid: u32,
    gid: u32,
}

/// A running private cluster.
#[derive(Debug)]
pub struct PrivateCluster {
    data_dir: PathBuf,
    bin_dir: PathBuf,
    owner: Option<Owner>,
}

impl PrivateCluster {
    /// The data directory used when `GOMARKET_POSTGRES_DATA_DIR` is not set.
    pub fn default_data_dir() -> PathBuf {
        if is_root() {
            return PathBuf::from("/var/lib/gomarket/postgres");
        }
        let data_home = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("."));
        data_home.join("gomarket/postgres")
    }

    /// The directory holding `initdb`, `pg_ctl` and `postgres`: `GOMARKET_POSTGRES_BIN_DIR`
    /// when set (and nothing else then), else `PATH`, else where distributions install them.
    pub fn find_binaries() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("GOMARKET_POSTGRES_BIN_DIR").filter(|v| !v.is_empty()) {
            let dir = PathBuf::from(dir);
            return has_server_binaries(&dir).then_some(dir);
        }
        let on_path = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
            .unwrap_or_default();
        on_path
            .into_iter()
            .chain(distribution_bin_dirs())
            .find(|dir| has_server_binaries(dir))
    }

    /// Starts (initialising it first if needed) the cluster in `data_dir` with the binaries in
    /// `bin_dir`, or finds it already running; the database `gomarket` is created by
    /// [`super::connect`] on first connection.
    pub async fn start(data_dir: PathBuf, bin_dir: PathBuf) -> Result<Self, PrivateClusterError> {
        let shown = data_dir.display().to_string();
        if shown.len() > MAX_SOCKET_DIR {
            return Err(PrivateClusterError::PathTooLong { path: shown });
        }
        let owner = if is_root() {
            Some(system_user(SYSTEM_USER).ok_or(PrivateClusterError::NoSystemUser)?)
        } else {
            None
        };
        let cluster = Self {
            data_dir,
            bin_dir,
            owner,
        };
        cluster.prepare_directory()?;
        if !cluster.data_dir.join("PG_VERSION").exists() {
            tracing::info!(data_dir = %shown, "initialising a private PostgreSQL cluster");
            cluster
                .run(
                    "initdb",
                    [
                        OsStr::new("-D"),
                        cluster.data_dir.as_os_str(),
                        OsStr::new("-U"),
                        OsStr::new("postgres"),
                        OsStr::new("-A"),
                        OsStr::new("trust"),
                        OsStr::new("-E"),
                        OsStr::new("UTF8"),
                        OsStr::new("--no-locale"),
                    ],
                )
                .await?;
        }
        if cluster.running().await {
            tracing::info!(data_dir = %shown, "reusing the private PostgreSQL cluster already running");
        } else {
            let options = format!(
                "-c listen_addresses='' -k '{}' -c unix_socket_permissions=0700",
                cluster.data_dir.display()
            );
            let log = cluster.data_dir.join("server.log");
            cluster
                .run(
                    "pg_ctl",
                    [
                        OsStr::new("start"),
                        OsStr::new("-w"),
                        OsStr::new("-t"),
                        OsStr::new("60"),
                        OsStr::new("-D"),
                        cluster.data_dir.as_os_str(),
                        OsStr::new("-l"),
                        log.as_os_str(),
                        OsStr::new("-o"),
                        OsStr::new(&options),
                    ],
                )
                .await?;
            tracing::info!(data_dir = %shown, "started a private PostgreSQL cluster (Unix socket only)");
        }
        Ok(cluster)
    }

    /// The URL of the cluster's `gomarket` database, over its socket.
    pub fn url(&self) -> String {
        format!(
            "postgres://postgres@localhost/gomarket?host={}",
            self.data_dir.display()
        )
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Stops the cluster (fast shutdown: sessions are ended, nothing committed is lost).
    pub async fn stop(self) -> Result<(), PrivateClusterError> {
        self.run(
            "pg_ctl",
            [
                OsStr::new("stop"),
                OsStr::new("-w"),
                OsStr::new("-m"),
                OsStr::new("fast"),
                OsStr::new("-D"),
                self.data_dir.as_os_str(),
            ],
        )
        .await?;
        tracing::info!(data_dir = %self.data_dir.display(), "stopped the private PostgreSQL cluster");
        Ok(())
    }

    async fn running(&self) -> bool {
        let status = self
            .command("pg_ctl")
            .arg("status")
            .arg("-D")
            .arg(&self.data_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
        matches!(status, Ok(s) if s.success())
    }

    /// The data directory exists, belongs to the owner and is closed to everyone else.
    fn prepare_directory(&self) -> Result<(), PrivateClusterError> {
        use std::os::unix::fs::PermissionsExt;
        let failed = |source| PrivateClusterError::DataDir {
            path: self.data_dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&self.data_dir).map_err(failed)?;
        if let Some(owner) = self.owner {
            std::os::unix::fs::chown(&self.data_dir, Some(owner.uid), Some(owner.gid)).map_err(failed)?;
        }
        std::fs::set_permissions(&self.data_dir, std::fs::Permissions::from_mode(0o700)).map_err(failed)
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        command.current_dir("/").kill_on_drop(true);
        if let Some(owner) = self.owner {
            command.uid(owner.uid).gid(owner.gid);
        }
        command
    }

    /// Runs one of the cluster's programs to its end; its output becomes the error if it fails.
    async fn run<'a>(
        &self,
        program: &str,
        args: impl IntoIterator<Item = &'a OsStr>,
    ) -> Result<(), PrivateClusterError> {
        let output = tokio::time::timeout(
            Duration::from_secs(120),
            self.command(program).args(args).stdin(Stdio::null()).output(),
        )
        .await
        .map_err(|_| PrivateClusterError::Spawn {
            program: program.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in 120 s"),
        })?
        .map_err(|source| PrivateClusterError::Spawn {
            program: program.to_owned(),
            source,
        })?;
        if output.status.success() {
            return Ok(());
        }
        let mut text = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        if text.is_empty() {
            text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        }
        Err(PrivateClusterError::Failed {
            program: program.to_owned(),
            status: output.status,
            output: text,
        })
    }
}

fn has_server_binaries(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|program| dir.join(program).is_file())
}

/// `/usr/lib/postgresql/<major>/bin` and the like, newest major version first.
fn distribution_bin_dirs() -> Vec<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = Vec::new();
    for (parent, prefix) in VERSIONED_INSTALLS {
        let Ok(entries) = std::fs::read_dir(parent) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let major = name
                .to_str()
                .and_then(|n| n.strip_prefix(prefix))
                .and_then(|version| version.split('.').next())
                .and_then(|major| major.parse().ok());
            if let Some(major) = major {
                found.push((major, entry.path().join("bin")));
            }
        }
    }
    found.sort_by_key(|(major, _)| std::cmp::Reverse(*major));
    found.into_iter().map(|(_, dir)| dir).collect()
}

fn is_root() -> bool {
    // The effective user of this process, as the kernel reports it, without unsafe code.
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// The uid and gid of a local system user, from `/etc/passwd`.
fn system_user(name: &str) -> Option<Owner> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() < 4 || fields[0] != name {
            return None;
        }
        Some(Owner {
            uid: fields[2].parse().ok()?,
            gid: fields[3].parse().ok()?,
        })
    })
}
