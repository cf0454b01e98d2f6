//! `haven audit verify`, `haven audit checkpoint` and `haven audit reindex`.

use crate::CliError;
use crate::backend::{self, with_haven};
use crate::config::Config;
use haven_core::CoreError;
use haven_core::audit_log::Checkpoint;
use std::path::Path;

pub async fn verify(cfg: &Config, checkpoint: Option<&Path>) -> Result<(), CliError> {
    let external = match checkpoint {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::Config(format!("cannot read checkpoint {}: {e}", path.display()))
            })?;
            Some(Checkpoint::parse(&text).map_err(CoreError::from)?)
        }
        None => None,
    };
    let opened = backend::open(cfg).await?;
    let report = with_haven!(opened, |haven| haven.verify_audit(external.as_ref()).await)?;
    println!(
        "audit log verified: {} entries, head {}, {} checkpoint(s) checked, index of targets checked over {} entries",
        report.entries,
        report.head.hash.to_hex(),
        report.checkpoints_checked,
        report.indexed
    );
    Ok(())
}

pub async fn checkpoint(cfg: &Config, out: &Path) -> Result<(), CliError> {
    let opened = backend::open(cfg).await?;
    let c = with_haven!(opened, |haven| haven.checkpoint_audit().await)?;
    std::fs::write(out, c.to_text())
        .map_err(|e| CliError::Config(format!("cannot write {}: {e}", out.display())))?;
    println!(
        "checkpoint of {} audit entries written to {}; keep it off this machine",
        c.size,
        out.display()
    );
    Ok(())
}

pub async fn reindex(cfg: &Config) -> Result<(), CliError> {
    let opened = backend::open(cfg).await?;
    let size = with_haven!(opened, |haven| haven.rebuild_audit_index().await)?;
    println!("index of audit targets built again over {size} entries");
    Ok(())
}
