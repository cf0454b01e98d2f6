//! The store conformance suite on PostgreSQL. Runs when `HAVEN_TEST_POSTGRES_URL` is set
//! (each story in a database of its own); with `HAVEN_REQUIRE_POSTGRES=1` a missing URL
//! fails instead of skipping, so CI cannot pass by silently not testing PostgreSQL.
//! After the shared stories, the ones about how PostgreSQL itself keeps rows.

use haven_domain::{CaseId, NoteId};
use haven_store::{CaseChange, CaseEvent, CaseRow, NoteRow, Store, StoreError, UserRow};
use haven_store_postgres::PgStore;
use rand::Rng;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::str::FromStr;

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn fresh() -> Result<Option<PgStore>, Error> {
    Ok(fresh_database().await?.map(|(store, _)| store))
}

/// A store in a new database, and a connection of its own to that database.
async fn fresh_database() -> Result<Option<(PgStore, PgConnection)>, Error> {
    let Ok(url) = std::env::var("HAVEN_TEST_POSTGRES_URL") else {
        if std::env::var("HAVEN_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            return Err("HAVEN_REQUIRE_POSTGRES=1 but HAVEN_TEST_POSTGRES_URL is not set".into());
        }
        eprintln!("skipping: HAVEN_TEST_POSTGRES_URL is not set");
        return Ok(None);
    };
    let admin = PgConnectOptions::from_str(&url)?;
    let name = format!("haven_t_{:016x}", rand::rng().random::<u64>());
    let mut conn = PgConnection::connect_with(&admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    let own = PgConnection::connect_with(&admin.clone().database(&name)).await?;
    Ok(Some((
        PgStore::connect_with(admin.database(&name)).await?,
        own,
    )))
}

haven_store::conformance_tests!(fresh);

/// A new store holding one case, opened when its survivor was taken in, whose team is the
/// organisation's first `members` users (`conformance::user`); and a connection of the
/// test's own to the same database.
async fn one_case(
    members: u32,
) -> Result<Option<(PgStore, PgConnection, CaseRow, Vec<UserRow>)>, Error> {
    use haven_store::conformance::{key, org, survivor, user};
    let Some((store, own)) = fresh_database().await? else {
        return Ok(None);
    };
    store.migrate().await?;
    let o = org(1);
    store.insert_org(&o, b"org").await?;
    let team: Vec<UserRow> = (1..=members).map(|n| user(n, &o)).collect();
    for u in &team {
        store.insert_user(u, b"user").await?;
    }
    let k = key(1, 1);
    store.insert_data_keys(std::slice::from_ref(&k)).await?;
    let s = survivor(1, &o, &k);
    store.insert_survivor(&s, b"survivor").await?;
    let case = CaseRow::opened(
        CaseId::from_random_bytes([0xf1; 16]),
        s.id,
        o.id,
        s.created_at,
    );
    let opened = CaseEvent {
        case: case.id,
        at: case.created_at,
        kind: "opened".into(),
        actor: Some(team[0].id),
        detail: "intake".into(),
    };
    let ids: Vec<_> = team.iter().map(|u| u.id).collect();
    store
        .insert_case(&case, case.org, &ids, &opened, b"case")
        .await?;
    Ok(Some((store, own, case, team)))
}

/// Starts `read` on a task of its own while `own` holds `table` locked, in a transaction left
/// open for the test to write in and commit, and returns once `read` waits on that lock.
async fn held_at<T: Send + 'static>(
    own: &mut PgConnection,
    table: &str,
    read: impl std::future::Future<Output = T> + Send + 'static,
) -> Result<tokio::task::JoinHandle<T>, Error> {
    sqlx::query("BEGIN").execute(&mut *own).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"
    )))
    .execute(&mut *own)
    .await?;
    let task = tokio::spawn(read);
    let mut waited = 0;
    while sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = $1::regclass",
    )
    .bind(table)
    .fetch_one(&mut *own)
    .await?
        == 0
    {
        waited += 1;
        assert!(waited < 500, "the read never reached {table}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    Ok(task)
}

/// A case's timeline reads in the order it was written even where events share an instant
/// (intake writes several in one transaction) and the rows no longer lie in that order:
/// PostgreSQL returns ties in whatever order it finds them, and rewriting a row (as vacuum
/// and updates do) moves it.
#[tokio::test]
async fn a_timeline_keeps_its_order_wherever_postgres_keeps_the_rows() -> Result<(), Error> {
    let Some((store, mut own, case, team)) = one_case(1).await? else {
        return Ok(());
    };
    let event = |kind: &str| CaseEvent {
        case: case.id,
        at: case.created_at,
        kind: kind.into(),
        actor: Some(team[0].id),
        detail: kind.into(),
    };
    for (n, kind) in [(1u8, "first"), (2, "second")] {
        let note = NoteRow {
            id: NoteId::from_random_bytes([n; 16]),
            case: case.id,
            category: "general".into(),
            author: team[0].id,
            created_at: case.created_at,
            body: vec![n; 40],
        };
        store
            .insert_note(&note, case.org, &event(kind), b"note")
            .await?;
    }
    // Moved away and back: the row, and its index entry, now come after the others'.
    for step in ["+", "-"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE case_events SET at = at {step} interval '1 second' WHERE kind = 'opened'"
        )))
        .execute(&mut own)
        .await?;
    }
    let kinds: Vec<String> = store
        .case_events(case.id)
        .await?
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["opened", "first", "second"]);
    Ok(())
}

/// A case view reads the case, its team and what it shows in one snapshot, so the policy
/// decides on the team the contents were read with. Here the view's read of the notes
/// waits on a lock while another transaction takes the reader off the team and writes a
/// note: the view must show the team and the notes as they were together, without the
/// note written after the reader left.
#[tokio::test]
async fn a_case_view_reads_its_team_and_contents_in_one_snapshot() -> Result<(), Error> {
    let Some((store, mut own, case, team)) = one_case(2).await? else {
        return Ok(());
    };
    let (cm, reader) = (&team[0], &team[1]);
    // Until the view waits on the lock: it has read the case and its team.
    let view = held_at(&mut own, "notes", {
        let store = store.clone();
        async move {
            store
                .case_view(case.id, haven_store::HistoryWindow::All)
                .await
        }
    })
    .await?;
    sqlx::query("DELETE FROM case_team WHERE case_id = $1 AND user_id = $2")
        .bind(case.id.as_uuid())
        .bind(reader.id.as_uuid())
        .execute(&mut own)
        .await?;
    sqlx::query(
        "INSERT INTO notes (id, case_id, category, author, created_at, body) \
         VALUES (gen_random_uuid(), $1, 'general', $2, now(), '\\x00')",
    )
    .bind(case.id.as_uuid())
    .bind(cm.id.as_uuid())
    .execute(&mut own)
    .await?;
    sqlx::query("COMMIT").execute(&mut own).await?;

    let seen = view.await??.ok_or("the case")?;
    assert!(seen.team.contains(&reader.id), "the team as it was read");
    let notes = seen.contents.ok_or("contents")?.notes;
    assert!(
        notes.is_empty(),
        "a note written after the reader left the team was shown with the team they were on"
    );
    Ok(())
}

/// A dashboard reads each case with its team and its tasks in one snapshot, as a case view
/// does. Here the board's read of the tasks waits on a lock while another transaction takes
/// the member off the team and adds a task: the board must show the team and the tasks as
/// they were together, without the task added after the member left.
#[tokio::test]
async fn a_board_reads_each_team_and_its_tasks_in_one_snapshot() -> Result<(), Error> {
    let Some((store, mut own, case, team)) = one_case(2).await? else {
        return Ok(());
    };
    let member = &team[1];
    // Until the board waits on the lock: it has read the case, its team and its record.
    let board = held_at(&mut own, "tasks", {
        let (store, member) = (store.clone(), member.id);
        async move {
            store
                .member_board(member, &haven_store::BoardQuery::newest(10))
                .await
        }
    })
    .await?;
    sqlx::query("DELETE FROM case_team WHERE case_id = $1 AND user_id = $2")
        .bind(case.id.as_uuid())
        .bind(member.id.as_uuid())
        .execute(&mut own)
        .await?;
    sqlx::query(
        "INSERT INTO tasks (id, case_id, title, due_on, created_at) \
         VALUES (gen_random_uuid(), $1, '\\x00', current_date, now())",
    )
    .bind(case.id.as_uuid())
    .execute(&mut own)
    .await?;
    sqlx::query("COMMIT").execute(&mut own).await?;

    let lines = board.await??;
    assert_eq!(lines.len(), 1, "the case as it was when the board began");
    assert!(
        lines[0].team.contains(&member.id),
        "the team as it was read"
    );
    assert!(
        lines[0].tasks.is_empty(),
        "a task added after the member left was shown with the team they were on"
    );
    Ok(())
}

/// A write PostgreSQL aborts to break a deadlock has written nothing, and says so as a stale
/// write (read again, try again: a 409 to the client, a fresh read in a transfer), not as a
/// fault of the server. Here the store's status change holds the case and waits for the
/// audit head, which the test's transaction holds while it goes for the case.
#[tokio::test]
async fn a_write_aborted_to_break_a_deadlock_is_stale() -> Result<(), Error> {
    let Some((store, mut own, case, team)) = one_case(1).await? else {
        return Ok(());
    };
    // The store's write, waiting first and on the default second, is the one PostgreSQL
    // aborts; this connection would wait a minute before looking for the cycle.
    sqlx::query("SET deadlock_timeout = '60s'")
        .execute(&mut own)
        .await?;
    sqlx::query("BEGIN").execute(&mut own).await?;
    sqlx::query("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE")
        .execute(&mut own)
        .await?;
    let events = store.case_events(case.id).await?;
    let writer = store.clone();
    let stepped = CaseEvent {
        case: case.id,
        at: case.created_at,
        kind: "status".into(),
        actor: Some(team[0].id),
        detail: "active".into(),
    };
    let change = CaseChange::Status {
        from: "open".into(),
        to: "active".into(),
        reason: None,
    };
    let write = tokio::spawn(async move {
        writer
            .update_case(case.id, case.org, &change, &stepped, b"status")
            .await
    });
    // A lock this database's sessions wait for: other tests share the server, and the
    // store's wait (on this transaction's id) names no database of its own.
    let mut waited = 0;
    while sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE NOT l.granted AND a.datname = current_database()",
    )
    .fetch_one(&mut own)
    .await?
        == 0
    {
        waited += 1;
        assert!(
            waited < 500,
            "the store's write never waited for the audit head"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    sqlx::query("UPDATE cases SET org_id = org_id WHERE id = $1")
        .bind(case.id.as_uuid())
        .execute(&mut own)
        .await?;
    sqlx::query("ROLLBACK").execute(&mut own).await?;

    let written = write.await?;
    assert!(
        matches!(written, Err(StoreError::Stale(_))),
        "the aborted write is stale, not a server fault: {written:?}"
    );
    assert_eq!(
        store.case(case.id).await?.map(|(c, _)| c.status),
        Some("open".into()),
        "and wrote nothing"
    );
    assert_eq!(store.case_events(case.id).await?, events);
    Ok(())
}
