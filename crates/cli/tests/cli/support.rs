//! Shared helpers: running the binary, opening an installation in-process, canaries.

use haven_core::{Clock, Haven, SystemClock};
use haven_crypto::OsEntropy;
use haven_crypto::keyfile::KeyFile;
use haven_domain::survivor::{PersonalText, SurvivorField, SurvivorProfile};
use haven_store_sqlite::{OpenMode, SqlitePaths, SqliteStore};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Every canary starts with this, so one byte search finds any of them.
pub const CANARY_PREFIX: &str = "QZCANARY";

pub fn haven() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_haven"));
    for var in [
        "HAVEN_DATABASE_URL",
        "HAVEN_DATABASE_URL_FILE",
        "HAVEN_KEY_FILE",
        "HAVEN_LISTEN",
    ] {
        c.env_remove(var);
    }
    c.env("HAVEN_LOG", "info");
    c
}

pub fn run(args: &[&str]) -> Output {
    haven().args(args).output().expect("the haven binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A freshly initialised data directory, removed when dropped.
pub struct Install {
    pub dir: tempfile::TempDir,
}

impl Install {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = run(&[
            "init",
            "--data-dir",
            dir.path().to_str().expect("utf-8 path"),
        ]);
        assert!(out.status.success(), "init failed: {}", stderr(&out));
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn arg(&self) -> &str {
        self.dir.path().to_str().expect("utf-8 path")
    }

    pub fn key_file(&self) -> PathBuf {
        self.path().join("keys").join("haven.key")
    }

    pub async fn open(&self) -> Haven<SqliteStore> {
        self.open_with(Arc::new(SystemClock)).await
    }

    /// The installation in-process with its own clock (to record something in the past).
    pub async fn open_with(&self, clock: Arc<dyn Clock>) -> Haven<SqliteStore> {
        let store = SqliteStore::open(&SqlitePaths::in_data_dir(self.path()), OpenMode::Existing)
            .await
            .expect("store opens");
        let keys = KeyFile::load(&self.key_file()).expect("key file loads");
        Haven::open(store, keys, clock, Arc::new(OsEntropy))
            .await
            .expect("haven opens")
    }
}

/// A profile with a unique canary in every personal field; returns the canaries too.
pub fn canary_profile(n: u32) -> (SurvivorProfile, Vec<String>) {
    let c = |field: &str| format!("{CANARY_PREFIX}-{field}-{n:06}");
    let t = |f: SurvivorField, s: &str| PersonalText::parse(f, s).expect("valid text");
    let canaries = vec![
        c("pseudonym"),
        c("legal"),
        c("alias"),
        c("phone"),
        c("email"),
        c("safe"),
        c("nation"),
        c("lang"),
    ];
    let profile = SurvivorProfile {
        pseudonym: t(SurvivorField::Pseudonym, &canaries[0]),
        legal_name: Some(t(SurvivorField::LegalName, &canaries[1])),
        aliases: vec![t(SurvivorField::Aliases, &canaries[2])],
        date_of_birth: Some(time::macros::date!(1999 - 03 - 14)),
        phone: Some(t(SurvivorField::Phone, &canaries[3])),
        email: Some(t(SurvivorField::Email, &canaries[4])),
        safe_contact: Some(t(SurvivorField::SafeContact, &canaries[5])),
        details: haven_domain::survivor::SurvivorDetails {
            gender: haven_domain::survivor::Gender::Female,
            nationality: Some(t(SurvivorField::Nationality, &canaries[6])),
            nationality_region: haven_domain::survivor::Region::Europe,
            languages: vec![t(SurvivorField::Languages, &canaries[7])],
            interpreter_needed: true,
            estimated_age: None,
            estimated_on: None,
        },
    };
    (profile, canaries)
}

/// Every file under `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle))
            {
                hits.push(p);
            }
        }
    }
    hits
}

/// A digest of every file under `dir`, to show a command changed nothing.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_none_or(|e| e != "log") {
                out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

pub async fn sqlite_conn(install: &Install) -> sqlx::SqliteConnection {
    use sqlx::Connection;
    sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        install.path().join("db/haven.db").display()
    ))
    .await
    .expect("sqlite opens")
}

/// RFC 4648 base32 (no padding), as the enrolment page shows the secret.
pub fn base32_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in s.trim().chars() {
        let v = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".find(c).expect("base32") as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    out
}
