// Shared by haven-store-sqlite and haven-store-postgres through `include!` (see README.md
// here): the case team's removals and changes to the case plan's goals. The includer
// defines `DbStore` and `writer`.
use crate::db::DbStore;
use crate::cases::commit_with_event;
use crate::convert;
use haven_domain::{CaseId, UserId};
use haven_store::{CaseEvent, StoreError};

pub(crate) async fn remove_team_member(
    store: &DbStore,
    case: CaseId,
    owner: haven_domain::OrgId,
    user: UserId,
    event: &CaseEvent,
    body: &[u8],
) -> Result<bool, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    crate::cases::hold_case(&mut tx, case, owner).await?;
    let removed = sqlx::query("DELETE FROM case_team WHERE case_id = $1 AND user_id = $2")
        .bind(case.as_uuid())
        .bind(user.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?
        .rows_affected();
    if removed != 1 {
        return Ok(false);
    }
    commit_with_event(tx, event, body).await?;
    Ok(true)
}

pub(crate) async fn insert_goal(
    store: &DbStore,
    g: &haven_store::GoalRow,
    owner: haven_domain::OrgId,
    event: &CaseEvent,
    body: &[u8],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    crate::cases::hold_case(&mut tx, g.case, owner).await?;
    sqlx::query(
        "INSERT INTO case_goals (id, case_id, title, status, created_at, closed_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(g.id.as_uuid())
    .bind(g.case.as_uuid())
    .bind(&g.title)
    .bind(&g.status)
    .bind(g.created_at)
    .bind(g.closed_at)
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?;
    commit_with_event(tx, event, body).await
}

pub(crate) async fn set_goal_status(
    store: &DbStore,
    g: &haven_store::GoalRow,
    owner: haven_domain::OrgId,
    event: &CaseEvent,
    body: &[u8],
) -> Result<bool, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    crate::cases::hold_case(&mut tx, g.case, owner).await?;
    let changed = sqlx::query(
        "UPDATE case_goals SET status = $1, closed_at = $2 WHERE id = $3 AND case_id = $4",
    )
    .bind(&g.status)
    .bind(g.closed_at)
    .bind(g.id.as_uuid())
    .bind(g.case.as_uuid())
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?
    .rows_affected();
    if changed != 1 {
        return Ok(false);
    }
    commit_with_event(tx, event, body).await?;
    Ok(true)
}
