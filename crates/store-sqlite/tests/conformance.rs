//! The store conformance suite on SQLite (always runs).

use haven_store_sqlite::{OpenMode, SqlitePaths, SqliteStore};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn fresh() -> Result<Option<SqliteStore>, Error> {
    // Kept past the test: stores are small and live under the OS's temporary directory.
    let dir = tempfile::tempdir()?.keep();
    Ok(Some(
        SqliteStore::open(&SqlitePaths::in_data_dir(&dir), OpenMode::Create).await?,
    ))
}

haven_store::conformance_tests!(fresh);
