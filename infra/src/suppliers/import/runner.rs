use super::freshness;
use super::liveness::{self, RunnerLock};
use super::offers::{Batch, Tally, apply_offers, mark_vanished_unavailable};
use super::running::RunningImports;
use super::source::{FetchSettings, LocalFeed, Opened, Validators, open};
use crate::event_store::batch::{ids_started_for, load_all_in_creation_order, load_in_order_by_uuid};
use crate::event_store::{CommandBus, CommandError, EventMetadata};
use crate::suppliers::an_msc::AnMscReader;
use crate::suppliers::feed::{FeedError, FeedItem};
use crate::suppliers::limits::printable;
use crate::suppliers::offer_builder::ReaderContext;
use crate::suppliers::wholesaler::{FILES as WHOLESALER_FILES, WholesalerFiles, WholesalerReader};
use crate::suppliers::yml::YmlReader;
use crate::telemetry::Metrics;
use gomarket_domain::clock::SharedClock;
use gomarket_domain::pure_aggregate::ClockServices;
use gomarket_domain::supplier::{
    FeedEncoding, FeedKind, Import, ImportCommand, ImportCounts, ImportRefusal, Supplier, SupplierId, SupplierState,
};
use sqlx::PgPool;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;
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
    #[error("event store failure: {0}")]
    Store(String),
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
    #[error("storing the import failed: {0}")]
    Store(String),
    /// A local feed file changed between reading it through and applying it.
    #[error("the feed changed while it was being imported ({0}); start the import again")]
    Changed(String),
    /// The feed reader stopped unexpectedly (a bug: readers fail with a reason, never panic).
    #[error("the feed reader stopped unexpectedly: {0}")]
    Reader(String),
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
    suppliers: CommandBus<Supplier>,
    imports: CommandBus<Import>,
    clock: SharedClock,
    settings: ImporterSettings,
    running: RunningImports,
}

impl std::fmt::Debug for Importer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Importer")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

type FeedItems = Box<dyn Iterator<Item = Result<FeedItem, FeedError>>>;

/// The reader of a feed of `kind` over its local files.
fn reader_for(
    kind: FeedKind,
    encoding: FeedEncoding,
    paths: &[std::path::PathBuf],
    context: ReaderContext,
) -> Result<FeedItems, FeedError> {
    let open = |path: &std::path::Path| {
        std::fs::File::open(path)
            .map(|f| std::io::BufReader::with_capacity(256 * 1024, f))
            .map_err(|e| FeedError::Io(e.to_string()))
    };
    Ok(match kind {
        FeedKind::Yml => Box::new(YmlReader::new(open(&paths[0])?, context)),
        FeedKind::AnMscCsv => Box::new(AnMscReader::new(open(&paths[0])?, encoding, context)),
        FeedKind::WholesalerCsv => {
            let files = WholesalerFiles {
                info: paths[0].clone(),
                prices: paths[1].clone(),
                stock: paths[2].clone(),
                descriptions: paths[3].clone(),
            };
            Box::new(WholesalerReader::new(&files, encoding, context)?)
        }
    })
}

/// Items the reader hands to the writer at a time.
const READ_CHUNK: usize = 500;

/// Reads a feed through to its end, writing nothing and keeping nothing (each item is
/// normalized and dropped, so memory stays flat); returns how many items it has, or why it
/// cannot be read to its end.
fn read_through(
    kind: FeedKind,
    encoding: FeedEncoding,
    paths: &[PathBuf],
    context: ReaderContext,
) -> Result<u64, FeedError> {
    let mut items = 0;
    for item in reader_for(kind, encoding, paths, context)? {
        item?;
        items += 1;
    }
    Ok(items)
}

/// Each file's size and modification time, to tell a file changed between two reads.
fn stamps(paths: &[PathBuf]) -> Result<Vec<(u64, Option<std::time::SystemTime>)>, ImportError> {
    paths
        .iter()
        .map(|path| {
            std::fs::metadata(path)
                .map(|m| (m.len(), m.modified().ok()))
                .map_err(|e| ImportError::Changed(format!("{}: {e}", path.display())))
        })
        .collect()
}

impl Importer {
    pub fn new(pool: PgPool, clock: SharedClock, metrics: Metrics, settings: ImporterSettings) -> Self {
        let services = || ClockServices { clock: clock.clone() };
        Self {
            suppliers: CommandBus::new(pool.clone(), services(), metrics.clone()),
            imports: CommandBus::new(pool.clone(), services(), metrics),
            pool,
            clock,
            settings,
            running: RunningImports::default(),
        }
    }

    /// Runs a started import in the background of this process (its outcome is recorded on
    /// the import); [`Importer::idle_within`] waits for such imports when the process stops.
    pub fn spawn_run(self: &std::sync::Arc<Self>, run: ImportRun) {
        let importer = self.clone();
        let running = self.running.enter();
        tokio::spawn(async move {
            let _running = running;
            if let Err(error) = importer.run(&run, |_| {}).await {
                tracing::warn!(import_id = %run.import_id, %error, "import failed");
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

    pub fn suppliers(&self) -> &CommandBus<Supplier> {
        &self.suppliers
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

    /// Every supplier with its current state, in registration order.
    pub async fn list_suppliers(&self) -> Result<Vec<(SupplierId, Supplier)>, ImportError> {
        let suppliers = load_all_in_creation_order::<Supplier>(&self.pool)
            .await
            .map_err(|e| ImportError::Store(e.to_string()))?;
        Ok(suppliers
            .into_iter()
            .filter_map(|(id, supplier)| Some((SupplierId::parse(&id).ok()?, supplier)))
            .collect())
    }

    /// Imports (by id) with their current state, in the order given.
    pub async fn load_imports(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, Import)>, ImportError> {
        load_in_order_by_uuid::<Import>(&self.pool, ids)
            .await
            .map_err(|e| ImportError::Store(e.to_string()))
    }

    /// The ids of a supplier's imports, newest first.
    pub async fn list_imports(&self, supplier_id: SupplierId) -> Result<Vec<Uuid>, ImportError> {
        ids_started_for::<Import>(&self.pool, "ImportStarted", "supplier_id", &supplier_id.to_string())
            .await
            .map_err(|e| ImportError::Store(e.to_string()))
    }

    /// Records the start of an import of `supplier_id`; `run` then does the work.
    pub async fn start(
        &self,
        supplier_id: SupplierId,
        dry_run: bool,
        file: Option<PathBuf>,
        metadata: EventMetadata,
    ) -> Result<ImportRun, StartError> {
        let store = |e: &dyn std::fmt::Display| StartError::Store(e.to_string());
        let supplier = self
            .suppliers
            .load(&supplier_id.to_string())
            .await
            .map_err(|e| store(&e))?;
        let supplier = supplier.state.ok_or(StartError::UnknownSupplier)?;
        if !supplier.enabled {
            return Err(StartError::Disabled);
        }
        let import_id = Uuid::now_v7();
        let alive = RunnerLock::take(&self.pool, import_id).await.map_err(|e| store(&e))?;
        let command = ImportCommand::Start { supplier_id, dry_run };
        let metadata = metadata.with_command(command.name());
        self.imports
            .execute(&import_id.to_string(), command, &metadata)
            .await
            .map_err(|e| store(&e))?;
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
        let store = |e: &dyn std::fmt::Display| ImportError::Store(e.to_string());
        let orphans = liveness::abandoned(&self.pool).await.map_err(|e| store(&e))?;
        let mut failed = Vec::new();
        for (import_id, import) in self.load_imports(&orphans).await? {
            let counts = import.state.map(|s| s.counts).unwrap_or_default();
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
                Err(e) => return Err(store(&e)),
            }
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
                reason: printable(&error.to_string(), MAX_REASON_CHARS),
                counts,
            },
        };
        self.record(run, command).await?;
        tracing::info!(import_id = %run.import_id, ?counts, failed = outcome.is_err(), "import ended");
        outcome.map(|()| counts)
    }

    async fn record(&self, run: &ImportRun, command: ImportCommand) -> Result<(), ImportError> {
        let metadata = run.metadata.with_command(command.name());
        match self
            .imports
            .execute(&run.import_id.to_string(), command, &metadata)
            .await
        {
            Ok(_) | Err(CommandError::Refused(ImportRefusal::Finished)) => Ok(()),
            Err(e) => Err(ImportError::Store(e.to_string())),
        }
    }

    async fn read_and_apply(
        &self,
        run: &ImportRun,
        tally: &mut Tally,
        on_progress: &mut (impl FnMut(&ImportCounts) + Send),
    ) -> Result<(), ImportError> {
        let settings = &run.supplier.settings;
        let url = match &run.file {
            Some(path) => format!("file://{}", path.display()),
            None => settings.url.as_str().to_owned(),
        };
        // The Wholesaler URL (or --file) names the folder of its four files.
        let urls: Vec<String> = if settings.kind == FeedKind::WholesalerCsv {
            WHOLESALER_FILES
                .iter()
                .map(|name| format!("{}/{name}", url.trim_end_matches('/')))
                .collect()
        } else {
            vec![url]
        };
        let Some(fresh) = self.freshness(run, &urls).await? else {
            tracing::info!(import_id = %run.import_id, "every .inf states the time of the last import; not downloading");
            return Ok(());
        };
        let Some(downloaded) = self.download(run, &urls).await? else {
            tracing::info!(import_id = %run.import_id, "the server says the feed has not changed; not downloading");
            return Ok(());
        };
        let (feeds, validators): (Vec<LocalFeed>, Vec<Validators>) = downloaded.into_iter().unzip();
        let context = ReaderContext {
            supplier_id: run.supplier_id.as_uuid(),
            image_url_template: settings.image_url_template.clone(),
        };
        let paths: Vec<PathBuf> = feeds.iter().map(|f| f.path().to_owned()).collect();
        let (kind, encoding) = (settings.kind, settings.encoding);

        // First pass: the whole feed, every file of it, read to its end and dropped as it is
        // read (docs/decisions.md, "A feed is applied only once read to its end").
        let read_through_files = stamps(&paths)?;
        let items = {
            let (paths, context) = (paths.clone(), context.clone());
            tokio::task::spawn_blocking(move || read_through(kind, encoding, &paths, context))
                .await
                .map_err(|e| ImportError::Reader(e.to_string()))??
        };
        tracing::info!(import_id = %run.import_id, items, "the feed reads to its end; applying it");

        // Second pass: the same files again, applied a batch at a time.
        let (sender, mut receiver) = mpsc::channel::<Result<Vec<FeedItem>, FeedError>>(4);
        let reader_paths = paths.clone();
        // The parser is synchronous: it runs on the blocking pool and hands chunks over.
        let reader = tokio::task::spawn_blocking(move || {
            let items = match reader_for(kind, encoding, &reader_paths, context) {
                Ok(items) => items,
                Err(error) => {
                    let _ = sender.blocking_send(Err(error));
                    return;
                }
            };
            let mut chunk = Vec::with_capacity(READ_CHUNK);
            for item in items {
                match item {
                    Ok(item) => {
                        chunk.push(item);
                        if chunk.len() == READ_CHUNK && sender.blocking_send(Ok(std::mem::take(&mut chunk))).is_err() {
                            return;
                        }
                    }
                    Err(error) => {
                        let _ = sender.blocking_send(Ok(std::mem::take(&mut chunk)));
                        let _ = sender.blocking_send(Err(error));
                        return;
                    }
                }
            }
            let _ = sender.blocking_send(Ok(chunk));
        });

        let now = self.clock.now();
        let metadata = run.metadata.with_command("ImportOffer");
        let mut seen_in_dry_run = HashSet::new();
        let mut batch = Batch::default();
        let mut read = 0_u64;
        let mut failure = None;
        if read_through_files != stamps(&paths)? {
            failure = Some(ImportError::Changed(
                "a file of it was modified after it was read through".into(),
            ));
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
                    failure = Some(ImportError::Changed(error.to_string()));
                    true
                }
                None => true,
            };
            if batch.len() >= self.settings.batch_size || (finished && !batch.is_empty()) {
                apply_offers(
                    &self.pool,
                    tally,
                    &std::mem::take(&mut batch),
                    run.dry_run,
                    &mut seen_in_dry_run,
                    &metadata,
                    now,
                )
                .await
                .map_err(|e| ImportError::Store(e.to_string()))?;
                on_progress(&tally.counts());
            }
            if finished {
                break;
            }
        }
        drop(receiver);
        reader.await.map_err(|e| ImportError::Reader(e.to_string()))?;
        if let Some(error) = failure {
            return Err(error);
        }
        if read != items || read_through_files != stamps(&paths)? {
            return Err(ImportError::Changed(format!(
                "read through it had {items} items, applying it read {read}"
            )));
        }
        mark_vanished_unavailable(
            &self.pool,
            run.supplier_id.as_uuid(),
            tally,
            run.dry_run,
            &seen_in_dry_run,
            &metadata,
            now,
        )
        .await
        .map_err(|e| ImportError::Store(e.to_string()))?;
        on_progress(&tally.counts());
        if !run.dry_run {
            for (url, validators) in urls.iter().zip(&validators) {
                freshness::remember_validators(&self.pool, run.supplier_id.as_uuid(), url, validators)
                    .await
                    .map_err(|e| ImportError::Store(e.to_string()))?;
            }
            for (file, time) in fresh {
                freshness::remember(&self.pool, run.supplier_id.as_uuid(), &file, time)
                    .await
                    .map_err(|e| ImportError::Store(e.to_string()))?;
            }
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
                .map_err(|e| ImportError::Store(e.to_string()))?;
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
                .map_err(|e| ImportError::Store(e.to_string()))?;
            newer |= last.is_none_or(|last| stated > last);
            times.push((file, stated));
        }
        Ok(newer.then_some(times))
    }
}
