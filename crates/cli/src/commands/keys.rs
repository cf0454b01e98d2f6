//! `haven keys rotate`. Run it with the servers stopped: a running server keeps the key file
//! it started with and would wrap new data keys under the KEK being retired.

use crate::CliError;
use crate::backend::{self, with_haven};
use crate::config::Config;
use haven_core::CoreError;

pub async fn rotate(cfg: &Config) -> Result<(), CliError> {
    let opened = backend::open(cfg).await?;
    let path = cfg.key_file.clone();
    let persist = move |keys: &haven_crypto::keyfile::KeyFile| {
        keys.store(&path, false).map_err(CoreError::from)
    };
    let report = with_haven!(opened, |haven| haven.rotate_kek(&persist).await)?;
    println!(
        "rotated to key-encryption key version {}: {} data keys rewrapped, version(s) {:?} destroyed",
        report.new_version, report.rewrapped, report.retired
    );
    println!("back up the key file {} again now", cfg.key_file.display());
    Ok(())
}
