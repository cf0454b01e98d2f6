//! Configuration: `haven.toml` in the data directory, overridden by `HAVEN_*` environment
//! variables, overridden by command-line flags. Secrets (the database URL may carry a
//! password) can also come from a file named by `HAVEN_*_FILE`, for container secrets.
//! Unknown `HAVEN_*` variables are reported, since a typo there silently changes nothing.
//!
//! Where the key file lives: by default `DATA_DIR/keys/haven.key`, a 0700 directory apart
//! from the database's `DATA_DIR/db/`. Haven refuses a key file in the database's own
//! directory and warns when it sits anywhere under the data directory, because a copy of the
//! data directory should not carry its own key (point `HAVEN_KEY_FILE` or `key_file` at
//! separate storage in production).

use crate::CliError;
use haven_domain::consent::ConsentRules;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "haven.toml";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

const KNOWN_VARS: &[&str] = &[
    "HAVEN_DATABASE_URL",
    "HAVEN_DATABASE_URL_FILE",
    "HAVEN_KEY_FILE",
    "HAVEN_LISTEN",
    "HAVEN_LOG",
    // Read by the test suite, not by the binary.
    "HAVEN_TEST_POSTGRES_URL",
    "HAVEN_REQUIRE_POSTGRES",
    "HAVEN_ADMIN_PASSWORD",
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    key_file: Option<PathBuf>,
    listen: Option<String>,
    session_idle_minutes: Option<i64>,
    session_absolute_hours: Option<i64>,
    sign_in_failures_per_address: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
    known_device_days: Option<u32>,
    /// The jurisdiction's release rules (`haven_domain::consent::ConsentRules`).
    consent_default_days: Option<u32>,
    consent_max_days: Option<u32>,
    consent_verbal_allowed: Option<bool>,
    consent_minor_may_consent_alone: Option<bool>,
}

/// Where the data lives.
#[derive(Clone)]
pub enum Database {
    Sqlite,
    Postgres(String),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite => f.write_str("Sqlite"),
            Self::Postgres(_) => f.write_str("Postgres(<redacted url>)"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database: Database,
    pub key_file: PathBuf,
    pub listen: String,
    /// Session timeouts (defaults 15 minutes idle, 12 hours absolute).
    pub session_idle: time::Duration,
    pub session_absolute: time::Duration,
    /// Failed sign-ins allowed in a row from one address (0: no limit), and the reverse
    /// proxies whose `X-Forwarded-For` names the client.
    pub sign_in_failures_per_address: u32,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How long a browser that signed in stays a known device of its account (0: none is).
    pub known_device_for: time::Duration,
    /// Releases of information: default and longest duration, verbal consent, minors.
    pub consent: ConsentRules,
}

/// What the command line said, before merging.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub database: Option<String>,
    pub listen: Option<String>,
}

fn env(name: &str) -> Result<Option<String>, CliError> {
    if let Ok(v) = std::env::var(name) {
        return Ok(Some(v));
    }
    let file_var = format!("{name}_FILE");
    match std::env::var(&file_var) {
        Ok(path) => std::fs::read_to_string(&path)
            .map(|s| Some(s.trim().to_owned()))
            .map_err(|e| CliError::Config(format!("{file_var}: cannot read {path}: {e}"))),
        Err(_) => Ok(None),
    }
}

impl Config {
    pub fn load(data_dir: &Path, over: &Overrides) -> Result<Self, CliError> {
        warn_unknown_vars();
        let path = data_dir.join(CONFIG_FILE);
        let file: FileConfig = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text)
                .map_err(|e| CliError::Config(format!("{}: {}", path.display(), e.message())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileConfig::default(),
            Err(e) => return Err(CliError::Config(format!("{}: {e}", path.display()))),
        };
        let url = over
            .database
            .clone()
            .or(env("HAVEN_DATABASE_URL")?)
            .or(file.database_url);
        let database = match url {
            None => Database::Sqlite,
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Database::Postgres(u)
            }
            Some(u) if u.starts_with("sqlite:") || u.is_empty() => Database::Sqlite,
            Some(_) => {
                return Err(CliError::Config(
                    "--database must be a postgres:// URL (omit it for the embedded SQLite database)".into(),
                ));
            }
        };
        let key_file = env("HAVEN_KEY_FILE")?
            .map(PathBuf::from)
            .or(file.key_file)
            .map(|p| if p.is_relative() { data_dir.join(p) } else { p })
            .unwrap_or_else(|| default_key_file(data_dir));
        let listen = over
            .listen
            .clone()
            .or(env("HAVEN_LISTEN")?)
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let minutes = |v: Option<i64>, default: i64, what: &str| match v {
            Some(m) if m > 0 => Ok(m),
            Some(_) => Err(CliError::Config(format!(
                "{}: {what} must be positive",
                path.display()
            ))),
            None => Ok(default),
        };
        let session_idle = time::Duration::minutes(minutes(
            file.session_idle_minutes,
            15,
            "session_idle_minutes",
        )?);
        let session_absolute = time::Duration::hours(minutes(
            file.session_absolute_hours,
            12,
            "session_absolute_hours",
        )?);
        let trusted_proxies = file
            .trusted_proxies
            .unwrap_or_default()
            .iter()
            .map(|p| parse_network(p))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                CliError::Config(format!(
                    "{}: trusted_proxies must be addresses or networks such as \"10.0.0.5\" or \"10.0.0.0/8\"",
                    path.display()
                ))
            })?;
        let known_device_days = file.known_device_days.unwrap_or(DEFAULT_KNOWN_DEVICE_DAYS);
        if known_device_days > MOST_KNOWN_DEVICE_DAYS {
            return Err(CliError::Config(format!(
                "{}: known_device_days must be at most {MOST_KNOWN_DEVICE_DAYS}: browsers keep a cookie no longer",
                path.display()
            )));
        }
        let defaults = ConsentRules::default();
        let consent = match (
            &file.consent_default_days,
            &file.consent_max_days,
            &file.consent_verbal_allowed,
            &file.consent_minor_may_consent_alone,
        ) {
            (None, None, None, None) => defaults,
            _ => ConsentRules {
                default_days: file.consent_default_days.unwrap_or(defaults.default_days),
                max_days: file.consent_max_days.unwrap_or(defaults.max_days),
                verbal_allowed: file.consent_verbal_allowed.unwrap_or(false),
                minor_may_consent_alone: file.consent_minor_may_consent_alone.unwrap_or(false),
                source: "haven.toml: this organisation's policy",
            },
        };
        if consent.default_days == 0 || consent.default_days > consent.max_days {
            return Err(CliError::Config(format!(
                "{}: consent_default_days must be between 1 and consent_max_days",
                path.display()
            )));
        }
        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            database,
            key_file,
            listen,
            session_idle,
            session_absolute,
            sign_in_failures_per_address: file
                .sign_in_failures_per_address
                .unwrap_or(DEFAULT_FAILURES_PER_ADDRESS),
            trusted_proxies,
            known_device_for: time::Duration::days(i64::from(known_device_days)),
            consent,
        })
    }

    /// Refuses a key file in the database's directory.
    pub fn check_key_placement(&self) -> Result<(), CliError> {
        let db_dir = self.data_dir.join("db");
        let key_dir = self.key_file.parent().unwrap_or(Path::new("."));
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        };
        if matches!(self.database, Database::Sqlite) && same(key_dir, &db_dir) {
            return Err(CliError::Config(format!(
                "the key file {} is in the database directory; keep it apart from the data",
                self.key_file.display()
            )));
        }
        Ok(())
    }

    /// Said once when a server starts: a copy of the data directory should not carry its key.
    pub fn warn_if_key_in_data_dir(&self) {
        if self.key_file.starts_with(&self.data_dir) {
            tracing::warn!(
                key_file = %self.key_file.display(),
                "the key file is inside the data directory; in production keep it on separate storage (HAVEN_KEY_FILE)"
            );
        }
    }
}

/// Failed sign-ins allowed in a row from one address, as `haven_core::auth::AuthSettings`.
const DEFAULT_FAILURES_PER_ADDRESS: u32 = 20;
const DEFAULT_KNOWN_DEVICE_DAYS: u32 = 90;
/// Chromium keeps a cookie for at most 400 days, whatever it asks for.
const MOST_KNOWN_DEVICE_DAYS: u32 = 400;

/// A proxy's address (`10.0.0.5`, `::1`) or network (`10.0.0.0/8`).
fn parse_network(text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>().ok().or_else(|| {
        text.parse::<std::net::IpAddr>()
            .ok()
            .map(ipnet::IpNet::from)
    })
}

pub fn default_key_file(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("haven.key")
}

fn warn_unknown_vars() {
    for (name, _) in std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v))) {
        if name.starts_with("HAVEN_") && !KNOWN_VARS.contains(&name.as_str()) {
            tracing::warn!(variable = %name, "unknown HAVEN_* environment variable ignored");
        }
    }
}

/// The config file `haven init` writes: every setting, commented.
pub fn default_file_text() -> String {
    format!(
        "# Haven configuration. Environment variables HAVEN_* override these; flags override both.\n\
         # database_url = \"postgres://haven@db.internal/haven\"  # or HAVEN_DATABASE_URL(_FILE); absent: embedded SQLite\n\
         # key_file = \"/run/secrets/haven.key\"  # or HAVEN_KEY_FILE; default keys/haven.key\n\
         listen = \"{DEFAULT_LISTEN}\"\n\
         # session_idle_minutes = 15\n\
         # session_absolute_hours = 12\n\
         # Failed sign-ins allowed in a row from one address (an IPv6 /64), then one more\n\
         # every 6 seconds; 0 switches the limit off.\n\
         # sign_in_failures_per_address = 20\n\
         # Reverse proxies in front of Haven, whose X-Forwarded-For header names the client.\n\
         # trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]\n\
         # Days a browser that signed in with both factors stays known to its account: its\n\
         # owner can sign in from it while guesses from elsewhere lock the account. 0: never.\n\
         # known_device_days = 90\n\
         # Releases of information: the law fixes no maximum for \"reasonably time-limited\".\n\
         # consent_default_days = 90\n\
         # consent_max_days = 365\n\
         # consent_verbal_allowed = false  # documented verbal consent with a witness\n\
         # consent_minor_may_consent_alone = false\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_with(text: &str) -> Result<Config, CliError> {
        let dir = tempfile::tempdir().map_err(CliError::Io)?;
        std::fs::write(dir.path().join(CONFIG_FILE), text).map_err(CliError::Io)?;
        Config::load(dir.path(), &Overrides::default())
    }

    #[test]
    fn release_rules_come_from_haven_toml_and_are_checked() {
        let c =
            load_with("consent_max_days = 180\nconsent_verbal_allowed = true\n").expect("valid");
        assert_eq!(c.consent.max_days, 180);
        assert_eq!(c.consent.default_days, 90);
        assert!(c.consent.verbal_allowed);
        assert!(c.consent.source.contains("haven.toml"));
        let d = load_with("").expect("valid");
        assert_eq!(d.consent, ConsentRules::default());
        let bad = load_with("consent_default_days = 400\nconsent_max_days = 365\n");
        assert!(matches!(bad, Err(CliError::Config(m)) if m.contains("consent_default_days")));
        assert!(
            load_with("consent_forever = true\n").is_err(),
            "unknown keys are refused"
        );
    }

    #[test]
    fn the_sign_in_limit_and_trusted_proxies_come_from_haven_toml_and_are_checked() {
        let d = load_with("").expect("valid");
        assert_eq!(d.sign_in_failures_per_address, 20);
        assert!(d.trusted_proxies.is_empty());
        let c = load_with(
            "sign_in_failures_per_address = 0\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"]\n",
        )
        .expect("valid");
        assert_eq!(c.sign_in_failures_per_address, 0);
        let nets: Vec<String> = c.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(nets, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
        let bad = load_with("trusted_proxies = [\"the load balancer\"]\n");
        assert!(matches!(bad, Err(CliError::Config(m)) if m.contains("trusted_proxies")));
        assert!(load_with("sign_in_failures_per_address = -1\n").is_err());
        let written = load_with(&default_file_text()).expect("the default file loads");
        assert_eq!(written.sign_in_failures_per_address, 20);
        assert_eq!(written.known_device_for, time::Duration::days(90));
        assert_eq!(
            load_with("known_device_days = 0\n")
                .expect("valid")
                .known_device_for,
            time::Duration::ZERO
        );
        let long = load_with("known_device_days = 401\n");
        assert!(matches!(long, Err(CliError::Config(m)) if m.contains("known_device_days")));
    }
}
