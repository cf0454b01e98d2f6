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

/// A view's audit entry waits for the data write in progress, not for every data write
/// queued behind it: with ten intakes waiting, an entry used to be written after all ten
/// (reads under write load fell to the write rate, p50 ~40 ms), and is now written after
/// the first. Another process holds the write lock meanwhile, so all ten are queued
/// before the entry is asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_entry_is_written_after_the_write_in_progress_not_the_whole_queue()
-> Result<(), Error> {
    use haven_store::Store;
    use haven_store::conformance::org;
    let dir = tempfile::tempdir()?;
    let paths = SqlitePaths::in_data_dir(dir.path());
    let store = SqliteStore::open(&paths, OpenMode::Create).await?;
    store.migrate().await?;

    let other = rusqlite::Connection::open(&paths.data)?;
    other.execute_batch("BEGIN IMMEDIATE")?;
    let writes: Vec<_> = (0..10)
        .map(|n| {
            let s = store.clone();
            tokio::spawn(async move { s.insert_org(&org(n), b"data write").await })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let view = {
        let s = store.clone();
        tokio::spawn(async move { s.append_audit(b"view").await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    other.execute_batch("COMMIT")?;

    let view = view.await??;
    let mut before = 0;
    for w in writes {
        if w.await?? < view {
            before += 1;
        }
    }
    assert!(
        before <= 2,
        "{before} of 10 queued data writes were written before the view's entry"
    );
    Ok(())
}

/// A batch of entries alone that the database refuses is refused whole: its callers get the
/// error, none of it is stored, and the connection it was sent on writes the next batch.
/// A trigger another connection adds stands in for the refusal (a full disk, say).
#[tokio::test]
async fn a_refused_audit_batch_is_an_error_to_its_callers_and_leaves_nothing() -> Result<(), Error>
{
    use haven_domain::audit::ChainVerifier;
    use haven_store::Store;
    let dir = tempfile::tempdir()?;
    let paths = SqlitePaths::in_data_dir(dir.path());
    let store = SqliteStore::open(&paths, OpenMode::Create).await?;
    store.migrate().await?;
    assert_eq!(store.append_audit(b"first").await?, 1);

    let other = rusqlite::Connection::open(&paths.data)?;
    other.execute_batch(
        "CREATE TRIGGER refuse BEFORE INSERT ON audit_log WHEN NEW.body = CAST('refused' AS BLOB)
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
    )?;
    let refused = store.append_audit(b"refused").await;
    assert!(refused.is_err(), "{refused:?}");
    other.execute_batch("DROP TRIGGER refuse")?;

    assert_eq!(store.append_audit(b"second").await?, 2);
    let mut v = ChainVerifier::default();
    let stored = store.audit_page(0, 10).await?;
    for r in &stored {
        v.push(r.seq, &r.body, &r.hash)?;
    }
    let bodies: Vec<&[u8]> = stored.iter().map(|r| &r.body[..]).collect();
    assert_eq!(bodies, [&b"first"[..], &b"second"[..]]);
    assert_eq!(v.head(), store.audit_head().await?);
    Ok(())
}
