//! Organisations, accounts and API tokens from the command line.

use crate::support::*;
use haven_core::CoreError;

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn refused(args: &[&str], expect: &str) {
    let out = run(args);
    assert_eq!(out.status.code(), Some(1), "{args:?} should fail");
    assert!(stderr(&out).contains(expect), "{args:?}: {}", stderr(&out));
}

#[test]
fn init_can_bootstrap_the_first_organisation_and_admin() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path().join("install");
    let d = d.to_str().expect("path");
    let weak = haven()
        .args([
            "init",
            "--data-dir",
            d,
            "--admin-email",
            "admin@example.org",
            "--org",
            "Harbour",
        ])
        .env("HAVEN_ADMIN_PASSWORD", "harbour2026!!")
        .output()
        .expect("runs");
    assert_eq!(weak.status.code(), Some(1));
    assert!(
        stderr(&weak).contains("name of the organisation"),
        "{}",
        stderr(&weak)
    );
    let good = haven()
        .args([
            "init",
            "--data-dir",
            &format!("{d}-2"),
            "--admin-email",
            "admin@example.org",
            "--org",
            "Harbour",
        ])
        .env("HAVEN_ADMIN_PASSWORD", "correct horse battery staple")
        .output()
        .expect("runs");
    assert!(good.status.success(), "{}", stderr(&good));
    assert!(stdout(&good).contains("admin admin@example.org of Harbour created"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_and_tokens_are_managed_from_the_command_line() -> TestResult {
    let install = Install::new();
    let d = install.arg();
    ok(&[
        "org",
        "add",
        "--data-dir",
        d,
        "--name",
        "Riverside Safe House",
        "--kind",
        "shelter",
    ]);
    refused(
        &[
            "org",
            "add",
            "--data-dir",
            d,
            "--name",
            "Riverside Safe House",
            "--kind",
            "shelter",
        ],
        "already exists",
    );
    refused(
        &[
            "org",
            "add",
            "--data-dir",
            d,
            "--name",
            "X",
            "--kind",
            "spaceship",
        ],
        "unknown organisation kind",
    );
    refused(
        &[
            "user",
            "add",
            "--data-dir",
            d,
            "--org",
            "Nowhere",
            "--email",
            "a@example.org",
            "--role",
            "clinician",
        ],
        "no organisation",
    );
    refused(
        &[
            "user",
            "add",
            "--data-dir",
            d,
            "--org",
            "Riverside Safe House",
            "--email",
            "a@example.org",
            "--role",
            "wizard",
        ],
        "unknown role",
    );
    let out = ok(&[
        "user",
        "add",
        "--data-dir",
        d,
        "--org",
        "Riverside Safe House",
        "--email",
        "coord@example.org",
        "--role",
        "shelter_coordinator",
        "--role",
        "case_manager",
    ]);
    let password = out.lines().last().unwrap_or_default().trim().to_owned();
    assert!(password.len() >= 32, "a strong one-time password");
    refused(
        &[
            "token",
            "create",
            "--data-dir",
            d,
            "--user",
            "coord@example.org",
            "--name",
            "sync",
        ],
        "no second factor",
    );

    // Enrol in-process, as the enrolment page would.
    let haven = install.open().await;
    let session = haven.login("coord@example.org", &password, "").await?;
    let auth = haven.authenticate_session(&session.token).await?;
    let enrolment = haven.begin_totp(&auth)?;
    let secret = base32_decode(&enrolment.secret_base32);
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    let (enrolled, _codes) = haven
        .confirm_totp(
            &auth,
            &enrolment.sealed,
            &haven_crypto::totp::code(&secret, now).ok_or("code")?,
        )
        .await?;
    assert!(
        haven
            .authenticate_session(&enrolled.token)
            .await?
            .mfa_verified()
    );

    let out = ok(&[
        "token",
        "create",
        "--data-dir",
        d,
        "--user",
        "coord@example.org",
        "--name",
        "sync",
    ]);
    let token = out.lines().last().unwrap_or_default().trim().to_owned();
    assert!(token.starts_with("haven_pat_"));
    let id = out
        .split("token ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .ok_or("id")?
        .to_owned();
    assert_eq!(
        haven.authenticate_bearer(&token).await?.staff.email,
        "coord@example.org"
    );
    ok(&[
        "token",
        "revoke",
        "--data-dir",
        d,
        "--user",
        "coord@example.org",
        "--id",
        &id,
    ]);
    assert!(matches!(
        haven.authenticate_bearer(&token).await,
        Err(CoreError::Unauthenticated)
    ));
    refused(
        &[
            "token",
            "revoke",
            "--data-dir",
            d,
            "--user",
            "coord@example.org",
            "--id",
            &id,
        ],
        "no such live token",
    );

    let out = ok(&[
        "user",
        "reset-password",
        "--data-dir",
        d,
        "--email",
        "coord@example.org",
    ]);
    let new_password = out.lines().last().unwrap_or_default().trim().to_owned();
    assert!(new_password.len() >= 32 && new_password != password);
    assert!(
        matches!(
            haven.authenticate_session(&enrolled.token).await,
            Err(CoreError::Unauthenticated)
        ),
        "a password reset ends the sessions"
    );
    let password = new_password;

    ok(&[
        "user",
        "reset-mfa",
        "--data-dir",
        d,
        "--email",
        "coord@example.org",
    ]);
    // Without a factor, the password alone reaches only enrolment again.
    let again = haven.login("coord@example.org", &password, "").await?;
    assert!(!again.mfa_verified);
    ok(&[
        "user",
        "disable",
        "--data-dir",
        d,
        "--email",
        "coord@example.org",
    ]);
    assert!(matches!(
        haven.login("coord@example.org", &password, "").await,
        Err(CoreError::LoginFailed)
    ));
    refused(
        &[
            "user",
            "disable",
            "--data-dir",
            d,
            "--email",
            "ghost@example.org",
        ],
        "no such account",
    );
    haven.store().close().await;
    Ok(())
}
