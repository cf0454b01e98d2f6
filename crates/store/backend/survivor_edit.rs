// Shared by haven-store-sqlite and haven-store-postgres through `include!` (see README.md
// here): the same SQL ($n placeholders, which both databases accept) over each backend's
// types, which the including module names DbStore, Db, DbRow and DbConn, and its read
// pool, reader(store).
use crate::db::{DbRow, DbStore, reader};
use haven_store::sqlx_support::get;
use crate::cases::{add_event, commit_with_event};
use crate::{audit, convert};
use haven_domain::{CaseId, SurvivorId};
use haven_store::{CaseEvent, StoreError, SurvivorEdit};

/// Replaces a survivor's sealed fields, coarse fields and index entries, sets the minor
/// flag of their cases, and records the event and the audit entry: all or nothing, and
/// only over the record the edit was based on.
pub(crate) async fn update(
    store: &DbStore,
    edit: &SurvivorEdit,
    body: &[u8],
) -> Result<Option<u64>, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    let f = &edit.fields;
    let found = sqlx::query(
        "UPDATE survivors SET pseudonym = $1, legal_name = $2, aliases = $3, date_of_birth = $4, \
         phone = $5, email = $6, safe_contact = $7, details = $8, age_band = $9, gender = $10, \
         nationality_region = $11 WHERE id = $12 AND pseudonym = $13",
    )
    .bind(&f.pseudonym)
    .bind(&f.legal_name)
    .bind(&f.aliases)
    .bind(&f.date_of_birth)
    .bind(&f.phone)
    .bind(&f.email)
    .bind(&f.safe_contact)
    .bind(&f.details)
    .bind(&edit.coarse.age_band)
    .bind(&edit.coarse.gender)
    .bind(&edit.coarse.nationality_region)
    .bind(edit.id.as_uuid())
    .bind(&edit.based_on)
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?
    .rows_affected();
    if found != 1 {
        let exists = sqlx::query("SELECT 1 FROM survivors WHERE id = $1")
            .bind(edit.id.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(convert::error)?
            .is_some();
        return if exists {
            Err(StoreError::Stale("the survivor's record"))
        } else {
            Ok(None)
        };
    }
    sqlx::query("DELETE FROM survivor_index WHERE survivor_id = $1")
        .bind(edit.id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    crate::survivors::insert_index(&mut tx, edit.id, &edit.index).await?;
    sqlx::query("UPDATE cases SET minor = $1 WHERE survivor_id = $2")
        .bind(edit.minor)
        .bind(edit.id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    add_event(&mut tx, &edit.event).await?;
    let seq = audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(Some(seq))
}

/// Every case flagged minor, with its survivor.
pub(crate) async fn minor_cases(store: &DbStore) -> Result<Vec<(CaseId, SurvivorId)>, StoreError> {
    let rows: Vec<DbRow> = sqlx::query("SELECT id, survivor_id FROM cases WHERE minor = $1")
        .bind(true)
        .fetch_all(reader(store))
        .await
        .map_err(convert::error)?;
    rows.iter()
        .map(|r| {
            let id = |c: &str| get::<uuid::Uuid, _>(r, c);
            Ok((CaseId::from_uuid(id("id")?), SurvivorId::from_uuid(id("survivor_id")?)))
        })
        .collect()
}

/// Clears a case's minor flag, with the event and the audit entry; `false` (and nothing
/// written) if the case is gone or no longer flagged.
pub(crate) async fn clear_minor(
    store: &DbStore,
    case: CaseId,
    event: &CaseEvent,
    body: &[u8],
) -> Result<bool, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    let cleared = sqlx::query("UPDATE cases SET minor = $1 WHERE id = $2 AND minor = $3")
        .bind(false)
        .bind(case.as_uuid())
        .bind(true)
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?
        .rows_affected();
    if cleared != 1 {
        return Ok(false);
    }
    commit_with_event(tx, event, body).await?;
    Ok(true)
}
