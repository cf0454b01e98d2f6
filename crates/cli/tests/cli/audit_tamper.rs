//! The audit log is tamper-evident (security.md §7 E 30–31): editing, deleting, reordering
//! or inserting any single row directly in the database makes `haven audit verify` exit 3
//! and name the entry; a log rolled back or rewritten below an exported checkpoint is
//! caught with that checkpoint even when the insider re-chained every hash.

use crate::support::*;
use haven_core::system;
use haven_domain::audit::{ChainHash, ChainHead, chain_hash};
use haven_store::Store;
use sqlx::{Connection, Row};

/// An installation with a dozen audit entries; returns it with the entry count.
async fn with_history() -> Result<(Install, u64), Box<dyn std::error::Error>> {
    let install = Install::new();
    let haven = install.open().await;
    let org = haven.create_org(system("test"), "NGO", "ngo").await?;
    for n in 0..5 {
        let id = haven
            .create_survivor(system("test"), org, &canary_profile(n).0)
            .await?;
        haven.read_survivor_as_operator("test", id).await?;
    }
    let size = haven.store().audit_head().await?.size;
    haven.store().close().await;
    Ok((install, size))
}

/// Runs raw SQL as an insider would: triggers dropped first.
async fn tamper(install: &Install, statements: &[&'static str]) -> TestResult {
    let mut conn = sqlite_conn(install).await;
    sqlx::query("DROP TRIGGER IF EXISTS audit_log_no_update")
        .execute(&mut conn)
        .await?;
    sqlx::query("DROP TRIGGER IF EXISTS audit_log_no_delete")
        .execute(&mut conn)
        .await?;
    for s in statements {
        sqlx::query(*s).execute(&mut conn).await?;
    }
    conn.close().await?;
    Ok(())
}

fn verify(install: &Install, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["audit", "verify", "--data-dir", install.arg()];
    args.extend_from_slice(extra);
    let out = run(&args);
    (out.status.code(), stderr(&out) + &stdout(&out))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untouched_log_verifies() -> TestResult {
    let (install, size) = with_history().await?;
    let (code, text) = verify(&install, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(&format!("{size} entries")));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_refuses_updates_and_deletes_through_sql() -> TestResult {
    let (install, _) = with_history().await?;
    let mut conn = sqlite_conn(&install).await;
    assert!(
        sqlx::query("UPDATE audit_log SET body = x'00' WHERE seq = 2")
            .execute(&mut conn)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM audit_log WHERE seq = 2")
            .execute(&mut conn)
            .await
            .is_err()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_single_row_tampering_is_named() -> TestResult {
    let cases: &[(&str, &[&'static str], &str)] = &[
        (
            "edit",
            &[
                "UPDATE audit_log SET body = CAST(replace(CAST(body AS TEXT), '\"allow\"', '\"deny\"') AS BLOB) WHERE seq = 5",
            ],
            "audit entry 5 ",
        ),
        (
            "delete",
            &["DELETE FROM audit_log WHERE seq = 5"],
            "audit entry 5 is missing",
        ),
        (
            "delete last",
            &["DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)"],
            "head records",
        ),
        (
            "reorder",
            &[
                "UPDATE audit_log SET seq = -1 WHERE seq = 4",
                "UPDATE audit_log SET seq = 4 WHERE seq = 5",
                "UPDATE audit_log SET seq = 5 WHERE seq = -1",
            ],
            "audit entry 4 ",
        ),
        (
            "insert",
            &[
                "UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 5",
                "UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1005",
                "INSERT INTO audit_log (seq, body, hash) SELECT 5, body, hash FROM audit_log WHERE seq = 4",
            ],
            "audit entry 5 ",
        ),
    ];
    for (name, statements, expect) in cases {
        let (install, _) = with_history().await?;
        tamper(&install, statements).await?;
        let (code, text) = verify(&install, &[]);
        assert_eq!(code, Some(3), "{name}: {text}");
        assert!(
            text.contains(expect),
            "{name}: expected {expect:?} in {text}"
        );
    }
    Ok(())
}

/// The insider's full rewrite: recompute every hash and the head so the chain agrees
/// with itself, and drop the stored checkpoints.
async fn rechain(install: &Install) -> TestResult {
    let mut conn = sqlite_conn(install).await;
    sqlx::query("DROP TRIGGER IF EXISTS audit_log_no_update")
        .execute(&mut conn)
        .await?;
    sqlx::query("DELETE FROM audit_checkpoints")
        .execute(&mut conn)
        .await?;
    let rows = sqlx::query("SELECT seq, body FROM audit_log ORDER BY seq")
        .fetch_all(&mut conn)
        .await?;
    let mut head = ChainHead::EMPTY;
    for r in rows {
        let seq: i64 = r.try_get("seq")?;
        let body: Vec<u8> = r.try_get("body")?;
        let hash: ChainHash = chain_hash(seq as u64, &head.hash, &body);
        head = ChainHead {
            size: seq as u64,
            hash,
        };
        sqlx::query("UPDATE audit_log SET hash = ? WHERE seq = ?")
            .bind(&hash.0[..])
            .bind(seq)
            .execute(&mut conn)
            .await?;
    }
    sqlx::query("UPDATE audit_head SET size = ?, hash = ?")
        .bind(head.size as i64)
        .bind(&head.hash.0[..])
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_rolled_back_or_rewritten_below_an_exported_checkpoint_is_caught() -> TestResult {
    for attack in ["rollback", "rewrite"] {
        let (install, size) = with_history().await?;
        let checkpoint = install.path().join("checkpoint.txt");
        let out = run(&[
            "audit",
            "checkpoint",
            "--data-dir",
            install.arg(),
            "--out",
            checkpoint.to_str().ok_or("path")?,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let cp = checkpoint.to_str().ok_or("path")?;
        assert_eq!(verify(&install, &["--checkpoint", cp]).0, Some(0));

        match attack {
            "rollback" => tamper(&install, &["DELETE FROM audit_log WHERE seq > 3"]).await?,
            _ => tamper(&install, &["UPDATE audit_log SET body = CAST(replace(CAST(body AS TEXT), '\"allow\"', '\"deny\"') AS BLOB) WHERE seq = 3"]).await?,
        }
        rechain(&install).await?;
        // The log now agrees with itself …
        assert_eq!(
            verify(&install, &[]).0,
            Some(0),
            "{attack}: the insider's chain is self-consistent"
        );
        // … but not with the checkpoint kept off the machine.
        let (code, text) = verify(&install, &["--checkpoint", cp]);
        assert_eq!(code, Some(3), "{attack}: {text}");
        let expect = if attack == "rollback" {
            format!("covers {size}")
        } else {
            format!("up to {size}")
        };
        assert!(text.contains(&expect), "{attack}: {text}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_or_foreign_checkpoint_is_refused() -> TestResult {
    let (install, _) = with_history().await?;
    let other = Install::new();
    let path = install.path().join("cp.txt");
    let foreign = install.path().join("foreign.txt");
    assert!(
        run(&[
            "audit",
            "checkpoint",
            "--data-dir",
            install.arg(),
            "--out",
            path.to_str().ok_or("p")?
        ])
        .status
        .success()
    );
    assert!(
        run(&[
            "audit",
            "checkpoint",
            "--data-dir",
            other.arg(),
            "--out",
            foreign.to_str().ok_or("p")?
        ])
        .status
        .success()
    );
    let text = std::fs::read_to_string(&path)?;
    let forged = text.replace("size ", "size 1");
    std::fs::write(&path, forged)?;
    let (code, out) = verify(&install, &["--checkpoint", path.to_str().ok_or("p")?]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("invalid signature"), "{out}");
    let (code, out) = verify(&install, &["--checkpoint", foreign.to_str().ok_or("p")?]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("different key"), "{out}");
    Ok(())
}

/// The index of targets the access report reads is checked against the log: a row taken
/// out, pointed elsewhere, cut short or added, or an index that claims more entries than the log has,
/// makes `audit verify` exit 3 naming the entry; `audit reindex` builds it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_of_targets_that_disagrees_with_the_log_is_caught_and_rebuilt() -> TestResult {
    let cases: &[(&str, &[&'static str])] = &[
        (
            "row taken out",
            &["DELETE FROM audit_targets WHERE seq = 4"],
        ),
        (
            "row pointed elsewhere",
            &["UPDATE audit_targets SET target = zeroblob(16) WHERE seq = 4"],
        ),
        (
            "row cut short",
            &["UPDATE audit_targets SET target = x'00' WHERE seq = 4"],
        ),
        (
            "row added",
            &["INSERT INTO audit_targets (seq, target) VALUES (4000, zeroblob(16))"],
        ),
        (
            "covers more than the log",
            &["UPDATE audit_index_head SET size = size + 10"],
        ),
    ];
    for (name, statements) in cases {
        let (install, size) = with_history().await?;
        let haven = install.open().await;
        assert_eq!(haven.catch_up_audit_index().await?, size);
        let indexed: Vec<u64> = haven
            .store()
            .audit_index_rows(0, size)
            .await?
            .iter()
            .map(|(seq, _)| *seq)
            .collect();
        assert!(indexed.contains(&4), "{name}: entry 4 names a record");
        haven.store().close().await;
        let (code, text) = verify(&install, &[]);
        assert_eq!(code, Some(0), "{name}: {text}");
        assert!(text.contains(&format!("over {size} entries")), "{text}");

        tamper(&install, statements).await?;
        let (code, text) = verify(&install, &[]);
        assert_eq!(code, Some(3), "{name}: {text}");
        let entry = match *name {
            "row added" => 4000,
            "covers more than the log" => size + 1,
            _ => 4,
        };
        assert!(
            text.contains(&format!("disagrees with the log at entry {entry}:")),
            "{name}: {text}"
        );

        let out = run(&["audit", "reindex", "--data-dir", install.arg()]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert!(
            stdout(&out).contains(&format!("over {size} entries")),
            "{}",
            stdout(&out)
        );
        // The rebuild is itself an entry, which the next verify finds unindexed, not wrong.
        let (code, text) = verify(&install, &[]);
        assert_eq!(code, Some(0), "{name} rebuilt: {text}");
    }
    Ok(())
}

/// A row put by hand where the next entry will be indexed does not stop the index: the next
/// catch-up takes it out and indexes that entry as its body says, where it used to fail on
/// the row's key (and every access report answered 500 until `audit reindex`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_put_where_the_next_entry_goes_gives_way_to_the_next_catch_up() -> TestResult {
    let (install, size) = with_history().await?;
    let haven = install.open().await;
    assert_eq!(haven.catch_up_audit_index().await?, size);
    haven.store().close().await;
    tamper(
        &install,
        &["INSERT INTO audit_targets (seq, target) \
           SELECT size + 1, zeroblob(16) FROM audit_index_head"],
    )
    .await?;
    let (code, text) = verify(&install, &[]);
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains(&format!("disagrees with the log at entry {}:", size + 1)),
        "{text}"
    );

    let haven = install.open().await;
    let org = haven.create_org(system("test"), "Clinic", "clinic").await?;
    let head = haven.catch_up_audit_index().await?;
    assert!(head > size, "the new entries are indexed");
    let expected: Vec<(u64, uuid::Uuid)> = haven
        .store()
        .audit_page(size, 100)
        .await?
        .iter()
        .filter_map(|r| haven_domain::audit::target_id_of(&r.body).map(|t| (r.seq, t)))
        .collect();
    assert!(
        expected.contains(&(size + 1, *org.as_uuid())),
        "{expected:?}"
    );
    assert_eq!(haven.store().audit_index_rows(size, head).await?, expected);
    haven.store().close().await;
    let (code, text) = verify(&install, &[]);
    assert_eq!(code, Some(0), "{text}");
    Ok(())
}
