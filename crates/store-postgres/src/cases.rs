//! The minimal case record and its team, in PostgreSQL.

use crate::{PgStore, audit, convert};
use haven_domain::{CaseId, OrgId, SurvivorId, UserId};
use haven_store::{CaseRow, StoreError};
use sqlx::Row;
use uuid::Uuid;

pub(crate) async fn insert_case(
    store: &PgStore,
    case: &CaseRow,
    team: &[UserId],
    body: &[u8],
) -> Result<u64, StoreError> {
    let mut tx = store.pool.begin().await.map_err(convert::error)?;
    sqlx::query("INSERT INTO cases (id, survivor_id, org_id, created_at) VALUES ($1, $2, $3, $4)")
        .bind(case.id.as_uuid())
        .bind(case.survivor.as_uuid())
        .bind(case.org.as_uuid())
        .bind(case.created_at)
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    for member in team {
        sqlx::query("INSERT INTO case_team (case_id, user_id) VALUES ($1, $2)")
            .bind(case.id.as_uuid())
            .bind(member.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(convert::error)?;
    }
    let seq = audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(seq)
}

pub(crate) async fn cases_of_survivor(
    store: &PgStore,
    survivor: SurvivorId,
) -> Result<Vec<(CaseRow, Vec<UserId>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.id, c.survivor_id, c.org_id, c.created_at, t.user_id FROM cases c \
         LEFT JOIN case_team t ON t.case_id = c.id WHERE c.survivor_id = $1 ORDER BY c.id",
    )
    .bind(survivor.as_uuid())
    .fetch_all(&store.pool)
    .await
    .map_err(convert::error)?;
    let mut out: Vec<(CaseRow, Vec<UserId>)> = Vec::new();
    for r in rows {
        let id = CaseId::from_uuid(r.try_get("id").map_err(convert::error)?);
        let member: Option<Uuid> = r.try_get("user_id").map_err(convert::error)?;
        if out.last().is_none_or(|(c, _)| c.id != id) {
            out.push((
                CaseRow {
                    id,
                    survivor: SurvivorId::from_uuid(
                        r.try_get("survivor_id").map_err(convert::error)?,
                    ),
                    org: OrgId::from_uuid(r.try_get("org_id").map_err(convert::error)?),
                    created_at: r.try_get("created_at").map_err(convert::error)?,
                },
                Vec::new(),
            ));
        }
        if let (Some(m), Some((_, team))) = (member, out.last_mut()) {
            team.push(UserId::from_uuid(m));
        }
    }
    Ok(out)
}
