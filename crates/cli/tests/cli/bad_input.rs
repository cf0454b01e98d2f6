//! A missing, corrupt, wrong or exposed key file, a newer schema, an unreachable database:
//! one clear line, a non-zero exit, no panic, and the database left as it was.

use crate::support::*;
use std::path::Path;

/// The main database files' bytes, and whether any write-ahead log holds frames.
fn state(dir: &Path) -> (Vec<u8>, Vec<u8>, bool) {
    let read = |p: &str| std::fs::read(dir.join(p)).unwrap_or_default();
    let wal_has_frames = ["db/haven.db-wal", "keystore/keystore.db-wal"]
        .iter()
        .any(|p| std::fs::metadata(dir.join(p)).is_ok_and(|m| m.len() > 0));
    (
        read("db/haven.db"),
        read("keystore/keystore.db"),
        wal_has_frames,
    )
}

fn assert_refused(install: &Install, args: &[&str], expect: &str) {
    let before = state(install.path());
    let out = run(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?} should exit 1: {err}");
    let ours: Vec<_> = err.lines().filter(|l| l.starts_with("haven:")).collect();
    assert_eq!(ours.len(), 1, "exactly one error line: {err}");
    assert!(
        ours[0].contains(expect),
        "{:?} should mention {expect:?}",
        ours[0]
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        state(install.path()),
        before,
        "{args:?} changed the database"
    );
}

#[test]
fn a_missing_key_file_is_refused() {
    let install = Install::new();
    std::fs::remove_file(install.key_file()).expect("remove");
    assert_refused(
        &install,
        &["audit", "verify", "--data-dir", install.arg()],
        "cannot read key file",
    );
    assert_refused(
        &install,
        &[
            "serve",
            "--data-dir",
            install.arg(),
            "--listen",
            "127.0.0.1:0",
        ],
        "cannot read key file",
    );
}

#[test]
fn a_corrupt_key_file_is_refused() {
    let install = Install::new();
    std::fs::write(install.key_file(), "format = 1\nthis is not a key").expect("write");
    assert_refused(
        &install,
        &["keys", "rotate", "--data-dir", install.arg()],
        "corrupt",
    );
}

#[test]
fn another_installations_key_file_is_refused() {
    let (install, other) = (Install::new(), Install::new());
    std::fs::copy(other.key_file(), install.key_file()).expect("copy");
    assert_refused(
        &install,
        &["audit", "verify", "--data-dir", install.arg()],
        "does not belong to this database",
    );
    assert_refused(
        &install,
        &[
            "erase",
            "--data-dir",
            install.arg(),
            "--survivor",
            "3f0e1c9e-1111-4222-8333-444455556666",
        ],
        "does not belong",
    );
}

#[cfg(unix)]
#[test]
fn a_key_file_readable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let install = Install::new();
    std::fs::set_permissions(install.key_file(), std::fs::Permissions::from_mode(0o644))
        .expect("chmod");
    assert_refused(
        &install,
        &[
            "serve",
            "--data-dir",
            install.arg(),
            "--listen",
            "127.0.0.1:0",
        ],
        "readable by group or others",
    );
}

#[tokio::test]
async fn a_newer_schema_is_refused_untouched() -> TestResult {
    let install = Install::new();
    let mut conn = sqlite_conn(&install).await;
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99999, 'from the future', 1, x'00', 0)")
        .execute(&mut conn)
        .await?;
    use sqlx::Connection;
    conn.close().await?;
    assert_refused(
        &install,
        &["audit", "verify", "--data-dir", install.arg()],
        "newer than this haven binary supports",
    );
    Ok(())
}

#[test]
fn an_unreachable_database_is_a_clear_error() {
    let install = Install::new();
    let started = std::time::Instant::now();
    assert_refused(
        &install,
        &[
            "audit",
            "verify",
            "--data-dir",
            install.arg(),
            "--database",
            "postgres://haven@127.0.0.1:9/haven",
        ],
        "unreachable",
    );
    assert!(
        started.elapsed().as_secs() < 30,
        "the error should come quickly"
    );
}

#[test]
fn a_database_url_of_another_kind_is_refused() {
    let install = Install::new();
    assert_refused(
        &install,
        &[
            "audit",
            "verify",
            "--data-dir",
            install.arg(),
            "--database",
            "mysql://x@127.0.0.1/haven",
        ],
        "postgres://",
    );
}

#[test]
fn init_twice_refuses_and_keeps_the_key_file() {
    let install = Install::new();
    let key = std::fs::read(install.key_file()).expect("key");
    assert_refused(
        &install,
        &["init", "--data-dir", install.arg()],
        "already initialised",
    );
    assert_eq!(std::fs::read(install.key_file()).expect("key"), key);
}

#[test]
fn erase_with_a_malformed_id_says_so() {
    let install = Install::new();
    assert_refused(
        &install,
        &["erase", "--data-dir", install.arg(), "--survivor", "Maria"],
        "must be a survivor id",
    );
}
