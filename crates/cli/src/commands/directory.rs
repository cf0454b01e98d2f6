//! `haven import hsds FILE` and `haven export hsds FILE`: the service directory as Open
//! Referral HSDS 3.0 JSON. An invalid file is refused whole, with the path of its first
//! error; nothing is written.

use crate::CliError;
use crate::backend::{self, with_haven};
use crate::config::Config;
use haven_core::system;
use std::io::{Read, Write};
use std::path::Path;

fn read(file: &Path) -> Result<Vec<u8>, CliError> {
    if file == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    std::fs::read(file)
        .map_err(|e| CliError::Config(format!("cannot read {}: {e}", file.display())))
}

pub async fn import(cfg: &Config, file: &Path) -> Result<(), CliError> {
    let bytes = read(file)?;
    let opened = backend::open(cfg).await?;
    let summary = with_haven!(opened, |haven| haven
        .import_directory(system("import_hsds"), &bytes)
        .await)?;
    println!(
        "imported {} organizations, {} services; {} confidential locations sealed",
        summary.organizations, summary.services, summary.confidential_locations
    );
    Ok(())
}

pub async fn export(cfg: &Config, file: &Path) -> Result<(), CliError> {
    let opened = backend::open(cfg).await?;
    let bytes = with_haven!(opened, |haven| haven
        .export_directory(system("export_hsds"))
        .await)?;
    if file == Path::new("-") {
        std::io::stdout().write_all(&bytes)?;
    } else {
        std::fs::write(file, &bytes)
            .map_err(|e| CliError::Config(format!("cannot write {}: {e}", file.display())))?;
        eprintln!("wrote {}", file.display());
    }
    Ok(())
}
