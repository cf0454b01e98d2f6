//! Haven's embedded backend: bundled SQLite in WAL mode with `synchronous=FULL`, so an
//! acknowledged write survives power loss (security.md §5.1). One writer connection per
//! file and a small pool of readers. `secure_delete` is on, and erasure truncates the WAL,
//! so a destroyed key leaves no copy in the live files.
//!
//! The keystore is a second SQLite file. Writes that touch both files are ordered so that a
//! crash between them is harmless: keys are stored before the rows that use them, and
//! destroyed before the rows they opened are deleted.

mod audit;
mod audit_index;
mod cases;
mod checkpoints;
mod convert;
mod db;
mod directory;
mod inline_reads;
mod keystore;
mod known_devices;
mod plan;
mod sharing;
mod staff;
mod store_calls;
mod survivor_edit;
mod survivors;
mod transfers;
mod write_tx;

use haven_store::{SchemaState, StoreError};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
pub(crate) use write_tx::{begin_keys_write, begin_write};

static DATA_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/data");
static KEYSTORE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/keystore");

/// Where the two files live.
#[derive(Debug, Clone)]
pub struct SqlitePaths {
    pub data: PathBuf,
    pub keystore: PathBuf,
}

impl SqlitePaths {
    /// The standard layout under a data directory: `db/haven.db` and
    /// `keystore/keystore.db`, in separate directories so they can be backed up apart.
    pub fn in_data_dir(dir: &Path) -> Self {
        Self {
            data: dir.join("db").join("haven.db"),
            keystore: dir.join("keystore").join("keystore.db"),
        }
    }
}

/// Whether opening may create missing files (only `haven init` and tests do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    Create,
    Existing,
}

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) writer: SqlitePool,
    pub(crate) reader: SqlitePool,
    pub(crate) keys_writer: SqlitePool,
    pub(crate) keys_reader: SqlitePool,
    pub(crate) group: audit::GroupCommit,
    /// Data writes take turns here before they queue for the writer connection, so at most
    /// one waits there beside the audit group commit, which does not take a turn: a batch
    /// of view entries is written after the data write in progress, not after every queued
    /// one.
    data_turn: Arc<tokio::sync::Mutex<()>>,
    /// The reads every case view makes, on the calling task (see `inline_reads`).
    pub(crate) inline: Arc<inline_reads::InlineReader>,
    keys_inline: Arc<inline_reads::InlineReader>,
}

fn options(path: &Path, create: bool) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .pragma("secure_delete", "ON")
}

async fn pool(opts: SqliteConnectOptions, max: u32) -> Result<SqlitePool, StoreError> {
    SqlitePoolOptions::new()
        .max_connections(max)
        .min_connections(0)
        // A connection to a local file cannot go stale; the test would be one more round
        // trip to the connection's thread before every write transaction and audit batch.
        .test_before_acquire(false)
        .connect_with(opts)
        .await
        .map_err(convert::error)
}

impl SqliteStore {
    pub async fn open(paths: &SqlitePaths, mode: OpenMode) -> Result<Self, StoreError> {
        let create = mode == OpenMode::Create;
        for p in [&paths.data, &paths.keystore] {
            if !create && !p.exists() {
                return Err(StoreError::NotInitialised);
            }
            if let (true, Some(dir)) = (create, p.parent()) {
                create_private_dir(dir)?;
            }
        }
        let writer = pool(options(&paths.data, create), 1).await?;
        let reader = pool(options(&paths.data, false), 4).await?;
        let keys_writer = pool(options(&paths.keystore, create), 1).await?;
        let keys_reader = pool(options(&paths.keystore, false), 2).await?;
        Ok(Self {
            group: audit::GroupCommit::start(writer.clone()),
            data_turn: Arc::default(),
            writer,
            reader,
            keys_writer,
            keys_reader,
            inline: Arc::new(inline_reads::InlineReader::new(&paths.data)),
            keys_inline: Arc::new(inline_reads::InlineReader::new(&paths.keystore)),
        })
    }

    /// Closes every connection, checkpointing the WAL into the main files.
    pub async fn close(&self) {
        self.inline.close();
        self.keys_inline.close();
        for p in [
            &self.reader,
            &self.keys_reader,
            &self.writer,
            &self.keys_writer,
        ] {
            p.close().await;
        }
    }

    async fn state_of(pool: &SqlitePool, migrator: &Migrator) -> Result<SchemaState, StoreError> {
        let has_table: Option<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(pool)
        .await
        .map_err(convert::error)?;
        let latest = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        if has_table.is_none() {
            return Ok(SchemaState::from_versions(None, latest));
        }
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(pool)
                .await
                .map_err(convert::error)?;
        Ok(SchemaState::from_versions(applied, latest))
    }
}

fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| StoreError::Unavailable(format!("{}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// A store in `dir`, created and migrated, for the crate's unit tests.
#[cfg(test)]
pub(crate) async fn migrated_store(dir: &Path) -> Result<SqliteStore, StoreError> {
    use haven_store::Store;
    let store = SqliteStore::open(&SqlitePaths::in_data_dir(dir), OpenMode::Create).await?;
    store.migrate().await?;
    Ok(store)
}
