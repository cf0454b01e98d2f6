//! One module per command; this one dispatches.

mod audit;
mod demo;
mod erase;
mod init;
mod keys;
mod serve;

use crate::config::{Config, Overrides};
use crate::{AuditCommand, CliError, Command, KeysCommand, Location, logging};

fn config(at: &Location, listen: Option<String>) -> Result<Config, CliError> {
    Config::load(
        &at.data_dir,
        &Overrides {
            database: at.database.clone(),
            listen,
        },
    )
}

pub async fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Init { at } => {
            logging::to_stderr();
            init::run(&config(&at, None)?).await
        }
        Command::Serve { at, listen } => {
            let cfg = config(&at, listen)?;
            logging::to_stderr_and_file(&cfg.data_dir)?;
            serve::run(&cfg).await
        }
        Command::Demo {
            data_dir,
            listen,
            people,
        } => demo::run(data_dir, listen, people).await,
        Command::Audit {
            action: AuditCommand::Verify { at, checkpoint },
        } => {
            logging::to_stderr();
            audit::verify(&config(&at, None)?, checkpoint.as_deref()).await
        }
        Command::Audit {
            action: AuditCommand::Checkpoint { at, out },
        } => {
            logging::to_stderr();
            audit::checkpoint(&config(&at, None)?, &out).await
        }
        Command::Keys {
            action: KeysCommand::Rotate { at },
        } => {
            logging::to_stderr();
            keys::rotate(&config(&at, None)?).await
        }
        Command::Erase { at, survivor } => {
            logging::to_stderr();
            erase::run(&config(&at, None)?, &survivor).await
        }
    }
}
