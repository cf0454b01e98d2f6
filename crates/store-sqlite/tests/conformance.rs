//! The store conformance suite on SQLite (always runs).

use haven_store_sqlite::{OpenMode, SqlitePaths, SqliteStore};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn fresh() -> Result<Option<SqliteStore>, Error> {
    // Kept past the test: stores are small and live under the OS's temporary directory.
    let dir = tempfile::tempdir()?.keep();
    Ok(Some(
        SqliteStore::open(&SqlitePaths::in_data_dir(&dir), OpenMode::Create).await?,
    ))
}

haven_store::conformance_tests!(fresh);

// SQLite only: the case-view reads run on rusqlite connections beside sqlx's writer.

/// A second store on the same files stands in for a second process: what one commits, the
/// other's next read sees, and a closed store answers no more reads.
#[tokio::test]
async fn reads_on_the_calling_task_see_every_commit_and_stop_at_close() -> Result<(), Error> {
    use haven_store::Store;
    use haven_store::conformance::{org, user};
    let dir = tempfile::tempdir()?;
    let paths = SqlitePaths::in_data_dir(dir.path());
    let first = SqliteStore::open(&paths, OpenMode::Create).await?;
    first.migrate().await?;
    let second = SqliteStore::open(&paths, OpenMode::Existing).await?;
    let o = org(1);
    first.insert_org(&o, b"org").await?;
    for n in 0..20 {
        let u = user(n, &o);
        assert_eq!(second.user(u.id).await?, None);
        first.insert_user(&u, b"user").await?;
        assert_eq!(second.user(u.id).await?, Some(u.clone()));
        assert_eq!(second.user_by_email(&u.email).await?, Some(u));
    }
    second.close().await;
    let after = second.user(user(0, &o).id).await;
    assert!(
        matches!(after, Err(haven_store::StoreError::Unavailable(_))),
        "{after:?}"
    );
    assert!(first.user(user(0, &o).id).await?.is_some());
    Ok(())
}

/// Two stores on the same files (two processes) appending at once keep one gapless chain:
/// each store's group commit writes onto the head it last saw only if nobody moved it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_appending_share_one_chain() -> Result<(), Error> {
    use haven_domain::audit::ChainVerifier;
    use haven_store::Store;
    let dir = tempfile::tempdir()?;
    let paths = SqlitePaths::in_data_dir(dir.path());
    let first = SqliteStore::open(&paths, OpenMode::Create).await?;
    first.migrate().await?;
    let second = SqliteStore::open(&paths, OpenMode::Existing).await?;
    let mut tasks = Vec::new();
    for (n, store) in [first.clone(), second.clone()].into_iter().enumerate() {
        for t in 0..4 {
            let s = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..30 {
                    s.append_audit(format!("store {n} task {t} entry {i}").as_bytes())
                        .await?;
                }
                Ok::<_, haven_store::StoreError>(())
            }));
        }
    }
    for t in tasks {
        t.await??;
    }
    let mut v = ChainVerifier::default();
    for r in first.audit_page(0, 1000).await? {
        v.push(r.seq, &r.body, &r.hash)?;
    }
    assert_eq!(v.head().size, 240);
    assert_eq!(v.head(), second.audit_head().await?);
    Ok(())
}
