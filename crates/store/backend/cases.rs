// Shared by haven-store-sqlite and haven-store-postgres through `include!` (see README.md
// here): cases, their teams, timeline, notes and tasks.

use crate::db::{DbConn, DbStore, DbTx};
use crate::{audit, convert};
use haven_domain::{CaseId, TaskId, UserId};
use haven_store::{CaseChange, CaseEvent, CaseRow, NoteRow, StoreError, TaskRow};
use time::OffsetDateTime;

/// Puts user `$2` on case `$1`'s team, with the case's creation time that orders a
/// member's cases (`member_board`).
macro_rules! add_member {
    () => {
        "INSERT INTO case_team (case_id, user_id, case_created_at) \
         SELECT id, $2, created_at FROM cases WHERE id = $1"
    };
}
pub(crate) const ADD_MEMBER: &str = add_member!();

fn types_text(types: &[u8]) -> String {
    types
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Holds the case for `owner`, the organisation a write's author acted for (and sealed its
/// ciphertext for), until the transaction ends; `StoreError::Stale` if the case no longer
/// belongs to it. An accepted transfer reseals a case's ciphertexts for the receiver: a
/// write sealed for the sender and landing after it could never be opened again, and any
/// other would change a case its author no longer holds. The no-op update takes the case's
/// row lock on PostgreSQL, so a transfer moving the case waits for this write and then sees
/// it, or this write waits for the transfer and finds the case gone; SQLite runs one writer
/// at a time.
pub(crate) async fn hold_case(
    conn: &mut DbConn,
    case: CaseId,
    owner: haven_domain::OrgId,
) -> Result<(), StoreError> {
    hold(
        conn,
        "UPDATE cases SET org_id = org_id WHERE id = $1 AND org_id = $2",
        case.as_uuid(),
        owner,
        "the case's owner",
    )
    .await
}

/// Holds a survivor's row for the rest of the transaction while the record is still
/// `owner`'s, as [`hold_case`] holds a case; `Stale` otherwise. A transfer takes the same
/// row first, so a case opened for the record either goes in before the transfer counts
/// the sender's cases, or finds the record moved.
async fn hold_survivor(
    conn: &mut DbConn,
    survivor: haven_domain::SurvivorId,
    owner: haven_domain::OrgId,
) -> Result<(), StoreError> {
    hold(
        conn,
        "UPDATE survivors SET org_id = org_id WHERE id = $1 AND org_id = $2",
        survivor.as_uuid(),
        owner,
        "the survivor's owner",
    )
    .await
}

/// Runs `no_op` (an update of `org_id` to itself, for row `id` while it is `owner`'s), and
/// refuses as stale, naming `what`, unless it found the row.
async fn hold(
    conn: &mut DbConn,
    no_op: &'static str,
    id: &uuid::Uuid,
    owner: haven_domain::OrgId,
    what: &'static str,
) -> Result<(), StoreError> {
    let held = sqlx::query(no_op)
        .bind(id)
        .bind(owner.as_uuid())
        .execute(&mut *conn)
        .await
        .map_err(convert::error)?
        .rows_affected();
    if held == 1 {
        Ok(())
    } else {
        Err(StoreError::Stale(what))
    }
}

pub(crate) async fn add_event(
    conn: &mut DbConn,
    e: &CaseEvent,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO case_events (case_id, at, kind, actor, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(e.case.as_uuid())
    .bind(e.at)
    .bind(&e.kind)
    .bind(e.actor.map(|a| *a.as_uuid()))
    .bind(&e.detail)
    .execute(&mut *conn)
    .await
    .map_err(convert::error)?;
    Ok(())
}

/// Ends a write to a case: its timeline event and its audit entry join the transaction,
/// which then commits — all three or nothing.
pub(crate) async fn commit_with_event(
    mut tx: DbTx,
    event: &CaseEvent,
    body: &[u8],
) -> Result<(), StoreError> {
    add_event(&mut tx, event).await?;
    audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)
}

pub(crate) async fn insert_case(
    store: &DbStore,
    case: &CaseRow,
    survivor_owner: haven_domain::OrgId,
    team: &[UserId],
    event: &CaseEvent,
    body: &[u8],
) -> Result<u64, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    hold_survivor(&mut tx, case.survivor, survivor_owner).await?;
    let seq = write_case(&mut tx, case, team, event, body).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(seq)
}

/// Writes a case, its team, first event and audit entry inside an open transaction.
pub(crate) async fn write_case(
    conn: &mut DbConn,
    case: &CaseRow,
    team: &[UserId],
    event: &CaseEvent,
    body: &[u8],
) -> Result<u64, StoreError> {
    sqlx::query(
        "INSERT INTO cases (id, survivor_id, org_id, created_at, status, exploitation, trafficking_types, minor, \
         safety_risk, immigration_sensitive) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(case.id.as_uuid())
    .bind(case.survivor.as_uuid())
    .bind(case.org.as_uuid())
    .bind(case.created_at)
    .bind(&case.status)
    .bind(&case.exploitation)
    .bind(types_text(&case.trafficking_types))
    .bind(case.minor)
    .bind(case.safety_risk)
    .bind(case.immigration_sensitive)
    .execute(&mut *conn)
    .await
    .map_err(convert::error)?;
    for member in team {
        sqlx::query(ADD_MEMBER)
            .bind(case.id.as_uuid())
            .bind(member.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(convert::error)?;
    }
    add_event(conn, event).await?;
    audit::append(conn, body).await
}

pub(crate) async fn update_case(
    store: &DbStore,
    case: CaseId,
    owner: haven_domain::OrgId,
    change: &CaseChange,
    event: &CaseEvent,
    body: &[u8],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    hold_case(&mut tx, case, owner).await?;
    match change {
        CaseChange::Status { from, to, reason } => {
            let moved = sqlx::query("UPDATE cases SET status = $1 WHERE id = $2 AND status = $3")
                .bind(to)
                .bind(case.as_uuid())
                .bind(from)
                .execute(&mut *tx)
                .await
                .map_err(convert::error)?;
            if moved.rows_affected() == 0 {
                return Err(StoreError::Stale("the case's status"));
            }
            if let Some(reason) = reason {
                // The step's own event and entry first, then the reason's.
                add_event(&mut tx, event).await?;
                audit::append(&mut tx, body).await?;
                write_note(&mut tx, &reason.note).await?;
                return commit_with_event(tx, &reason.event, &reason.audit).await;
            }
        }
        CaseChange::Classification {
            exploitation,
            safety_risk,
            immigration_sensitive,
        } => {
            let (exploitation, types) = exploitation
                .as_ref()
                .map(|(e, t)| (e.as_str(), types_text(t)))
                .unzip();
            sqlx::query(
                "UPDATE cases SET exploitation = COALESCE($1, exploitation), \
                 trafficking_types = COALESCE($2, trafficking_types), \
                 safety_risk = COALESCE($3, safety_risk), \
                 immigration_sensitive = COALESCE($4, immigration_sensitive) WHERE id = $5",
            )
            .bind(exploitation)
            .bind(types)
            .bind(*safety_risk)
            .bind(*immigration_sensitive)
            .bind(case.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(convert::error)?;
        }
    }
    commit_with_event(tx, event, body).await
}

pub(crate) async fn add_team_member(
    store: &DbStore,
    case: CaseId,
    owner: haven_domain::OrgId,
    user: UserId,
    event: &CaseEvent,
    body: &[u8],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    hold_case(&mut tx, case, owner).await?;
    sqlx::query(concat!(add_member!(), " ON CONFLICT DO NOTHING"))
        .bind(case.as_uuid())
        .bind(user.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    commit_with_event(tx, event, body).await
}

pub(crate) async fn insert_note(
    store: &DbStore,
    note: &NoteRow,
    owner: haven_domain::OrgId,
    event: &CaseEvent,
    body: &[u8],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    hold_case(&mut tx, note.case, owner).await?;
    write_note(&mut tx, note).await?;
    commit_with_event(tx, event, body).await
}

async fn write_note(conn: &mut DbConn, note: &NoteRow) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO notes (id, case_id, category, author, created_at, body) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(note.id.as_uuid())
        .bind(note.case.as_uuid())
        .bind(&note.category)
        .bind(note.author.as_uuid())
        .bind(note.created_at)
        .bind(&note.body)
        .execute(&mut *conn)
        .await
        .map_err(convert::error)?;
    Ok(())
}

pub(crate) async fn insert_task(
    store: &DbStore,
    task: &TaskRow,
    owner: haven_domain::OrgId,
    event: &CaseEvent,
    body: &[u8],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    hold_case(&mut tx, task.case, owner).await?;
    sqlx::query("INSERT INTO tasks (id, case_id, title, due_on, done_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(task.id.as_uuid())
        .bind(task.case.as_uuid())
        .bind(&task.title)
        .bind(task.due_on)
        .bind(task.done_at)
        .bind(task.created_at)
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    commit_with_event(tx, event, body).await
}

pub(crate) async fn complete_task(
    store: &DbStore,
    case: CaseId,
    owner: haven_domain::OrgId,
    task: TaskId,
    at: OffsetDateTime,
    event: &CaseEvent,
    body: &[u8],
) -> Result<bool, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    hold_case(&mut tx, case, owner).await?;
    let done = sqlx::query(
        "UPDATE tasks SET done_at = $1 WHERE id = $2 AND case_id = $3 AND done_at IS NULL",
    )
    .bind(at)
    .bind(task.as_uuid())
    .bind(case.as_uuid())
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    commit_with_event(tx, event, body).await?;
    Ok(true)
}
