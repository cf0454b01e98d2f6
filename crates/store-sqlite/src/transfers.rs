//! Transfers of a case's ownership in SQLite. An accepted transfer rewrites the survivor's
//! record and every ciphertext bound to the old owner in one transaction with its decision.

use crate::cases::add_event;
use crate::{SqliteStore, audit, convert};
use haven_domain::{CaseId, OrgId, TransferId, UserId};
use haven_store::{CaseEvent, MovedRecord, StoreError, TransferRow};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

fn get<'r, T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>>(
    r: &'r SqliteRow,
    c: &str,
) -> Result<T, StoreError> {
    r.try_get(c).map_err(convert::error)
}

const COLUMNS: &str =
    "id, case_id, from_org_id, to_org_id, state, created_by, created_at, decided_by, decided_at";

fn transfer_row(r: &SqliteRow) -> Result<TransferRow, StoreError> {
    Ok(TransferRow {
        id: TransferId::from_uuid(get(r, "id")?),
        case: CaseId::from_uuid(get(r, "case_id")?),
        from_org: OrgId::from_uuid(get(r, "from_org_id")?),
        to_org: OrgId::from_uuid(get(r, "to_org_id")?),
        state: get(r, "state")?,
        created_by: UserId::from_uuid(get(r, "created_by")?),
        created_at: get(r, "created_at")?,
        decided_by: get::<Option<Uuid>>(r, "decided_by")?.map(UserId::from_uuid),
        decided_at: get(r, "decided_at")?,
    })
}

pub(crate) async fn insert(
    store: &SqliteStore,
    t: &TransferRow,
    event: &CaseEvent,
    body: &[u8],
) -> Result<(), StoreError> {
    let mut tx = store.writer.begin().await.map_err(convert::error)?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO case_transfers ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
    add_event(&mut tx, event).await?;
    audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)
}

pub(crate) async fn one(
    store: &SqliteStore,
    id: TransferId,
) -> Result<Option<TransferRow>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM case_transfers WHERE id = ?"
    )))
    .bind(id.as_uuid())
    .fetch_optional(&store.reader)
    .await
    .map_err(convert::error)?;
    row.as_ref().map(transfer_row).transpose()
}

pub(crate) async fn of_org(
    store: &SqliteStore,
    org: OrgId,
    limit: u32,
) -> Result<Vec<TransferRow>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM case_transfers WHERE to_org_id = ? OR from_org_id = ? \
         ORDER BY created_at DESC, id LIMIT ?"
    )))
    .bind(org.as_uuid())
    .bind(org.as_uuid())
    .bind(i64::from(limit))
    .fetch_all(&store.reader)
    .await
    .map_err(convert::error)?;
    rows.iter().map(transfer_row).collect()
}

async fn set(
    conn: &mut SqliteConnection,
    sql: &'static str,
    value: &[u8],
    id: &Uuid,
) -> Result<(), StoreError> {
    sqlx::query(sql)
        .bind(value)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(convert::error)?;
    Ok(())
}

async fn move_record(conn: &mut SqliteConnection, m: &MovedRecord) -> Result<(), StoreError> {
    let f = &m.fields;
    sqlx::query(
        "UPDATE survivors SET org_id = ?, pseudonym = ?, legal_name = ?, aliases = ?, date_of_birth = ?, \
         phone = ?, email = ?, safe_contact = ?, details = ? WHERE id = ?",
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
    .execute(&mut *conn)
    .await
    .map_err(convert::error)?;
    for case in &m.cases {
        sqlx::query("UPDATE cases SET org_id = ? WHERE id = ?")
            .bind(m.to_org.as_uuid())
            .bind(case.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(convert::error)?;
        sqlx::query("DELETE FROM case_team WHERE case_id = ?")
            .bind(case.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(convert::error)?;
        for member in &m.team {
            sqlx::query("INSERT INTO case_team (case_id, user_id) VALUES (?, ?)")
                .bind(case.as_uuid())
                .bind(member.as_uuid())
                .execute(&mut *conn)
                .await
                .map_err(convert::error)?;
        }
    }
    for (id, body) in &m.notes {
        set(
            conn,
            "UPDATE notes SET body = ? WHERE id = ?",
            body,
            id.as_uuid(),
        )
        .await?;
    }
    for (id, title) in &m.tasks {
        set(
            conn,
            "UPDATE tasks SET title = ? WHERE id = ?",
            title,
            id.as_uuid(),
        )
        .await?;
    }
    for (id, title) in &m.goals {
        set(
            conn,
            "UPDATE case_goals SET title = ? WHERE id = ?",
            title,
            id.as_uuid(),
        )
        .await?;
    }
    for (id, body) in &m.messages {
        set(
            conn,
            "UPDATE case_messages SET body = ? WHERE id = ?",
            body,
            id.as_uuid(),
        )
        .await?;
    }
    for (id, name) in &m.adversaries {
        set(
            conn,
            "UPDATE adversaries SET name = ? WHERE id = ?",
            name,
            id.as_uuid(),
        )
        .await?;
    }
    // A release is the old owner's to give; with the record gone from it, each ends.
    sqlx::query(
        "UPDATE consents SET revoked_at = ?, revoked_by = ?, revocation_channel = 'transfer' \
         WHERE survivor_id = ? AND revoked_at IS NULL",
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
    store: &SqliteStore,
    t: &TransferRow,
    moved: Option<&MovedRecord>,
    event: &CaseEvent,
    body: &[u8],
) -> Result<bool, StoreError> {
    let mut tx = store.writer.begin().await.map_err(convert::error)?;
    let done = sqlx::query(
        "UPDATE case_transfers SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = 'proposed'",
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
    add_event(&mut tx, event).await?;
    audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(true)
}
