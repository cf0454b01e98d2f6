//! Erasure by key destruction (security.md §7 A 2, D 28): after `haven erase`, the
//! survivor's record cannot be read from the live database, nor from a copy of the data
//! taken before the erasure combined with the keystore as it is after it; the audit chain
//! still verifies.

use crate::support::*;
use haven_core::{CoreError, system};
use haven_store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_survivor_cannot_be_read_from_the_live_data_or_an_old_backup() -> TestResult {
    let install = Install::new();
    let haven = install.open().await;
    let org = haven.create_org(system("test"), "NGO", "ngo").await?;
    let gone = haven
        .create_survivor(system("test"), org, &canary_profile(1).0)
        .await?;
    let kept = haven
        .create_survivor(system("test"), org, &canary_profile(2).0)
        .await?;
    let row = haven.store().survivor(gone).await?.ok_or("row")?;
    let wrapped = haven
        .store()
        .data_key(row.key_id)
        .await?
        .ok_or("key")?
        .wrapped;
    let legal_name_ct = row.fields.legal_name.clone().ok_or("ciphertext")?;
    haven.store().close().await;

    // The backup: the data database as it was before the erasure.
    let backup = install.path().join("backup-before-erase.db");
    std::fs::copy(install.path().join("db/haven.db"), &backup)?;

    let out = run(&[
        "erase",
        "--data-dir",
        install.arg(),
        "--survivor",
        &gone.to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains(CANARY_PREFIX));

    // Live: not found, and neither the wrapped key nor the ciphertext is in the live files.
    let haven = install.open().await;
    assert!(matches!(
        haven.read_survivor_as_operator("test", gone).await,
        Err(CoreError::NotFound)
    ));
    assert!(haven.read_survivor_as_operator("test", kept).await.is_ok());
    assert_eq!(
        haven
            .survivor_candidates(
                haven_core::survivor_index::IndexedField::LegalName,
                &format!("{CANARY_PREFIX}-legal-000001"),
                10
            )
            .await?,
        vec![]
    );
    haven.store().close().await;
    assert_eq!(
        files_containing(&install.path().join("keystore"), &wrapped),
        Vec::<std::path::PathBuf>::new()
    );
    assert_eq!(
        files_containing(&install.path().join("db"), &legal_name_ct),
        Vec::<std::path::PathBuf>::new()
    );

    let verify = run(&["audit", "verify", "--data-dir", install.arg()]);
    assert!(verify.status.success(), "{}", stderr(&verify));

    // Old data + current keystore: the row is back, its key is not.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(install.path().join(format!("db/haven.db{suffix}")));
    }
    std::fs::copy(&backup, install.path().join("db/haven.db"))?;
    let haven = install.open().await;
    assert!(
        haven.store().survivor(gone).await?.is_some(),
        "the backup holds the row"
    );
    let read = haven.read_survivor_as_operator("test", gone).await;
    assert!(read.is_err(), "an erased survivor was read from a backup");
    assert!(
        haven.read_survivor_as_operator("test", kept).await.is_ok(),
        "others restore fine"
    );
    haven.store().close().await;
    Ok(())
}

#[test]
fn erasing_an_unknown_survivor_says_so() {
    let install = Install::new();
    let out = run(&[
        "erase",
        "--data-dir",
        install.arg(),
        "--survivor",
        "3f0e1c9e-1111-4222-8333-444455556666",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no survivor"));
}
