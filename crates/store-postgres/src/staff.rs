//! PostgreSQL: staff accounts, recovery codes, sessions and API tokens. The SQL is shared
//! with SQLite (`crates/store/backend/staff.rs`); the lookups every request makes, of an
//! account and of an API token, are here (SQLite runs them through `inline_reads`).

include!("../../store/backend/staff.rs");

pub(crate) async fn user_by(
    store: &DbStore,
    id: Option<UserId>,
    email: Option<&str>,
) -> Result<Option<UserRow>, StoreError> {
    let row = match (id, email) {
        (Some(id), _) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
            )))
            .bind(*id.as_uuid())
            .fetch_optional(reader(store))
            .await
        }
        (None, Some(email)) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
            )))
            .bind(email.to_owned())
            .fetch_optional(reader(store))
            .await
        }
        (None, None) => return Ok(None),
    }
    .map_err(convert::error)?;
    row.as_ref().map(user).transpose()
}

pub(crate) async fn api_token_by_hash(
    store: &DbStore,
    hash: &[u8; 32],
) -> Result<Option<ApiTokenRow>, StoreError> {
    let row = sqlx::query("SELECT id, user_id, name, token_hash, created_at, revoked_at FROM api_tokens WHERE token_hash = $1")
        .bind(&hash[..])
        .fetch_optional(reader(store))
        .await
        .map_err(convert::error)?;
    row.as_ref().map(token).transpose()
}
