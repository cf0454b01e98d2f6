// Shared by haven-store-sqlite and haven-store-postgres through `include!` (see README.md
// here): staff accounts, recovery codes, sessions and API tokens.

use crate::db::{DbRow, DbStore, reader, writer};
use crate::{audit, convert};
use haven_domain::{OrgId, TokenId, UserId};
use haven_store::sqlx_support::get;
use haven_store::{ApiTokenRow, OrgRow, Preferences, SessionRow, StoreError, UserRow};
use time::OffsetDateTime;

const USER_COLUMNS: &str = "id, org_id, email, display_name, roles, password_hash, totp_secret, totp_last_step, \
     totp_failures, totp_locked_until, failed_logins, failed_window_start, must_change_password, security_epoch, \
     disabled_at, created_at, language, time_zone, row_version";


fn user(r: &DbRow) -> Result<UserRow, StoreError> {
    let roles: String = get(r, "roles")?;
    Ok(UserRow {
        id: UserId::from_uuid(get(r, "id")?),
        org: OrgId::from_uuid(get(r, "org_id")?),
        email: get(r, "email")?,
        display_name: get(r, "display_name")?,
        roles: roles
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        password_hash: get(r, "password_hash")?,
        totp_secret: get(r, "totp_secret")?,
        totp_last_step: get::<Option<i64>, _>(r, "totp_last_step")?
            .map(convert::to_u64)
            .transpose()?,
        totp_failures: convert::to_u32(get(r, "totp_failures")?)?,
        totp_locked_until: get(r, "totp_locked_until")?,
        failed_logins: convert::to_u32(get(r, "failed_logins")?)?,
        failed_window_start: get(r, "failed_window_start")?,
        must_change_password: get(r, "must_change_password")?,
        security_epoch: convert::to_u64(get(r, "security_epoch")?)?,
        disabled_at: get(r, "disabled_at")?,
        created_at: get(r, "created_at")?,
        language: get(r, "language")?,
        time_zone: get(r, "time_zone")?,
        row_version: convert::to_u64(get(r, "row_version")?)?,
    })
}

fn session(r: &DbRow) -> Result<SessionRow, StoreError> {
    Ok(SessionRow {
        token_hash: convert::array(&get::<Vec<u8>, _>(r, "token_hash")?)?,
        user: UserId::from_uuid(get(r, "user_id")?),
        csrf_token: get(r, "csrf_token")?,
        mfa_verified: get(r, "mfa_verified")?,
        security_epoch: convert::to_u64(get(r, "security_epoch")?)?,
        created_at: get(r, "created_at")?,
        last_seen_at: get(r, "last_seen_at")?,
    })
}

fn token(r: &DbRow) -> Result<ApiTokenRow, StoreError> {
    Ok(ApiTokenRow {
        id: TokenId::from_uuid(get(r, "id")?),
        user: UserId::from_uuid(get(r, "user_id")?),
        name: get(r, "name")?,
        token_hash: convert::array(&get::<Vec<u8>, _>(r, "token_hash")?)?,
        created_at: get(r, "created_at")?,
        revoked_at: get(r, "revoked_at")?,
    })
}

pub(crate) async fn orgs(store: &DbStore) -> Result<Vec<OrgRow>, StoreError> {
    let rows = sqlx::query("SELECT id, name, kind, created_at FROM organisations ORDER BY name")
        .fetch_all(reader(store))
        .await
        .map_err(convert::error)?;
    rows.iter()
        .map(|r| {
            Ok(OrgRow {
                id: OrgId::from_uuid(get(r, "id")?),
                name: get(r, "name")?,
                kind: get(r, "kind")?,
                created_at: get(r, "created_at")?,
            })
        })
        .collect()
}

pub(crate) async fn insert_user(
    store: &DbStore,
    u: &UserRow,
    body: &[u8],
) -> Result<u64, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    sqlx::query(
        "INSERT INTO users (id, org_id, email, display_name, roles, password_hash, totp_secret, totp_last_step, \
         totp_failures, totp_locked_until, failed_logins, failed_window_start, must_change_password, security_epoch, \
         disabled_at, created_at, language, time_zone, row_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(u.id.as_uuid())
    .bind(u.org.as_uuid())
    .bind(&u.email)
    .bind(&u.display_name)
    .bind(u.roles.join(","))
    .bind(&u.password_hash)
    .bind(&u.totp_secret)
    .bind(u.totp_last_step.map(convert::to_i64).transpose()?)
    .bind(i64::from(u.totp_failures))
    .bind(u.totp_locked_until)
    .bind(i64::from(u.failed_logins))
    .bind(u.failed_window_start)
    .bind(u.must_change_password)
    .bind(convert::to_i64(u.security_epoch)?)
    .bind(u.disabled_at)
    .bind(u.created_at)
    .bind(&u.language)
    .bind(&u.time_zone)
    .bind(convert::to_i64(u.row_version)?)
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?;
    let seq = audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(seq)
}

pub(crate) async fn users_in_org(
    store: &DbStore,
    org: OrgId,
) -> Result<Vec<UserRow>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY email"
    )))
    .bind(*org.as_uuid())
    .fetch_all(reader(store))
    .await
    .map_err(convert::error)?;
    rows.iter().map(user).collect()
}

pub(crate) async fn update_user(
    store: &DbStore,
    u: &UserRow,
    body: Option<&[u8]>,
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    let written = sqlx::query(
        "UPDATE users SET display_name = $1, roles = $2, password_hash = $3, totp_secret = $4, totp_last_step = $5, \
         totp_failures = $6, totp_locked_until = $7, failed_logins = $8, failed_window_start = $9, \
         must_change_password = $10, security_epoch = $11, disabled_at = $12, row_version = row_version + 1 \
         WHERE id = $13 AND row_version = $14",
    )
    .bind(&u.display_name)
    .bind(u.roles.join(","))
    .bind(&u.password_hash)
    .bind(&u.totp_secret)
    .bind(u.totp_last_step.map(convert::to_i64).transpose()?)
    .bind(i64::from(u.totp_failures))
    .bind(u.totp_locked_until)
    .bind(i64::from(u.failed_logins))
    .bind(u.failed_window_start)
    .bind(u.must_change_password)
    .bind(convert::to_i64(u.security_epoch)?)
    .bind(u.disabled_at)
    .bind(u.id.as_uuid())
    .bind(convert::to_i64(u.row_version)?)
    .execute(&mut *tx)
    .await
    .map_err(convert::error)?;
    if written.rows_affected() == 0 {
        return Err(StoreError::Stale("the account"));
    }
    if let Some(body) = body {
        audit::append(&mut tx, body).await?;
    }
    tx.commit().await.map_err(convert::error)
}

pub(crate) async fn set_preferences(
    store: &DbStore,
    user: UserId,
    p: &Preferences,
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    sqlx::query("UPDATE users SET language = $1, time_zone = $2 WHERE id = $3")
        .bind(&p.language)
        .bind(&p.time_zone)
        .bind(user.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    tx.commit().await.map_err(convert::error)
}

pub(crate) async fn replace_recovery_codes(
    store: &DbStore,
    user: UserId,
    hashes: &[[u8; 32]],
) -> Result<(), StoreError> {
    let mut tx = crate::begin_write(store).await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    for h in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user.as_uuid())
            .bind(&h[..])
            .execute(&mut *tx)
            .await
            .map_err(convert::error)?;
    }
    tx.commit().await.map_err(convert::error)
}

pub(crate) async fn use_recovery_code(
    store: &DbStore,
    user: UserId,
    hash: &[u8; 32],
    at: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
        .bind(at)
        .bind(user.as_uuid())
        .bind(&hash[..])
        .execute(writer(store))
        .await
        .map_err(convert::error)?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn insert_session(store: &DbStore, s: &SessionRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, mfa_verified, security_epoch, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&s.token_hash[..])
    .bind(s.user.as_uuid())
    .bind(&s.csrf_token)
    .bind(s.mfa_verified)
    .bind(convert::to_i64(s.security_epoch)?)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .execute(writer(store))
    .await
    .map_err(convert::error)?;
    Ok(())
}

pub(crate) async fn session_by_hash(
    store: &DbStore,
    hash: &[u8; 32],
) -> Result<Option<SessionRow>, StoreError> {
    let row = sqlx::query(
        "SELECT token_hash, user_id, csrf_token, mfa_verified, security_epoch, created_at, last_seen_at \
         FROM sessions WHERE token_hash = $1",
    )
    .bind(&hash[..])
    .fetch_optional(reader(store))
    .await
    .map_err(convert::error)?;
    row.as_ref().map(session).transpose()
}

pub(crate) async fn touch_session(
    store: &DbStore,
    hash: &[u8; 32],
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(at)
        .bind(&hash[..])
        .execute(writer(store))
        .await
        .map_err(convert::error)?;
    Ok(())
}

pub(crate) async fn delete_session(store: &DbStore, hash: &[u8; 32]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&hash[..])
        .execute(writer(store))
        .await
        .map_err(convert::error)?;
    Ok(())
}

pub(crate) async fn insert_api_token(
    store: &DbStore,
    t: &ApiTokenRow,
    body: &[u8],
) -> Result<u64, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(t.id.as_uuid())
        .bind(t.user.as_uuid())
        .bind(&t.name)
        .bind(&t.token_hash[..])
        .bind(t.created_at)
        .bind(t.revoked_at)
        .execute(&mut *tx)
        .await
        .map_err(convert::error)?;
    let seq = audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(seq)
}

pub(crate) async fn api_tokens_of(
    store: &DbStore,
    user: UserId,
) -> Result<Vec<ApiTokenRow>, StoreError> {
    let rows = sqlx::query("SELECT id, user_id, name, token_hash, created_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id")
        .bind(user.as_uuid())
        .fetch_all(reader(store))
        .await
        .map_err(convert::error)?;
    rows.iter().map(token).collect()
}

pub(crate) async fn revoke_api_token(
    store: &DbStore,
    id: TokenId,
    at: OffsetDateTime,
    body: &[u8],
) -> Result<bool, StoreError> {
    let mut tx = crate::begin_write(store).await?;
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(at)
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(convert::error)?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    audit::append(&mut tx, body).await?;
    tx.commit().await.map_err(convert::error)?;
    Ok(true)
}
