//! PostgreSQL: releases of information, suspected abusers, referrals, messages. The SQL is shared with SQLite
//! (`crates/store/backend/sharing.rs`).

include!("../../store/backend/sharing.rs");

/// Every release recorded for a survivor (SQLite reads these through `inline_reads`).
pub(crate) async fn consents_of_survivor(
    store: &DbStore,
    survivor: SurvivorId,
) -> Result<Vec<ConsentRow>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONSENT_READ_COLUMNS} FROM consents WHERE survivor_id = $1 ORDER BY granted_at, id"
    )))
    .bind(survivor.as_uuid())
    .fetch_all(reader(store))
    .await
    .map_err(convert::error)?;
    rows.iter().map(consent_row).collect()
}

fn consent_row(r: &DbRow) -> Result<ConsentRow, StoreError> {
    Ok(ConsentRow {
        id: ConsentId::from_uuid(get(r, "id")?),
        survivor: SurvivorId::from_uuid(get(r, "survivor_id")?),
        org: OrgId::from_uuid(get(r, "org_id")?),
        recipient_org: OrgId::from_uuid(get(r, "recipient_org_id")?),
        categories: get(r, "categories")?,
        method: get(r, "method")?,
        signer: get(r, "signer")?,
        sealed: get(r, "sealed")?,
        granted_at: get(r, "granted_at")?,
        expires_at: get(r, "expires_at")?,
        recorded_by: UserId::from_uuid(get(r, "recorded_by")?),
        revoked_at: get(r, "revoked_at")?,
        revoked_by: get::<Option<Uuid>, _>(r, "revoked_by")?.map(UserId::from_uuid),
        revocation_channel: get(r, "revocation_channel")?,
        has_scan: get(r, "has_scan")?,
    })
}

/// A release's columns as read: whether it has a scan, not the scan.
const CONSENT_READ_COLUMNS: &str = "id, survivor_id, org_id, recipient_org_id, categories, method, signer, sealed, \
     granted_at, expires_at, recorded_by, revoked_at, revoked_by, revocation_channel, scan IS NOT NULL AS has_scan";
