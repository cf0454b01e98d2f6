//! `haven erase --survivor ID`: erasure by destroying the survivor's data key.

use crate::CliError;
use crate::backend::{self, with_haven};
use crate::config::Config;
use haven_core::{CoreError, system};
use haven_domain::SurvivorId;

pub async fn run(cfg: &Config, survivor: &str) -> Result<(), CliError> {
    let id: SurvivorId = survivor
        .parse()
        .map_err(|_| CliError::Config("--survivor must be a survivor id (a UUID)".into()))?;
    let opened = backend::open(cfg).await?;
    with_haven!(opened, |haven| haven
        .erase_survivor(system("erase"), id, "cli_erase")
        .await)
    .map_err(|e| match e {
        CoreError::NotFound => CliError::Config(format!(
            "no survivor {id} (already erased, or never existed)"
        )),
        other => other.into(),
    })?;
    println!(
        "survivor {id} erased: their data key is destroyed and their record can no longer be read"
    );
    Ok(())
}
