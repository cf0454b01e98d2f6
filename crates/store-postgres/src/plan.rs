//! PostgreSQL: taking members off a case team, and the case plan's goals. The SQL is shared
//! with SQLite (`crates/store/backend/plan.rs`).

include!("../../store/backend/plan.rs");

use crate::db::DbRow;
use haven_store::sqlx_support::get;

/// The case plan's goals (SQLite reads them through `inline_reads`).
pub(crate) async fn goals_of_case<'c>(
    db: impl sqlx::PgExecutor<'c>,
    case: CaseId,
) -> Result<Vec<haven_store::GoalRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, case_id, title, status, created_at, closed_at FROM case_goals WHERE case_id = $1 ORDER BY created_at, id",
    )
    .bind(case.as_uuid())
    .fetch_all(db)
    .await
    .map_err(convert::error)?;
    rows.iter()
        .map(|r: &DbRow| {
            Ok(haven_store::GoalRow {
                id: haven_domain::GoalId::from_uuid(get(r, "id")?),
                case: CaseId::from_uuid(get(r, "case_id")?),
                title: get(r, "title")?,
                status: get(r, "status")?,
                created_at: get(r, "created_at")?,
                closed_at: get(r, "closed_at")?,
            })
        })
        .collect()
}
