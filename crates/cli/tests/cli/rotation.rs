//! KEK rotation (security.md §7 A 6): after `haven keys rotate` every record still decrypts
//! and no data key remains wrapped under the old KEK, which is gone from the key file.

use crate::support::*;
use haven_core::{CoreError, Haven, SystemClock, system};
use haven_crypto::OsEntropy;
use haven_crypto::keyfile::KeyFile;
use haven_store::Store;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_rotation_every_record_decrypts_and_no_key_uses_the_old_kek() -> TestResult {
    let install = Install::new();
    let haven = install.open().await;
    let org = haven.create_org(system("test"), "NGO", "ngo").await?;
    let mut ids = Vec::new();
    for n in 0..50 {
        ids.push((
            n,
            haven
                .create_survivor(system("test"), org, &canary_profile(n).0)
                .await?,
        ));
    }
    let before: u64 = haven
        .store()
        .data_keys_by_kek()
        .await?
        .iter()
        .map(|(_, n)| n)
        .sum();
    haven.store().close().await;

    for expected_version in [2u32, 3] {
        let out = run(&["keys", "rotate", "--data-dir", install.arg()]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains(&format!("version {expected_version}")));
        assert_eq!(
            KeyFile::load(&install.key_file())?.kek_versions(),
            vec![expected_version]
        );

        let haven = install.open().await;
        assert_eq!(
            haven.store().data_keys_by_kek().await?,
            vec![(expected_version, before)]
        );
        for (n, id) in &ids {
            let record = haven.read_survivor_as_operator("test", *id).await?;
            assert_eq!(
                record.profile.pseudonym.as_str(),
                format!("{CANARY_PREFIX}-pseudonym-{n:06}")
            );
        }
        haven.store().close().await;
    }
    let verify = run(&["audit", "verify", "--data-dir", install.arg()]);
    assert!(verify.status.success(), "{}", stderr(&verify));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_keks_are_not_retired_while_a_data_key_still_needs_them() -> TestResult {
    let install = Install::new();
    let haven = install.open().await;
    let org = haven.create_org(system("test"), "NGO", "ngo").await?;
    haven
        .create_survivor(system("test"), org, &canary_profile(1).0)
        .await?;
    let store = haven.store().clone();
    // A new KEK that nothing has been rewrapped under yet.
    let mut keys = KeyFile::load(&install.key_file())?;
    keys.add_kek(&OsEntropy);
    let haven = Haven::open(store, keys, Arc::new(SystemClock), Arc::new(OsEntropy)).await?;
    assert!(haven.keys_behind_current().await? > 0);
    assert!(matches!(
        haven.retire_old_keks().await,
        Err(CoreError::RotationIncomplete(_))
    ));
    haven.rewrap_all().await?;
    assert_eq!(haven.retire_old_keks().await?.1, vec![1]);
    haven.store().close().await;
    Ok(())
}
