//! Logs go to stderr and, for long-running commands, to `DATA_DIR/logs/haven.log`. They
//! carry opaque ids and error kinds only; request bodies are never logged.

use std::path::Path;
use std::sync::Arc;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

fn filter() -> EnvFilter {
    EnvFilter::try_from_env("HAVEN_LOG").unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Logging to stderr only (one-shot commands).
pub fn to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .try_init();
}

/// Logging to stderr and to the data directory's log file.
pub fn to_stderr_and_file(data_dir: &Path) -> std::io::Result<()> {
    let dir = data_dir.join("logs");
    std::fs::create_dir_all(&dir)?;
    let file = Arc::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("haven.log"))?,
    );
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_ansi(false)
        .with_writer(std::io::stderr.and(file))
        .try_init();
    Ok(())
}
