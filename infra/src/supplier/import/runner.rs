use super::freshness;
use super::liveness::{self, RunnerLock};
use super::offers::{ApplyPass, Batch, Tally, apply_offers, mark_vanished_unavailable};
use super::reading::{self, FormatReaders, LocalFiles, OpenReader, Stamps};
use super::running::RunningImports;
use super::source::{FetchSettings, LocalFeed, Opened, Validators, open};
use crate::error_chain::Chain;
use crate::event_store::StoreError;
use crate::event_store::batch::load_in_order_by_uuid;
use crate::event_store::started_for::{self, IMPORTS_OF_SUPPLIER};
use crate::event_store::{CommandBus, CommandError, EventMetadata};
use crate::supplier::feed::{FeedError, FeedItem};
use crate::supplier::limits::printable;
use crate::supplier::offer_builder::ReaderContext;
use crate::supplier::registry::SupplierRegistry;
use crate::supplier::wholesaler::FILES as WHOLESALER_FILES;
use crate::telemetry::Metrics;
use gomarket_domain::clock::SharedClock;
use gomarket_domain::pure_aggregate::ClockServices;
use gomarket_domain::supplier::{
    FeedKind, Import, ImportCommand, ImportCounts, ImportRefusal, ImportStatus, SupplierId, SupplierState,
};
use sqlx::PgPool;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;
use uuid::Uuid;

/// Tuning of imports.
#[derive(Debug, Clone)]
pub struct ImporterSettings {
    /// Feed items (offers and rejections) per transaction; each transaction also records the
    /// import's counts, so the counts an import shows are those committed.
    pub batch_size: usize,
    pub fetch: FetchSettings,
}

impl Default for ImporterSettings {
    fn default() -> Self {
        Self {
            batch_size: 1000,
            fetch: FetchSettings::default(),
        }
    }
}

/// Why an import could not start; each variant's doc names its GraphQL code.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// `NOT_FOUND`.
    #[error("supplier not found")]
    UnknownSupplier,
    /// `FAILED_PRECONDITION`.
    #[error("the supplier is disabled")]
    Disabled,
    /// `INTERNAL`.
    #[error("event store failure")]
    Store(#[source] StoreError),
}

/// Why a started import failed (recorded on the import as its reason).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error(transparent)]
    Fetch(#[from] super::source::FetchError),
    #[error("{0} feeds cannot be imported yet")]
    UnsupportedKind(&'static str),
    #[error("storing the import failed")]
    Store(#[source] StoreError),
    /// A local feed file changed between reading it through and applying it.
    #[error("the feed changed while it was being imported; start the import again")]
    Changed(#[source] FeedChange),
    /// The feed reader stopped unexpectedly (a bug: readers fail with a reason, never panic).
    #[error("the feed reader stopped unexpectedly")]
    Reader(#[source] tokio::task::JoinError),
}

/// How a feed's files were seen to change between the read-through and the apply pass.
#[derive(Debug, thiserror::Error)]
pub enum FeedChange {
    #[error("{path} cannot be looked at")]
    Unreadable {
        path: PathBuf,
        #[source]
        cause: std::io::Error,
    },
    #[error("a file of it was modified after it was read through")]
    Modified,
    #[error("read again, it does not read the same")]
    ReadsDifferently(#[source] FeedError),
    #[error("read through it had {first} items, applying it read {second}")]
    ItemCount { first: u64, second: u64 },
}

impl ImportError {
    fn store(cause: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::Store(StoreError::new(cause))
    }
}

/// Longest failure reason recorded on an import, in characters.
const MAX_REASON_CHARS: usize = 2000;

/// An import that has started: what `run` needs.
#[derive(Debug, Clone)]
pub struct ImportRun {
    pub import_id: Uuid,
    pub supplier_id: SupplierId,
    pub supplier: SupplierState,
    pub dry_run: bool,
    /// Read this file instead of the supplier's URL (CLI `--file`).
    pub file: Option<PathBuf>,
    pub metadata: EventMetadata,
    /// Tells other processes this import is alive, until the last clone is dropped.
    _alive: std::sync::Arc<RunnerLock>,
}

/// Runs supplier imports.
pub struct Importer {
    pool: PgPool,
    registry: std::sync::Arc<SupplierRegistry>,
    imports: CommandBus<Import>,
    clock: SharedClock,
    settings: ImporterSettings,
    running: RunningImports,
    readers: std::sync::Arc<dyn OpenReader>,
}

impl std::fmt::Debug for Importer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Importer")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// A feed fetched to local disk (the files live as long as this does).
struct Fetched {
    feeds: Vec<LocalFeed>,
    validators: Vec<Validators>,
    /// Each file's `.inf` time (CSV feeds), remembered once the import completes.
    stated_times: Vec<(String, chrono::NaiveDateTime)>,
}

/// What the first pass learned: how many items, and the files as they were.
struct ReadThrough {
    items: u64,
    stamps: Stamps,
}

/// The URLs of a run's feed files: the supplier's URL (or `--file`), which for Wholesaler
/// names the folder of its four files.
fn feed_urls(run: &ImportRun) -> Vec<String> {
    let url = match &run.file {
        Some(path) => format!("file://{}", path.display()),
        None => run.supplier.settings.url.as_str().to_owned(),
    };
    if run.supplier.settings.kind == FeedKind::WholesalerCsv {
        WHOLESALER_FILES
            .iter()
            .map(|name| format!("{}/{name}", url.trim_end_matches('/')))
            .collect()
    } else {
        vec![url]
    }
}

/// Each file's size and modification time, as [`ImportError`] wants a change reported.
fn stamps(paths: &[PathBuf]) -> Result<Stamps, ImportError> {
    reading::stamps(paths).map_err(|(path, cause)| ImportError::Changed(FeedChange::Unreadable { path, cause }))
}

impl Importer {
    pub fn new(pool: PgPool, clock: SharedClock, metrics: Metrics, settings: ImporterSettings) -> Self {
        let services = || ClockServices { clock: clock.clone() };
        Self {
            registry: std::sync::Arc::new(SupplierRegistry::new(pool.clone(), clock.clone(), metrics.clone())),
            imports: CommandBus::new(pool.clone(), services(), metrics),
            pool,
            clock,
            settings,
            running: RunningImports::default(),
            readers: std::sync::Arc::new(FormatReaders),
        }
    }

    /// The same importer reading feeds with `readers` (tests use it to inject a reader that
    /// fails or panics).
    #[must_use]
    pub fn with_readers(mut self, readers: impl OpenReader) -> Self {
        self.readers = std::sync::Arc::new(readers);
        self
    }

    /// Runs a started import in the background of this process (its outcome is recorded on
    /// the import); [`Importer::idle_within`] waits for such imports when the process stops.
    pub fn spawn_run(self: &std::sync::Arc<Self>, run: ImportRun) {
        let importer = self.clone();
        let running = self.running.enter();
        tokio::spawn(async move {
            let _running = running;
            if let Err(error) = importer.run(&run, |_| {}).await {
                tracing::warn!(import_id = %run.import_id, error = %Chain(&error), "import failed");
            }
        });
    }

    /// Imports this process runs in the background now.
    pub fn running(&self) -> usize {
        self.running.count()
    }

    /// Whether the background imports of this process all ended within `within`.
    pub async fn idle_within(&self, within: Duration) -> bool {
        self.running.idle_within(within).await
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The registry of the suppliers this importer imports (shared: the API registers
    /// suppliers through it).
    pub fn registry(&self) -> std::sync::Arc<SupplierRegistry> {
        self.registry.clone()
    }

    /// How `run` fetches: a file given to [`Importer::start`] (by the host's operator, with
    /// `gomarket import --file`; the API never gives one) is read wherever it is; a
    /// supplier's URL is subject to the feed policy.
    fn fetch_settings(&self, run: &ImportRun) -> FetchSettings {
        let mut fetch = self.settings.fetch.clone();
        fetch.policy.any_file |= run.file.is_some();
        fetch
    }

    /// Where this importer's feeds may come from.
    pub fn feed_policy(&self) -> &super::feed_policy::FeedPolicy {
        &self.settings.fetch.policy
    }

    pub fn imports(&self) -> &CommandBus<Import> {
        &self.imports
    }

    /// Imports (by id) with their current state, in the order given.
    pub async fn load_imports(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, Import)>, ImportError> {
        load_in_order_by_uuid::<Import>(&self.pool, ids)
            .await
            .map_err(ImportError::store)
    }

    /// At most `limit` ids of a supplier's imports, newest first, after the import `after`;
    /// `None` when `after` is not one of its imports.
    pub async fn imports_page(
        &self,
        supplier_id: SupplierId,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Option<Vec<Uuid>>, ImportError> {
        started_for::page::<Import>(&self.pool, IMPORTS_OF_SUPPLIER, &supplier_id.to_string(), after, limit)
            .await
            .map_err(ImportError::store)
    }

    /// How many imports a supplier has had.
    pub async fn count_imports(&self, supplier_id: SupplierId) -> Result<i64, ImportError> {
        started_for::count::<Import>(&self.pool, IMPORTS_OF_SUPPLIER, &supplier_id.to_string())
            .await
            .map_err(ImportError::store)
    }

    /// Records the start of an import of `supplier_id`; `run` then does the work.
    pub async fn start(
        &self,
        supplier_id: SupplierId,
        dry_run: bool,
        file: Option<PathBuf>,
        metadata: EventMetadata,
    ) -> Result<ImportRun, StartError> {
        let store = |e: StoreError| StartError::Store(e);
        let supplier = self
            .registry
            .load(supplier_id)
            .await
            .map_err(store)?
            .ok_or(StartError::UnknownSupplier)?;
        if !supplier.enabled {
            return Err(StartError::Disabled);
        }
        let import_id = Uuid::now_v7();
        let alive = RunnerLock::take(&self.pool, import_id)
            .await
            .map_err(|e| store(e.into()))?;
        liveness::enter(&self.pool, import_id)
            .await
            .map_err(|e| store(e.into()))?;
        let command = ImportCommand::Start { supplier_id, dry_run };
        let metadata = metadata.with_command(command.name());
        self.imports
            .execute(&import_id.to_string(), command, &metadata)
            .await
            .map_err(|e| store(e.into()))?;
        Ok(ImportRun {
            import_id,
            supplier_id,
            supplier,
            dry_run,
            file,
            metadata,
            _alive: std::sync::Arc::new(alive),
        })
    }

    /// Marks failed every running import whose runner died (process killed or lost), keeping
    /// the counts of its last progress; returns their ids. Safe to run from every replica.
    pub async fn fail_abandoned(&self) -> Result<Vec<Uuid>, ImportError> {
        let orphans = liveness::abandoned(&self.pool).await.map_err(ImportError::store)?;
        let mut failed = Vec::new();
        for (import_id, import) in self.load_imports(&orphans).await? {
            let Some(state) = import.state.filter(|s| s.status == ImportStatus::Running) else {
                // Its runner recorded the outcome and stopped before leaving, or stopped
                // before recording the start.
                self.leave(import_id).await?;
                continue;
            };
            let counts = state.counts;
            let command = ImportCommand::Fail {
                reason: "interrupted: the process running the import stopped before it ended; start it again".into(),
                counts,
            };
            let metadata = EventMetadata::new(Uuid::now_v7().to_string(), "system:import-sweeper", command.name());
            match self.imports.execute(&import_id.to_string(), command, &metadata).await {
                Ok(_) => {
                    tracing::warn!(%import_id, "import abandoned by its process; marked failed");
                    failed.push(import_id);
                }
                // Another replica got there first, or the runner finished after all.
                Err(CommandError::Refused(ImportRefusal::Finished)) => {}
                Err(e) => return Err(ImportError::Store(e.into())),
            }
            self.leave(import_id).await?;
        }
        Ok(failed)
    }

    /// Runs a started import to its outcome, recorded on the import: completed with its counts,
    /// or failed with the reason (what was applied before a failure stays applied, and the
    /// import says so; offers are marked unavailable only after a complete read).
    /// `on_progress` sees the counts after every batch.
    ///
    /// A feed is applied only once it has been read to its end: a feed that cannot be (cut
    /// off, malformed, unreadable) fails the import with nothing applied. The counts recorded
    /// are those committed: each batch records them in its own transaction.
    pub async fn run(
        &self,
        run: &ImportRun,
        mut on_progress: impl FnMut(&ImportCounts) + Send,
    ) -> Result<ImportCounts, ImportError> {
        let mut tally = Tally::new(run.import_id, &run.metadata);
        let outcome = self.read_and_apply(run, &mut tally, &mut on_progress).await;
        let counts = tally.counts();
        let command = match &outcome {
            Ok(()) => ImportCommand::Complete(counts),
            Err(error) => ImportCommand::Fail {
                // A feed's text in a parser's message must not keep the reason from being
                // stored (a NUL) or bloat it.
                reason: printable(&Chain(error).to_string(), MAX_REASON_CHARS),
                counts,
            },
        };
        self.record(run, command).await?;
        self.leave(run.import_id).await?;
        tracing::info!(import_id = %run.import_id, ?counts, failed = outcome.is_err(), "import ended");
        outcome.map(|()| counts)
    }

    /// The sweep stops looking at `import_id`: it ended.
    async fn leave(&self, import_id: Uuid) -> Result<(), ImportError> {
        liveness::leave(&self.pool, import_id).await.map_err(ImportError::store)
    }

    async fn record(&self, run: &ImportRun, command: ImportCommand) -> Result<(), ImportError> {
        let metadata = run.metadata.with_command(command.name());
        match self
            .imports
            .execute(&run.import_id.to_string(), command, &metadata)
            .await
        {
            Ok(_) | Err(CommandError::Refused(ImportRefusal::Finished)) => Ok(()),
            Err(e) => Err(ImportError::Store(e.into())),
        }
    }

    /// The steps of an import: fetch the feed (unless it is known unchanged), read it through
    /// to its end, apply it a batch at a time, then mark what left the feed and remember
    /// what was fetched.
    async fn read_and_apply(
        &self,
        run: &ImportRun,
        tally: &mut Tally,
        on_progress: &mut (impl FnMut(&ImportCounts) + Send),
    ) -> Result<(), ImportError> {
        let urls = feed_urls(run);
        let Some(fetched) = self.fetch(run, &urls).await? else {
            return Ok(());
        };
        let feed = LocalFiles {
            kind: run.supplier.settings.kind,
            encoding: run.supplier.settings.encoding,
            paths: fetched.feeds.iter().map(|f| f.path().to_owned()).collect(),
            context: ReaderContext {
                supplier_id: run.supplier_id.as_uuid(),
                image_url_template: run.supplier.settings.image_url_template.clone(),
            },
        };
        let first = self.read_through(&feed).await?;
        tracing::info!(import_id = %run.import_id, items = first.items, "the feed reads to its end; applying it");
        let applied = self.apply_pass(run, feed, &first, tally, on_progress).await?;
        self.mark_vanished(run, tally, &applied).await?;
        on_progress(&tally.counts());
        self.remember_fetched(run, &urls, fetched).await
    }

    /// The feed's files on local disk, or `None` when it is known unchanged (every `.inf`
    /// states the time of the last import, or the server answered 304 to every file).
    async fn fetch(&self, run: &ImportRun, urls: &[String]) -> Result<Option<Fetched>, ImportError> {
        let Some(stated_times) = self.freshness(run, urls).await? else {
            tracing::info!(import_id = %run.import_id, "every .inf states the time of the last import; not downloading");
            return Ok(None);
        };
        let Some(downloaded) = self.download(run, urls).await? else {
            tracing::info!(import_id = %run.import_id, "the server says the feed has not changed; not downloading");
            return Ok(None);
        };
        let (feeds, validators) = downloaded.into_iter().unzip();
        Ok(Some(Fetched {
            feeds,
            validators,
            stated_times,
        }))
    }

    /// First pass: the whole feed, every file of it, read to its end and dropped as it is
    /// read (docs/decisions.md, "A feed is applied only once read to its end").
    async fn read_through(&self, feed: &LocalFiles) -> Result<ReadThrough, ImportError> {
        let stamps = stamps(&feed.paths)?;
        let (readers, files) = (self.readers.clone(), feed.clone());
        let items = tokio::task::spawn_blocking(move || reading::read_through(readers.as_ref(), &files))
            .await
            .map_err(ImportError::Reader)??;
        Ok(ReadThrough { items, stamps })
    }

    /// Second pass: the same files again, applied a batch at a time, each batch with the
    /// import's counts. Fails if the files are not what the first pass read.
    async fn apply_pass(
        &self,
        run: &ImportRun,
        feed: LocalFiles,
        first: &ReadThrough,
        tally: &mut Tally,
        on_progress: &mut (impl FnMut(&ImportCounts) + Send),
    ) -> Result<ApplyPass, ImportError> {
        let paths = feed.paths.clone();
        let (mut receiver, reader) = reading::spawn_reader(self.readers.clone(), feed);
        let mut applied = ApplyPass {
            dry_run: run.dry_run,
            at: self.clock.now(),
            metadata: run.metadata.with_command("ImportOffer"),
            seen_in_dry_run: HashSet::new(),
        };
        let mut batch = Batch::default();
        let mut read = 0_u64;
        let mut failure = None;
        if first.stamps != stamps(&paths)? {
            failure = Some(ImportError::Changed(FeedChange::Modified));
        }
        while failure.is_none() {
            let finished = match receiver.recv().await {
                Some(Ok(items)) => {
                    read += items.len() as u64;
                    for item in items {
                        match item {
                            FeedItem::Offer { line, offer } => batch.offers.push((line, *offer)),
                            FeedItem::Rejected(rejection) => batch.rejected.push(rejection),
                        }
                    }
                    false
                }
                Some(Err(error)) => {
                    // The first pass read this feed to its end: it changed since.
                    failure = Some(ImportError::Changed(FeedChange::ReadsDifferently(error)));
                    true
                }
                // The end of the feed, or a reader that panicked: the join below tells.
                None => true,
            };
            if batch.len() >= self.settings.batch_size || (finished && !batch.is_empty()) {
                apply_offers(&self.pool, tally, &mut applied, &std::mem::take(&mut batch))
                    .await
                    .map_err(ImportError::store)?;
                on_progress(&tally.counts());
            }
            if finished {
                break;
            }
        }
        drop(receiver);
        reader.await.map_err(ImportError::Reader)?;
        if let Some(error) = failure {
            return Err(error);
        }
        if first.stamps != stamps(&paths)? {
            return Err(ImportError::Changed(FeedChange::Modified));
        }
        if read != first.items {
            return Err(ImportError::Changed(FeedChange::ItemCount {
                first: first.items,
                second: read,
            }));
        }
        Ok(applied)
    }

    /// The supplier's offers that the (complete) feed no longer has become unavailable.
    async fn mark_vanished(&self, run: &ImportRun, tally: &mut Tally, applied: &ApplyPass) -> Result<(), ImportError> {
        mark_vanished_unavailable(&self.pool, run.supplier_id.as_uuid(), tally, applied)
            .await
            .map(drop)
            .map_err(ImportError::store)
    }

    /// The validators and `.inf` times of what was imported, so the next import can skip an
    /// unchanged feed (not after a dry run: nothing was imported).
    async fn remember_fetched(&self, run: &ImportRun, urls: &[String], fetched: Fetched) -> Result<(), ImportError> {
        if run.dry_run {
            return Ok(());
        }
        let supplier = run.supplier_id.as_uuid();
        for (url, validators) in urls.iter().zip(&fetched.validators) {
            freshness::remember_validators(&self.pool, supplier, url, validators)
                .await
                .map_err(ImportError::store)?;
        }
        for (file, time) in fetched.stated_times {
            freshness::remember(&self.pool, supplier, &file, time)
                .await
                .map_err(ImportError::store)?;
        }
        Ok(())
    }

    /// Every file of the feed on local disk with its validators, or `None` when the server
    /// answered 304 for every file to the validators of the last completed import. When only
    /// some files are unchanged, those are downloaded again: an import reads the whole set.
    async fn download(
        &self,
        run: &ImportRun,
        urls: &[String],
    ) -> Result<Option<Vec<(LocalFeed, Validators)>>, ImportError> {
        let supplier = run.supplier_id.as_uuid();
        let fetch = self.fetch_settings(run);
        let mut opened = Vec::with_capacity(urls.len());
        for url in urls {
            let known = freshness::known_validators(&self.pool, supplier, url)
                .await
                .map_err(ImportError::store)?;
            opened.push(open(url, &fetch, known.as_ref()).await?);
        }
        if opened.iter().all(|o| matches!(o, Opened::NotModified)) {
            return Ok(None);
        }
        let mut feeds = Vec::with_capacity(urls.len());
        for (url, opened) in urls.iter().zip(opened) {
            let opened = match opened {
                Opened::NotModified => open(url, &fetch, None).await?,
                feed => feed,
            };
            match opened {
                Opened::Feed(feed, validators) => feeds.push((feed, validators)),
                Opened::NotModified => unreachable!("an unconditional download never answers 304"),
            }
        }
        Ok(Some(feeds))
    }

    /// For CSV feeds with `.inf` files: each file's stated time (to remember after the
    /// import), when any file is newer than at the last completed import; `None` when none is
    /// (the feed is unchanged and is not downloaded). A file without a readable `.inf` always
    /// counts as newer.
    async fn freshness(
        &self,
        run: &ImportRun,
        urls: &[String],
    ) -> Result<Option<Vec<(String, chrono::NaiveDateTime)>>, ImportError> {
        let kind = run.supplier.settings.kind;
        if kind == FeedKind::Yml {
            return Ok(Some(vec![]));
        }
        let fetch = self.fetch_settings(run);
        let mut times = Vec::new();
        let mut newer = false;
        for url in urls {
            let file = url.rsplit('/').next().unwrap_or(url).to_owned();
            let stated = freshness::fetch_inf(url, &fetch)
                .await
                .and_then(|text| freshness::parse_inf_time(&text, kind == FeedKind::AnMscCsv));
            let Some(stated) = stated else {
                newer = true;
                continue;
            };
            let last = freshness::last_seen(&self.pool, run.supplier_id.as_uuid(), &file)
                .await
                .map_err(ImportError::store)?;
            newer |= last.is_none_or(|last| stated > last);
            times.push((file, stated));
        }
        Ok(newer.then_some(times))
    }
}
