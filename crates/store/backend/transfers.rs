// Shared by haven-store-sqlite and haven-store-postgres through `include!` (see README.md
// here): the same SQL ($n placeholders, which both databases accept) over each backend's
// types, which the including module names DbStore, Db, DbRow and DbConn, with its pools
// behind writer(store) and reader(store).
use crate::db::{DbConn, DbRow, DbStore, reader};
use haven_store::sqlx_support::get;
use crate::cases::commit_with_event;
use crate::convert;
use haven_domain::{CaseId, OrgId, TransferId, UserId};
use haven_store::{CaseEvent, MovedRecord, StoreError, TransferRow};
use uuid::Uuid;

const COLUMNS: &str =
    "id, case_id, from_org_id, to_org_id, state, created_by, created_at, decided_by, decided_at";

fn transfer_row(r: &DbRow) -> Result<TransferRow, StoreError> {
    Ok(TransferRow {
        id: TransferId::from_uuid(get(r, "id")?),
        case: CaseId::from_uuid(get(r, "case_id")?),
        from_org: OrgId::from_uuid(get(r, "from_org_id")?),
        to_org: OrgId::from_uuid(get(r, "to_org_id")?),
        state: get(r, "state")?,
        created_by: UserId::from_uuid(get(r, "created_by")?),
        created_at: get(r, "created_at")?,
        decided_by: get::<Option<Uuid>, _>(r, "decided_by")?.map(UserId::from_uuid),
        decided_at: get(r, "decided_at")?,
    })
}

pub(crate) async fn insert(
    store: &DbStore,
    t: &TransferRow,
    event: &CaseEvent,
    body: &[u8],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    crate::cases::hold_case(&mut tx, t.case, t.from_org).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO case_transfers ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )))
    .bind(t.id.as_uuid())
    .bind(t.case.as_uuid())
    .bind(t.from_org.as_uuid())
    .bind(t.to_org.as_uuid())
    .bind(&t.state)
    .bind(t.created_by.as_uuid())
    .bind(t.created_at)
    .bind(t.decided_by.map(|u| *u.as_uuid()))
    .bind(t.decided_at)
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?;
    commit_with_event(tx, event, body).await
}

pub(crate) async fn one(
    store: &DbStore,
    id: TransferId,
) -> Result<Option<TransferRow>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM case_transfers WHERE id = $1"
    )))
    .bind(id.as_uuid())
    .fetch_optional(reader(store))
    .await
    .map_err(convert::error)?;
    row.as_ref().map(transfer_row).transpose()
}

pub(crate) async fn of_org(
    store: &DbStore,
    org: OrgId,
    limit: u32,
) -> Result<Vec<TransferRow>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM case_transfers WHERE to_org_id = $1 OR from_org_id = $2 \
         ORDER BY created_at DESC, id LIMIT $3"
    )))
    .bind(org.as_uuid())
    .bind(org.as_uuid())
    .bind(i64::from(limit))
    .fetch_all(reader(store))
    .await
    .map_err(convert::error)?;
    rows.iter().map(transfer_row).collect()
}

/// Rewrites one ciphertext that the transfer read; `Stale` if its row is gone.
async fn set(
    conn: &mut DbConn,
    sql: &'static str,
    value: &[u8],
    id: &Uuid,
) -> Result<(), StoreError> {
    let written = sqlx::query(sql)
        .bind(value)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(convert::error)?
        .rows_affected();
    if written == 1 {
        Ok(())
    } else {
        Err(StoreError::Stale("a record the transfer read"))
    }
}

/// How many rows `count` (`SELECT COUNT(*) … WHERE case_id = $1`) finds over `cases`.
async fn count_over(
    conn: &mut DbConn,
    count: &'static str,
    cases: &[CaseId],
) -> Result<usize, StoreError> {
    let mut total = 0;
    for case in cases {
        let n: i64 = sqlx::query_scalar(count)
            .bind(case.as_uuid())
            .fetch_one(&mut *conn)
            .await
            .map_err(convert::error)?;
        total += usize::try_from(n).unwrap_or(usize::MAX);
    }
    Ok(total)
}

/// Moves the record, but only over what the transfer read (see [`MovedRecord`]). On
/// PostgreSQL the row locks come in a fixed order: the survivor's row first, as an edit of
/// the record takes it before it touches the cases, then the cases. Once the cases are
/// taken, a write still holding one of them (`cases::hold_case`) has finished before the
/// counts below look, and a later one finds the case moved.
async fn move_record(conn: &mut DbConn, m: &MovedRecord) -> Result<(), StoreError> {
    let stale = || StoreError::Stale("the record the transfer read");
    let f = &m.fields;
    let moved = sqlx::query(
        "UPDATE survivors SET org_id = $1, pseudonym = $2, legal_name = $3, aliases = $4, date_of_birth = $5, \
         phone = $6, email = $7, safe_contact = $8, details = $9 \
         WHERE id = $10 AND org_id = $11 AND pseudonym = $12",
    )
    .bind(m.to_org.as_uuid())
    .bind(&f.pseudonym)
    .bind(&f.legal_name)
    .bind(&f.aliases)
    .bind(&f.date_of_birth)
    .bind(&f.phone)
    .bind(&f.email)
    .bind(&f.safe_contact)
    .bind(&f.details)
    .bind(m.survivor.as_uuid())
    .bind(m.from_org.as_uuid())
    .bind(&m.pseudonym_read)
    .execute(&mut *conn)
    .await
    .map_err(convert::error)?
    .rows_affected();
    if moved != 1 {
        return Err(stale());
    }
    for case in &m.cases {
        let moved = sqlx::query("UPDATE cases SET org_id = $1 WHERE id = $2 AND org_id = $3")
            .bind(m.to_org.as_uuid())
            .bind(case.as_uuid())
            .bind(m.from_org.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(convert::error)?
            .rows_affected();
        if moved != 1 {
            return Err(stale());
        }
    }
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE survivor_id = $1 AND org_id = $2")
            .bind(m.survivor.as_uuid())
            .bind(m.from_org.as_uuid())
            .fetch_one(&mut *conn)
            .await
            .map_err(convert::error)?;
    if left != 0 {
        return Err(stale());
    }
    for case in &m.cases {
        sqlx::query("DELETE FROM case_team WHERE case_id = $1")
            .bind(case.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(convert::error)?;
        for member in &m.team {
            sqlx::query(crate::cases::ADD_MEMBER)
                .bind(case.as_uuid())
                .bind(member.as_uuid())
                .execute(&mut *conn)
                .await
                .map_err(convert::error)?;
        }
    }
    for (id, body) in &m.notes {
        set(conn, "UPDATE notes SET body = $1 WHERE id = $2", body, id.as_uuid()).await?;
    }
    for (id, title) in &m.tasks {
        set(conn, "UPDATE tasks SET title = $1 WHERE id = $2", title, id.as_uuid()).await?;
    }
    for (id, title) in &m.goals {
        set(conn, "UPDATE case_goals SET title = $1 WHERE id = $2", title, id.as_uuid()).await?;
    }
    for (id, body) in &m.messages {
        set(conn, "UPDATE case_messages SET body = $1 WHERE id = $2", body, id.as_uuid()).await?;
    }
    for (id, name) in &m.adversaries {
        set(conn, "UPDATE adversaries SET name = $1 WHERE id = $2", name, id.as_uuid()).await?;
    }
    // Each listed row was rewritten above; any more under these cases was written after the
    // transfer read them, sealed for the sender.
    let listed = [
        ("SELECT COUNT(*) FROM notes WHERE case_id = $1", m.notes.len()),
        ("SELECT COUNT(*) FROM tasks WHERE case_id = $1", m.tasks.len()),
        ("SELECT COUNT(*) FROM case_goals WHERE case_id = $1", m.goals.len()),
        ("SELECT COUNT(*) FROM case_messages WHERE case_id = $1", m.messages.len()),
        ("SELECT COUNT(*) FROM adversaries WHERE case_id = $1", m.adversaries.len()),
    ];
    for (count, len) in listed {
        if count_over(conn, count, &m.cases).await? != len {
            return Err(stale());
        }
    }
    // A release is the old owner's to give; with the record gone from it, each ends.
    sqlx::query(
        "UPDATE consents SET revoked_at = $1, revoked_by = $2, revocation_channel = 'transfer' \
         WHERE survivor_id = $3 AND revoked_at IS NULL",
    )
    .bind(m.at)
    .bind(m.by.as_uuid())
    .bind(m.survivor.as_uuid())
    .execute(&mut *conn)
    .await
    .map_err(convert::error)?;
    Ok(())
}

pub(crate) async fn decide(
    store: &DbStore,
    t: &TransferRow,
    moved: Option<&MovedRecord>,
    event: &CaseEvent,
    body: &[u8],
) -> Result<bool, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    let done = sqlx::query(
        "UPDATE case_transfers SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND state = 'proposed'",
    )
    .bind(&t.state)
    .bind(t.decided_by.map(|u| *u.as_uuid()))
    .bind(t.decided_at)
    .bind(t.id.as_uuid())
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?
    .rows_affected();
    if done != 1 {
        return Ok(false);
    }
    if let Some(m) = moved {
        move_record(&mut tx, m).await?;
    }
    commit_with_event(tx, event, body).await?;
    Ok(true)
}
