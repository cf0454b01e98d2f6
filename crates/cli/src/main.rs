//! The `haven` binary. Every command prints one clear line on failure and exits non-zero:
//! 1 for an error, 2 for a usage mistake, 3 when `audit verify` finds the log tampered with.

mod backend;
mod commands;
mod config;
mod logging;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "haven",
    version,
    about = "Confidential case management and referrals for organisations supporting survivors of trafficking"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the installation lives.
#[derive(Debug, Args, Clone)]
pub struct Location {
    /// Data directory: configuration, embedded database, keys, logs.
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// postgres://… to use PostgreSQL instead of the embedded SQLite database.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a data directory, its key file and database.
    Init {
        #[command(flatten)]
        at: Location,
        /// Also create this organisation and its first admin (password from
        /// HAVEN_ADMIN_PASSWORD, or asked for).
        #[arg(long, value_name = "EMAIL", requires = "org")]
        admin_email: Option<String>,
        /// The first organisation's name (with --admin-email).
        #[arg(long, value_name = "NAME", requires = "admin_email")]
        org: Option<String>,
        /// The first organisation's kind.
        #[arg(long, value_name = "KIND", default_value = "ngo")]
        org_kind: String,
    },
    /// Manage organisations.
    Org {
        #[command(subcommand)]
        action: OrgCommand,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        action: TokenCommand,
    },
    /// Run the web server.
    Serve {
        #[command(flatten)]
        at: Location,
        /// Address to listen on (default 127.0.0.1:7878).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Start a demo installation with synthetic data.
    Demo {
        /// Data directory (default: a new temporary one, removed on exit).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Synthetic survivors to create.
        #[arg(long, value_name = "N", default_value_t = 60)]
        people: u32,
    },
    /// Verify, checkpoint or reindex the tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// Manage encryption keys.
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
    /// Import the service directory from a file.
    Import {
        #[command(subcommand)]
        format: DirectoryFile,
    },
    /// Export the service directory to a file (confidential addresses never leave).
    Export {
        #[command(subcommand)]
        format: DirectoryFile,
    },
    /// Erase a survivor by destroying their data key.
    Erase {
        #[command(flatten)]
        at: Location,
        /// The survivor's id.
        #[arg(long, value_name = "ID")]
        survivor: String,
    },
}

#[derive(Debug, Subcommand)]
enum DirectoryFile {
    /// Open Referral HSDS 3.0 JSON: an array of organizations with their services and
    /// locations, checked against the published schemas.
    Hsds {
        #[command(flatten)]
        at: Location,
        /// The file to read or write (`-` for standard input or output).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the whole chain; with --checkpoint, also check it extends that checkpoint.
    Verify {
        #[command(flatten)]
        at: Location,
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
    },
    /// Sign the current head and write it to FILE, to keep off this machine.
    Checkpoint {
        #[command(flatten)]
        at: Location,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Build the index of audit targets (which the access report reads) again from the log.
    Reindex {
        #[command(flatten)]
        at: Location,
    },
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Add an organisation to the network.
    Add {
        #[command(flatten)]
        at: Location,
        #[arg(long, value_name = "NAME")]
        name: String,
        /// ngo, shelter, clinic, legal_aid, hotline, law_enforcement or government.
        #[arg(long, value_name = "KIND")]
        kind: String,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a staff account; prints a one-time password to sign in with and enrol a second factor.
    Add {
        #[command(flatten)]
        at: Location,
        /// The organisation's name.
        #[arg(long, value_name = "ORG")]
        org: String,
        #[arg(long, value_name = "EMAIL")]
        email: String,
        /// One or more roles.
        #[arg(long = "role", value_name = "ROLE", required = true, num_args = 1..)]
        roles: Vec<String>,
        /// The name shown to colleagues (default: the email address).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// Disable an account: every session and token stops at once.
    Disable {
        #[command(flatten)]
        at: Location,
        #[arg(long, value_name = "EMAIL")]
        email: String,
    },
    /// Give an account a new one-time password (printed); sessions and tokens stop.
    ResetPassword {
        #[command(flatten)]
        at: Location,
        #[arg(long, value_name = "EMAIL")]
        email: String,
    },
    /// Remove an account's second factor so it enrols again; sessions and tokens stop.
    ResetMfa {
        #[command(flatten)]
        at: Location,
        #[arg(long, value_name = "EMAIL")]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an API token; the token is the last line printed, shown once.
    Create {
        #[command(flatten)]
        at: Location,
        #[arg(long, value_name = "EMAIL")]
        user: String,
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// Revoke an API token.
    Revoke {
        #[command(flatten)]
        at: Location,
        #[arg(long, value_name = "EMAIL")]
        user: String,
        /// The token's id (printed at creation and in the account page).
        #[arg(long, value_name = "ID")]
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// New key-encryption key; rewrap every data key; destroy the old one.
    Rotate {
        #[command(flatten)]
        at: Location,
    },
}

/// Everything a command can fail with, each shown as one line.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Key(#[from] haven_crypto::CryptoError),
    #[error("{0}")]
    Core(#[from] haven_core::CoreError),
    #[error("{0}")]
    Store(#[from] haven_store::StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Core(haven_core::CoreError::Audit(_)) => 3,
            _ => 1,
        }
    }
}

/// Every request allocates many small, short-lived buffers (rows, ciphertexts, JSON);
/// mimalloc's per-thread free lists serve them without the system allocator's locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("haven: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("haven: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
