//! Sign-ins and administrators writing one account at once. Each write applies only to the
//! account as its writer read it, so no racing sign-in can spend a code twice or write back
//! enabled an account disabled meanwhile, and an administrator's change lands whatever the
//! sign-ins do around it.

use crate::support::*;
use axum::http::StatusCode;
use futures_util::future::join_all;
use haven_domain::access::Role;

on_both_stores!(
    racing_sign_ins_spend_one_code_once,
    a_disable_racing_with_sign_ins_lands_and_stays,
    a_password_reset_racing_with_sign_ins_lands,
);

/// Sign-ins in flight at once in each race.
const RACERS: usize = 8;

async fn racing_sign_ins_spend_one_code_once<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "racer@example.org", &[Role::CaseManager])
        .await;
    let code = app.next_code(&user);
    let replies = join_all((0..RACERS).map(|_| app.login(&user, &code))).await;
    let signed_in = replies
        .iter()
        .filter(|r| r.status == StatusCode::SEE_OTHER)
        .count();
    assert_eq!(signed_in, 1, "one code signs in once, however many race");
    assert!(
        replies
            .iter()
            .all(|r| r.status == StatusCode::SEE_OTHER || r.status == StatusCode::UNAUTHORIZED),
        "the others fail like any failure"
    );
    assert_eq!(
        app.audit_reasons("login_failed").await.len(),
        RACERS - 1,
        "every refused racer is audited"
    );
}

async fn a_disable_racing_with_sign_ins_lands_and_stays<S: Store>(app: App<S>) {
    let admin = app
        .page_user(app.org_a, "admin@example.org", &[Role::Admin])
        .await;
    let user = app
        .enrolled(app.org_a, "leaving@example.org", &[Role::CaseManager])
        .await;
    let code = app.next_code(&user);
    let form = [
        ("csrf", admin.csrf.as_str()),
        ("email", user.email.as_str()),
    ];
    let sign_ins = join_all((0..RACERS).map(|_| app.login(&user, &code)));
    let disable = app.post_form("/admin/users/disable", Some(&admin.session), &form);
    let (replies, disabled) = tokio::join!(sign_ins, disable);
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    // A sign-in that won before the disable has its session ended by it; none that read the
    // account before it was disabled may write it back enabled.
    for r in replies.iter().filter(|r| r.status == StatusCode::SEE_OTHER) {
        let session = r.cookie("__Host-haven_session").unwrap();
        assert_ne!(
            app.get("/", Some(&session)).await.status,
            StatusCode::OK,
            "a session from before the disable is over"
        );
    }
    app.clock.advance(time::Duration::seconds(30));
    let later = app.next_code(&user);
    assert_eq!(
        app.login(&user, &later).await.status,
        StatusCode::UNAUTHORIZED,
        "the account stays disabled"
    );
    assert_eq!(
        app.audit_reasons("login_failed")
            .await
            .last()
            .map(String::as_str),
        Some("disabled")
    );
}

async fn a_password_reset_racing_with_sign_ins_lands<S: Store>(app: App<S>) {
    let admin = app
        .page_user(app.org_a, "admin@example.org", &[Role::Admin])
        .await;
    let user = app
        .enrolled(app.org_a, "forgot@example.org", &[Role::CaseManager])
        .await;
    // Wrong passwords with the right code: each is counted, and each writes the account
    // while the reset is hashing the new password.
    let code = app.next_code(&user);
    let form = [
        ("csrf", admin.csrf.as_str()),
        ("email", user.email.as_str()),
    ];
    let guesses = join_all((0..RACERS).map(|i| {
        let guess = format!("wrong guess number {i}");
        let (app, email, code) = (&app, user.email.clone(), code.clone());
        async move { app.login_raw(&email, &guess, &code).await }
    }));
    let reset = app.post_form("/admin/users/reset-password", Some(&admin.session), &form);
    let (guessed, reset) = tokio::join!(guesses, reset);
    assert!(guessed.iter().all(|r| r.status == StatusCode::UNAUTHORIZED));
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    let password = reset
        .body
        .split("id=\"one-time-password\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the page shows the one-time password")
        .to_owned();
    // Past the factor's lock, which the racers' wrong codes may have set.
    app.clock.advance(time::Duration::seconds(61));
    let later = app.next_code(&user);
    assert_eq!(
        app.login_raw(&user.email, &password, &later).await.status,
        StatusCode::SEE_OTHER,
        "the new password signs in"
    );
}
