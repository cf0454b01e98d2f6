// Shared by haven-store-sqlite and haven-store-postgres through `include!` (see README.md
// here): the same SQL ($n placeholders, which both databases accept) over each backend's
// types, which the including module names DbStore, Db, DbRow and DbConn, with its pools
// behind writer(store) and reader(store).
use crate::db::{DbRow, DbStore, reader};
use haven_store::sqlx_support::get;
use crate::{audit, convert};
use haven_domain::{KeyId, OrgId, ServiceId};
use haven_store::{DirectoryImport, DirectoryOrgRow, SealedLocationRow, ServiceRow, StoreError};

pub(crate) async fn import(
    store: &DbStore,
    import: &DirectoryImport,
    body: &[u8],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    for org in &import.orgs {
        // Replacing an organisation replaces its services and locations with it.
        for table in ["directory_services", "directory_sealed_locations"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE organization_id = $1"
            )))
            .bind(org.id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(convert::error)?;
        }
        sqlx::query(
            "INSERT INTO directory_organizations (id, name, document) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, document = excluded.document",
        )
        .bind(org.id.as_uuid())
        .bind(&org.name)
        .bind(&org.document)
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    }
    for s in &import.services {
        sqlx::query(
            "INSERT INTO directory_services (id, organization_id, name, status, kind, document) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(s.id.as_uuid())
        .bind(s.org.as_uuid())
        .bind(&s.name)
        .bind(&s.status)
        .bind(&s.kind)
        .bind(&s.document)
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    }
    for l in &import.sealed_locations {
        sqlx::query(
            "INSERT INTO directory_sealed_locations (id, organization_id, key_id, sealed) VALUES ($1, $2, $3, $4)",
        )
        .bind(l.id)
        .bind(l.org.as_uuid())
        .bind(l.key_id.as_uuid())
        .bind(&l.sealed)
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    }
    audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)
}

pub(crate) async fn orgs(store: &DbStore) -> Result<Vec<DirectoryOrgRow>, StoreError> {
    let rows =
        sqlx::query("SELECT id, name, document FROM directory_organizations ORDER BY name, id")
            .fetch_all(reader(store))
            .await
            .map_err(convert::error)?;
    rows.iter()
        .map(|r| {
            Ok(DirectoryOrgRow {
                id: OrgId::from_uuid(get(r, "id")?),
                name: get(r, "name")?,
                document: get(r, "document")?,
            })
        })
        .collect()
}

fn service_row(r: &DbRow) -> Result<ServiceRow, StoreError> {
    Ok(ServiceRow {
        id: ServiceId::from_uuid(get(r, "id")?),
        org: OrgId::from_uuid(get(r, "organization_id")?),
        name: get(r, "name")?,
        status: get(r, "status")?,
        kind: get(r, "kind")?,
        document: get(r, "document")?,
    })
}

pub(crate) async fn services(store: &DbStore) -> Result<Vec<ServiceRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, organization_id, name, status, kind, document FROM directory_services ORDER BY name, id",
    )
    .fetch_all(reader(store))
    .await
    .map_err(convert::error)?;
    rows.iter().map(service_row).collect()
}

pub(crate) async fn service(
    store: &DbStore,
    id: ServiceId,
) -> Result<Option<ServiceRow>, StoreError> {
    let row = sqlx::query(
        "SELECT id, organization_id, name, status, kind, document FROM directory_services WHERE id = $1",
    )
    .bind(id.as_uuid())
    .fetch_optional(reader(store))
    .await
    .map_err(convert::error)?;
    row.as_ref().map(service_row).transpose()
}

pub(crate) async fn sealed_locations(
    store: &DbStore,
    org: OrgId,
) -> Result<Vec<SealedLocationRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, organization_id, key_id, sealed FROM directory_sealed_locations WHERE organization_id = $1 ORDER BY id",
    )
    .bind(org.as_uuid())
    .fetch_all(reader(store))
    .await
    .map_err(convert::error)?;
    rows.iter()
        .map(|r| {
            Ok(SealedLocationRow {
                id: get(r, "id")?,
                org: OrgId::from_uuid(get(r, "organization_id")?),
                key_id: KeyId::from_uuid(get(r, "key_id")?),
                sealed: get(r, "sealed")?,
            })
        })
        .collect()
}
