//! `haven init`: a data directory, its configuration, a new key file (0600) and an
//! initialised database bound to that key file.

use crate::CliError;
use crate::config::{CONFIG_FILE, Config, Database, default_file_text};
use haven_core::{CoreError, Haven, SystemClock};
use haven_crypto::OsEntropy;
use haven_crypto::keyfile::KeyFile;
use haven_store::{SchemaState, Store};
use haven_store_postgres::PgStore;
use haven_store_sqlite::{OpenMode, SqlitePaths, SqliteStore};
use std::path::Path;
use std::sync::Arc;

pub(crate) fn private_dir(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

async fn init_on<S: Store>(store: S, cfg: &Config) -> Result<(), CliError> {
    if store.schema_state().await? != SchemaState::Uninitialised {
        return Err(CoreError::AlreadyInitialised.into());
    }
    if cfg.key_file.exists() {
        return Err(CliError::Config(format!(
            "a key file already exists at {}; refusing to replace it",
            cfg.key_file.display()
        )));
    }
    let entropy = Arc::new(OsEntropy);
    let keys = KeyFile::generate(entropy.as_ref());
    if let Some(dir) = cfg.key_file.parent() {
        private_dir(dir)?;
    }
    keys.store(&cfg.key_file, true)?;
    Haven::init(store, keys, Arc::new(SystemClock), entropy).await?;
    Ok(())
}

pub async fn run(cfg: &Config) -> Result<(), CliError> {
    private_dir(&cfg.data_dir)?;
    cfg.check_key_placement()?;
    let config_path = cfg.data_dir.join(CONFIG_FILE);
    if !config_path.exists() {
        std::fs::write(&config_path, default_file_text())?;
    }
    let backend = match &cfg.database {
        Database::Sqlite => {
            let store =
                SqliteStore::open(&SqlitePaths::in_data_dir(&cfg.data_dir), OpenMode::Create)
                    .await?;
            init_on(store.clone(), cfg).await?;
            store.close().await;
            "embedded SQLite"
        }
        Database::Postgres(url) => {
            init_on(PgStore::connect(url).await?, cfg).await?;
            "PostgreSQL"
        }
    };
    println!(
        "initialised Haven in {} ({backend})",
        cfg.data_dir.display()
    );
    println!(
        "key file: {} — back it up offline; without it no survivor record can be read",
        cfg.key_file.display()
    );
    Ok(())
}
