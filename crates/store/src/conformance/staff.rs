//! Conformance stories: staff accounts, recovery codes, sessions and API tokens.

use super::{Outcome, ensure, id_bytes, org};
use crate::{ApiTokenRow, OrgRow, Preferences, SessionRow, Store, StoreError, UserRow};
use haven_domain::{TokenId, UserId};
use time::macros::datetime;

pub fn user(n: u32, org: &OrgRow) -> UserRow {
    UserRow {
        id: UserId::from_random_bytes(id_bytes(n, 0xd0)),
        org: org.id,
        email: format!("user{n}@example.org"),
        display_name: format!("User {n}"),
        roles: vec!["case_manager".into(), "supervisor".into()],
        password_hash: "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA".into(),
        totp_secret: None,
        totp_last_step: None,
        totp_failures: 0,
        totp_locked_until: None,
        failed_logins: 0,
        failed_window_start: None,
        must_change_password: false,
        security_epoch: 0,
        disabled_at: None,
        created_at: datetime!(2026-11-04 09:00 UTC),
        language: None,
        time_zone: None,
        row_version: 0,
    }
}

pub async fn staff_sessions_and_tokens_round_trip<S: Store>(store: S) -> Outcome {
    store.migrate().await?;
    let o = org(1);
    store.insert_org(&o, b"org").await?;
    let u = user(1, &o);
    store.insert_user(&u, b"user").await?;
    ensure(
        store.user(u.id).await? == Some(u.clone()),
        "user reads back by id",
    )?;
    ensure(
        store.user_by_email("user1@example.org").await? == Some(u.clone()),
        "user reads back by email",
    )?;
    ensure(
        store
            .insert_user(
                &UserRow {
                    id: user(2, &o).id,
                    ..u.clone()
                },
                b"dup",
            )
            .await
            .is_err(),
        "emails are unique",
    )?;
    // Preferences are written on their own; a security write from a row read before them
    // keeps them, and bumps the version.
    let bogota = Preferences {
        language: Some("es".into()),
        time_zone: Some("America/Bogota".into()),
    };
    store.set_preferences(u.id, &bogota).await?;
    let changed = UserRow {
        totp_secret: Some(vec![1, 2, 3]),
        totp_last_step: Some(59_000_000),
        failed_logins: 3,
        failed_window_start: Some(datetime!(2026-11-05 10:00 UTC)),
        security_epoch: 4,
        disabled_at: Some(datetime!(2026-11-06 10:00 UTC)),
        roles: vec!["clinician".into()],
        ..u.clone()
    };
    let head = store.audit_head().await?.size;
    store.update_user(&changed, Some(b"changed")).await?;
    let written = UserRow {
        language: bogota.language.clone(),
        time_zone: bogota.time_zone.clone(),
        row_version: 1,
        ..changed.clone()
    };
    ensure(
        store.user(u.id).await? == Some(written.clone()),
        "every sign-in and security field is written, the preferences are kept, the version is bumped",
    )?;
    ensure(
        store.audit_head().await?.size == head + 1,
        "the change is audited",
    )?;
    ensure(
        store.users_in_org(o.id).await?.len() == 1,
        "users by organisation",
    )?;

    // A write from a row read before that one is refused whole: a sign-in that read the
    // account before it was disabled cannot write it back enabled.
    let stale = UserRow {
        failed_logins: 0,
        disabled_at: None,
        ..changed.clone()
    };
    ensure(
        matches!(
            store.update_user(&stale, Some(b"stale")).await,
            Err(StoreError::Stale(_))
        ),
        "a write from a stale read is refused",
    )?;
    ensure(
        store.user(u.id).await? == Some(written.clone()),
        "a refused write changes nothing",
    )?;
    ensure(
        store.audit_head().await?.size == head + 1,
        "a refused write audits nothing",
    )?;

    // Choosing preferences keeps a sign-in failure counted after the page read the account.
    let counted = UserRow {
        failed_logins: 4,
        ..written.clone()
    };
    store.update_user(&counted, None).await?;
    let lagos = Preferences {
        language: None,
        time_zone: Some("Africa/Lagos".into()),
    };
    store.set_preferences(u.id, &lagos).await?;
    ensure(
        store.user(u.id).await?
            == Some(UserRow {
                language: None,
                time_zone: Some("Africa/Lagos".into()),
                row_version: 2,
                ..counted.clone()
            }),
        "preferences change nothing else",
    )?;

    store
        .replace_recovery_codes(u.id, &[[1; 32], [2; 32]])
        .await?;
    let at = datetime!(2026-11-07 10:00 UTC);
    ensure(
        store.use_recovery_code(u.id, &[1; 32], at).await?,
        "a recovery code works once",
    )?;
    ensure(
        !store.use_recovery_code(u.id, &[1; 32], at).await?,
        "and only once",
    )?;
    ensure(
        !store.use_recovery_code(u.id, &[3; 32], at).await?,
        "an unknown code does not",
    )?;

    let session = SessionRow {
        token_hash: [9; 32],
        user: u.id,
        csrf_token: "csrf".into(),
        mfa_verified: true,
        security_epoch: 4,
        created_at: at,
        last_seen_at: at,
    };
    store.insert_session(&session).await?;
    let later = datetime!(2026-11-07 10:05 UTC);
    store.touch_session(&[9; 32], later).await?;
    ensure(
        store.session(&[9; 32]).await?
            == Some(SessionRow {
                last_seen_at: later,
                ..session.clone()
            }),
        "session reads back",
    )?;
    store.delete_session(&[9; 32]).await?;
    ensure(
        store.session(&[9; 32]).await?.is_none(),
        "deleted session is gone",
    )?;

    let token = ApiTokenRow {
        id: TokenId::from_random_bytes(id_bytes(1, 0xe0)),
        user: u.id,
        name: "sync".into(),
        token_hash: [5; 32],
        created_at: at,
        revoked_at: None,
    };
    store.insert_api_token(&token, b"token").await?;
    ensure(
        store.api_token_by_hash(&[5; 32]).await? == Some(token.clone()),
        "token by hash",
    )?;
    ensure(
        store.api_token_with_user(&[5; 32]).await?
            == store.user(u.id).await?.map(|user| (token.clone(), user)),
        "token with its account",
    )?;
    ensure(
        store.api_token_with_user(&[6; 32]).await?.is_none(),
        "no token, no account",
    )?;
    ensure(
        store.revoke_api_token(token.id, later, b"revoke").await?,
        "revocation",
    )?;
    ensure(
        !store.revoke_api_token(token.id, later, b"again").await?,
        "revoking twice is a no-op",
    )?;
    ensure(
        store.api_tokens_of(u.id).await?[0].revoked_at == Some(later),
        "revocation time kept",
    )?;
    Ok(())
}
