//! One module per command; this one dispatches.

mod audit;
mod demo;
mod demo_casework;
mod demo_sharing;
mod directory;
mod erase;
mod init;
mod keys;
mod serve;
mod staff;

use crate::config::{Config, Overrides};
use crate::{
    AuditCommand, CliError, Command, DirectoryFile, KeysCommand, Location, OrgCommand,
    TokenCommand, UserCommand, logging,
};

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
        Command::Init {
            at,
            admin_email,
            org,
            org_kind,
        } => {
            logging::to_stderr();
            let cfg = config(&at, None)?;
            init::run(&cfg).await?;
            match (admin_email, org) {
                (Some(email), Some(org)) => staff::bootstrap(&cfg, &org, &org_kind, &email).await,
                _ => Ok(()),
            }
        }
        Command::Org {
            action: OrgCommand::Add { at, name, kind },
        } => {
            logging::to_stderr();
            staff::add_org(&config(&at, None)?, &name, &kind).await
        }
        Command::User {
            action:
                UserCommand::Add {
                    at,
                    org,
                    email,
                    roles,
                    name,
                },
        } => {
            logging::to_stderr();
            staff::add_user(&config(&at, None)?, &org, &email, &roles, name.as_deref()).await
        }
        Command::User {
            action: UserCommand::Disable { at, email },
        } => {
            logging::to_stderr();
            staff::disable(&config(&at, None)?, &email).await
        }
        Command::User {
            action: UserCommand::ResetMfa { at, email },
        } => {
            logging::to_stderr();
            staff::reset_mfa(&config(&at, None)?, &email).await
        }
        Command::User {
            action: UserCommand::ResetPassword { at, email },
        } => {
            logging::to_stderr();
            staff::reset_password(&config(&at, None)?, &email).await
        }
        Command::Token {
            action: TokenCommand::Create { at, user, name },
        } => {
            logging::to_stderr();
            staff::create_token(&config(&at, None)?, &user, &name).await
        }
        Command::Token {
            action: TokenCommand::Revoke { at, user, id },
        } => {
            logging::to_stderr();
            staff::revoke_token(&config(&at, None)?, &user, &id).await
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
        Command::Audit {
            action: AuditCommand::Reindex { at },
        } => {
            logging::to_stderr();
            audit::reindex(&config(&at, None)?).await
        }
        Command::Keys {
            action: KeysCommand::Rotate { at },
        } => {
            logging::to_stderr();
            keys::rotate(&config(&at, None)?).await
        }
        Command::Import {
            format: DirectoryFile::Hsds { at, file },
        } => {
            logging::to_stderr();
            directory::import(&config(&at, None)?, &file).await
        }
        Command::Export {
            format: DirectoryFile::Hsds { at, file },
        } => {
            logging::to_stderr();
            directory::export(&config(&at, None)?, &file).await
        }
        Command::Erase { at, survivor } => {
            logging::to_stderr();
            erase::run(&config(&at, None)?, &survivor).await
        }
    }
}
