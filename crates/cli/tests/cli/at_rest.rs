//! No plaintext at rest (security.md §7 A 1): 10,000 survivors with a canary in every
//! personal field leave zero canary bytes in any file of the data directory — database,
//! WAL, shared memory, keystore, logs.

use crate::support::*;
use haven_core::system;

pub const SURVIVORS: u32 = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_survivors_leave_no_canary_in_any_file() -> TestResult {
    let install = Install::new();
    let haven = install.open().await;
    let org = haven
        .create_org(system("test"), "Canary NGO", "ngo")
        .await?;
    let mut first = None;
    for n in 0..SURVIVORS {
        let (profile, _) = canary_profile(n);
        let id = haven.create_survivor(system("test"), org, &profile).await?;
        first.get_or_insert(id);
    }
    // The canaries really went in: the first record decrypts to them.
    let back = haven
        .read_survivor_as_operator("test", first.ok_or("no survivor")?)
        .await?;
    assert_eq!(
        back.profile.legal_name.as_ref().map(|t| t.as_str()),
        Some(format!("{CANARY_PREFIX}-legal-000000").as_str())
    );

    // A running server writes its log into the same directory.
    let (server, addr) = crate::serve::serve(&install)?;
    let (status, _, _) = crate::serve::get(&addr, "/readyz")?;
    assert_eq!(status, 200);
    drop(server);

    // Scan while the store is open, so the -wal and -shm files exist.
    let files = crate::support::snapshot(install.path());
    assert!(
        files.iter().any(|(p, _)| p.ends_with("haven.db-wal")),
        "the WAL is scanned too"
    );
    assert!(
        files.iter().any(|(p, _)| p.ends_with("haven.log"))
            || install.path().join("logs/haven.log").exists()
    );
    let hits = files_containing(install.path(), CANARY_PREFIX.as_bytes());
    assert!(hits.is_empty(), "canaries found in {hits:?}");

    // The scanner itself finds a canary where there is one.
    std::fs::write(
        install.path().join("control.txt"),
        format!("x{CANARY_PREFIX}x"),
    )?;
    assert_eq!(
        files_containing(install.path(), CANARY_PREFIX.as_bytes()).len(),
        1
    );
    haven.store().close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ciphertext_copied_to_another_row_column_or_organisation_fails_to_open() -> TestResult {
    let install = Install::new();
    let haven = install.open().await;
    let org_a = haven.create_org(system("test"), "A", "ngo").await?;
    let org_b = haven.create_org(system("test"), "B", "ngo").await?;
    let a = haven
        .create_survivor(system("test"), org_a, &canary_profile(1).0)
        .await?;
    let b = haven
        .create_survivor(system("test"), org_a, &canary_profile(2).0)
        .await?;
    let c = haven
        .create_survivor(system("test"), org_b, &canary_profile(3).0)
        .await?;
    haven.store().close().await;

    let mut conn = sqlite_conn(&install).await;
    let copy =
        |sql: &'static str, to: uuid::Uuid, from: uuid::Uuid| sqlx::query(sql).bind(from).bind(to);
    // A's legal name into B's row; A's legal name into A's phone; C's pseudonym (other
    // organisation) into A. The organisation binding under one key is covered in haven-crypto.
    copy("UPDATE survivors SET legal_name = (SELECT legal_name FROM survivors WHERE id = ?1) WHERE id = ?2", *b.as_uuid(), *a.as_uuid()).execute(&mut conn).await?;
    copy("UPDATE survivors SET phone = (SELECT legal_name FROM survivors WHERE id = ?1) WHERE id = ?2", *a.as_uuid(), *a.as_uuid()).execute(&mut conn).await?;
    copy("UPDATE survivors SET pseudonym = (SELECT pseudonym FROM survivors WHERE id = ?1) WHERE id = ?2", *a.as_uuid(), *c.as_uuid()).execute(&mut conn).await?;
    drop(conn);

    let haven = install.open().await;
    for id in [a, b] {
        let r = haven.read_survivor_as_operator("test", id).await;
        assert!(
            matches!(r, Err(haven_core::CoreError::Crypto(_))),
            "moved ciphertext opened: {r:?}"
        );
    }
    // C itself is untouched and still opens.
    assert!(haven.read_survivor_as_operator("test", c).await.is_ok());
    haven.store().close().await;
    Ok(())
}
