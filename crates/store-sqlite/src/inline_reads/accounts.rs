//! Accounts and API tokens, as a request's authentication reads them.

use super::{Reads, array, at, at_opt, col, count, negative};
use haven_domain::{OrgId, TokenId, UserId};
use haven_store::{ApiTokenRow, StoreError, UserRow};
use rusqlite::Row;

/// Every column of an account, in the order [`user`] decodes them; `$t` qualifies them.
macro_rules! user_columns {
    ($t:literal) => {
        concat!(
            $t,
            "id, ",
            $t,
            "org_id, ",
            $t,
            "email, ",
            $t,
            "display_name, ",
            $t,
            "roles, ",
            $t,
            "password_hash, ",
            $t,
            "totp_secret, ",
            $t,
            "totp_last_step, ",
            $t,
            "totp_failures, ",
            $t,
            "totp_locked_until, ",
            $t,
            "failed_logins, ",
            $t,
            "failed_window_start, ",
            $t,
            "must_change_password, ",
            $t,
            "security_epoch, ",
            $t,
            "disabled_at, ",
            $t,
            "created_at, ",
            $t,
            "language, ",
            $t,
            "time_zone, ",
            $t,
            "row_version"
        )
    };
}

/// An account query with every column, as one literal (no formatting on the hot path).
macro_rules! user_select {
    ($condition:literal) => {
        concat!(
            "SELECT ",
            user_columns!(""),
            " FROM users WHERE ",
            $condition
        )
    };
}

/// The columns of an API token, in the order [`api_token`] decodes them.
macro_rules! token_columns {
    ($t:literal) => {
        concat!(
            $t,
            "id, ",
            $t,
            "user_id, ",
            $t,
            "name, ",
            $t,
            "token_hash, ",
            $t,
            "created_at, ",
            $t,
            "revoked_at"
        )
    };
}

/// Columns [`api_token`] reads; an account joined to a token starts after them.
const TOKEN_COLUMNS: usize = 6;

impl Reads<'_> {
    pub(crate) fn user_by_id(&self, id: UserId) -> Result<Option<UserRow>, StoreError> {
        self.one(user_select!("id = ?1"), [id.as_uuid()], |r| user(r, 0))
    }

    pub(crate) fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, StoreError> {
        self.one(user_select!("email = ?1"), [email], |r| user(r, 0))
    }

    pub(crate) fn api_token_by_hash(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<ApiTokenRow>, StoreError> {
        self.one(
            concat!(
                "SELECT ",
                token_columns!(""),
                " FROM api_tokens WHERE token_hash = ?1"
            ),
            [&hash[..]],
            api_token,
        )
    }

    /// An API token with its account, in one statement (so one implicit read transaction).
    pub(crate) fn api_token_with_user(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<(ApiTokenRow, UserRow)>, StoreError> {
        self.one(
            concat!(
                "SELECT ",
                token_columns!("t."),
                ", ",
                user_columns!("u."),
                " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1"
            ),
            [&hash[..]],
            |r| Ok((api_token(r)?, user(r, TOKEN_COLUMNS)?)),
        )
    }
}

fn api_token(r: &Row<'_>) -> Result<ApiTokenRow, StoreError> {
    Ok(ApiTokenRow {
        id: TokenId::from_uuid(col(r, 0)?),
        user: UserId::from_uuid(col(r, 1)?),
        name: col(r, 2)?,
        token_hash: array(&col::<Vec<u8>>(r, 3)?)?,
        created_at: at(r, 4)?,
        revoked_at: at_opt(r, 5)?,
    })
}

/// An account whose columns start at `base`.
fn user(r: &Row<'_>, base: usize) -> Result<UserRow, StoreError> {
    let roles: String = col(r, base + 4)?;
    Ok(UserRow {
        id: UserId::from_uuid(col(r, base)?),
        org: OrgId::from_uuid(col(r, base + 1)?),
        email: col(r, base + 2)?,
        display_name: col(r, base + 3)?,
        roles: roles
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        password_hash: col(r, base + 5)?,
        totp_secret: col(r, base + 6)?,
        totp_last_step: col::<Option<i64>>(r, base + 7)?
            .map(|v| u64::try_from(v).map_err(|_| negative()))
            .transpose()?,
        totp_failures: count(col(r, base + 8)?)?,
        totp_locked_until: at_opt(r, base + 9)?,
        failed_logins: count(col(r, base + 10)?)?,
        failed_window_start: at_opt(r, base + 11)?,
        must_change_password: col(r, base + 12)?,
        security_epoch: u64::try_from(col::<i64>(r, base + 13)?).map_err(|_| negative())?,
        disabled_at: at_opt(r, base + 14)?,
        created_at: at(r, base + 15)?,
        language: col(r, base + 16)?,
        time_zone: col(r, base + 17)?,
        row_version: u64::try_from(col::<i64>(r, base + 18)?).map_err(|_| negative())?,
    })
}
