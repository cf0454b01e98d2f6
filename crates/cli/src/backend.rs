//! Choosing the backend once, at start-up, from the configuration, and opening Haven on it.
//! Commands are generic over the store; [`with_haven!`] runs one on whichever was opened.

use crate::CliError;
use crate::config::{Config, Database};
use haven_core::{Haven, SystemClock};
use haven_crypto::OsEntropy;
use haven_crypto::keyfile::KeyFile;
use haven_store_postgres::PgStore;
use haven_store_sqlite::{OpenMode, SqlitePaths, SqliteStore};
use std::sync::Arc;

pub enum Opened {
    Sqlite(Haven<SqliteStore>),
    Postgres(Haven<PgStore>),
}

/// Runs `$body` with `$h` bound to the opened `Haven<S>`, whichever `S` it is.
macro_rules! with_haven {
    ($opened:expr, |$h:ident| $body:expr) => {
        match $opened {
            $crate::backend::Opened::Sqlite($h) => $body,
            $crate::backend::Opened::Postgres($h) => $body,
        }
    };
}
pub(crate) use with_haven;

/// Opens an initialised installation: key file first (so a bad one changes nothing), then
/// the database, then the checks that bind the two.
pub async fn open(cfg: &Config) -> Result<Opened, CliError> {
    cfg.check_key_placement()?;
    let keys = KeyFile::load(&cfg.key_file)?;
    let clock = Arc::new(SystemClock);
    let entropy = Arc::new(OsEntropy);
    Ok(match &cfg.database {
        Database::Sqlite => {
            let store =
                SqliteStore::open(&SqlitePaths::in_data_dir(&cfg.data_dir), OpenMode::Existing)
                    .await?;
            Opened::Sqlite(Haven::open(store, keys, clock, entropy).await?)
        }
        Database::Postgres(url) => {
            let store = PgStore::connect(url).await?;
            Opened::Postgres(Haven::open(store, keys, clock, entropy).await?)
        }
    })
}
