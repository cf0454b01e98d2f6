//! A person's time zone, chosen on the account page: notes, the timeline, the sharing
//! panel's dates, the account page's and what the dashboard calls overdue follow it;
//! without one, times are UTC and say so.

use crate::support::*;
use axum::http::StatusCode;
use haven_domain::access::Role;
use serde_json::json;

on_both_stores!(
    notes_and_the_timeline_show_the_readers_time_and_say_utc_without_a_zone,
    a_task_due_today_where_the_reader_is_is_not_overdue,
    a_zone_the_database_does_not_know_is_refused_and_nothing_changes,
    choosing_a_language_keeps_the_zone_and_choosing_a_zone_keeps_the_language,
    releases_referrals_messages_and_tokens_show_the_readers_dates,
);

/// The part of a page between `from` and the next `until`.
fn part<'a>(page: &'a str, from: &str, until: &str) -> &'a str {
    let start = page.find(from).unwrap_or_else(|| panic!("no {from}"));
    let rest = &page[start..];
    &rest[..rest.find(until).unwrap_or(rest.len())]
}

async fn choose_zone<S: Store>(app: &App<S>, session: &str, csrf: &str, zone: &str) {
    let r = app
        .post_form(
            "/account/time-zone",
            Some(session),
            &[("csrf", csrf), ("time_zone", zone)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{zone}: {}", r.body);
}

/// A signed-in case manager with a new case, at 03:00 UTC on 29 November — still the
/// evening of the 28th in Los Angeles. Returns the person, their session, its CSRF token
/// and the case's page.
async fn evening_in_los_angeles<S: Store>(app: &App<S>) -> (User, String, String, String) {
    app.clock.advance(time::Duration::hours(15));
    let PageUser {
        user,
        session: s,
        csrf,
    } = app
        .page_user(app.org_a, "zones@example.org", &[Role::CaseManager])
        .await;
    let r = app
        .post_form(
            "/intake",
            Some(&s),
            &[("csrf", &csrf), ("pseudonym", "Noor")],
        )
        .await;
    let case_url = r.location().unwrap().to_owned();
    (user, s, csrf, case_url)
}

async fn notes_and_the_timeline_show_the_readers_time_and_say_utc_without_a_zone<S: Store>(
    app: App<S>,
) {
    let (user, s, csrf, case_url) = evening_in_los_angeles(&app).await;
    let r = app
        .post_form(
            &format!("{case_url}/notes"),
            Some(&s),
            &[
                ("csrf", &csrf),
                ("category", "general"),
                ("body", "Called back"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let page = app.get(&case_url, Some(&s)).await.body;
    let notes = part(&page, "<ul id=\"notes\">", "</ul>");
    assert!(notes.contains(" 2026-11-29 03:0"), "{notes}");
    assert!(
        notes.contains(" UTC"),
        "a time without a zone says UTC: {notes}"
    );
    let timeline = part(&page, "<ol id=\"timeline\">", "</ol>");
    assert!(timeline.contains("<li>2026-11-29 03:0"), "{timeline}");

    choose_zone(&app, &s, &csrf, "America/Los_Angeles").await;
    let account = app.get("/account", Some(&s)).await.body;
    assert!(account.contains("<option selected>America/Los_Angeles</option>"));
    let page = app.get(&case_url, Some(&s)).await.body;
    let notes = part(&page, "<ul id=\"notes\">", "</ul>");
    assert!(notes.contains(" 2026-11-28 19:0"), "{notes}");
    assert!(!notes.contains("UTC"), "{notes}");
    let timeline = part(&page, "<ol id=\"timeline\">", "</ol>");
    assert!(timeline.contains("<li>2026-11-28 19:0"), "{timeline}");
    assert!(!timeline.contains("2026-11-29"), "{timeline}");
    let report = app
        .get(&format!("{case_url}/access-report"), Some(&s))
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    assert!(
        report.body.contains(" 2026-11-28 19:0"),
        "the report's time is the reader's too: {}",
        report.body
    );

    let r = app
        .api_get(
            &format!("/api/v1/cases/{}", case_url.trim_start_matches("/cases/")),
            &app.token(&user).await,
        )
        .await;
    let at = body(&r)["notes"][0]["created_at"].as_i64().unwrap();
    let at = time::OffsetDateTime::from_unix_timestamp(at).unwrap();
    assert_eq!(
        (at.date(), at.hour()),
        (time::macros::date!(2026 - 11 - 29), 3),
        "the API answers the instant, not the reader's clock"
    );
}

async fn a_task_due_today_where_the_reader_is_is_not_overdue<S: Store>(app: App<S>) {
    let (_, s, csrf, case_url) = evening_in_los_angeles(&app).await;
    let r = app
        .post_form(
            &format!("{case_url}/tasks"),
            Some(&s),
            &[
                ("csrf", &csrf),
                ("title", "Ring the shelter"),
                ("due_on", "2026-11-28"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let home = app.get("/", Some(&s)).await.body;
    assert!(
        home.contains("class=\"overdue\""),
        "in UTC it is already the 29th"
    );
    choose_zone(&app, &s, &csrf, "America/Los_Angeles").await;
    let home = app.get("/", Some(&s)).await.body;
    assert!(home.contains("Ring the shelter"), "still due");
    assert!(
        !home.contains("class=\"overdue\""),
        "in Los Angeles it is still the 28th"
    );
}

async fn a_zone_the_database_does_not_know_is_refused_and_nothing_changes<S: Store>(app: App<S>) {
    let PageUser {
        session: s, csrf, ..
    } = app
        .page_user(app.org_a, "zones@example.org", &[Role::CaseManager])
        .await;
    choose_zone(&app, &s, &csrf, "america/bogota").await;
    let account = app.get("/account", Some(&s)).await.body;
    assert!(
        account.contains("<option selected>America/Bogota</option>"),
        "stored as the database spells it"
    );
    for bad in ["Mars/Olympus", "../../etc/passwd", "UTC+3"] {
        let r = app
            .post_form(
                "/account/time-zone",
                Some(&s),
                &[("csrf", &csrf), ("time_zone", bad)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            r.body.contains("choose a time zone from the list"),
            "{bad}: {}",
            r.body
        );
        assert!(!r.body.contains(bad), "the refused value is not echoed");
    }
    let account = app.get("/account", Some(&s)).await.body;
    assert!(account.contains("<option selected>America/Bogota</option>"));
    // The list is by area, and offers neither old spellings nor `Etc/GMT+5`, which is five
    // hours behind UTC; an old spelling chosen all the same still shows as chosen.
    assert!(account.contains("<optgroup label=\"America\">"));
    assert!(!account.contains(">US/Eastern<") && !account.contains(">Etc/GMT+5<"));
    choose_zone(&app, &s, &csrf, "US/Eastern").await;
    let account = app.get("/account", Some(&s)).await.body;
    assert!(
        account.contains(
            "<optgroup label=\"Chosen earlier\"><option selected>US/Eastern</option></optgroup>"
        ),
        "{account}"
    );
    let zones = part(&account, "id=\"time-zone\"", "</select>");
    assert_eq!(zones.matches(" selected>").count(), 1, "one choice shown");
    choose_zone(&app, &s, &csrf, "").await;
    let account = app.get("/account", Some(&s)).await.body;
    assert!(account.contains("<option value=\"\" selected>UTC (none chosen)</option>"));
}

/// Language and zone are written together as the person's preferences: each choice keeps
/// the other as it was.
async fn choosing_a_language_keeps_the_zone_and_choosing_a_zone_keeps_the_language<S: Store>(
    app: App<S>,
) {
    let PageUser {
        session: s, csrf, ..
    } = app
        .page_user(app.org_a, "both@example.org", &[Role::CaseManager])
        .await;
    choose_zone(&app, &s, &csrf, "Africa/Lagos").await;
    let r = app
        .post_form(
            "/account/language",
            Some(&s),
            &[("csrf", &csrf), ("language", "es")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let account = app.get("/account", Some(&s)).await.body;
    assert!(account.contains("Zona horaria"), "the page speaks Spanish");
    assert!(
        account.contains("<option selected>Africa/Lagos</option>"),
        "the zone is kept"
    );
    choose_zone(&app, &s, &csrf, "").await;
    let account = app.get("/account", Some(&s)).await.body;
    assert!(
        account.contains("<option value=\"\" selected>UTC (ninguna elegida)</option>"),
        "back to UTC, still in Spanish"
    );
}

/// The sharing panel (a release's end, the default end offered for a new one, a
/// referral's response deadline, a message) and the account page (a token's date) show
/// the reader's dates: at 03:00 UTC on 29 November each is a day earlier in Los Angeles.
async fn releases_referrals_messages_and_tokens_show_the_readers_dates<S: Store>(app: App<S>) {
    let (user, s, csrf, case_url) = evening_in_los_angeles(&app).await;
    let case = case_url.trim_start_matches("/cases/");
    let token = app.token(&user).await;
    let clinician = app
        .staff_token(app.org_b, "doc@clinic.org", &[Role::Clinician])
        .await;
    let medical = crate::referrals::directory(&app, &[(app.org_b, "Medical care", "medical")])
        .await
        .remove(0);
    let release = json!({
        "recipient_org": app.org_b, "categories": ["identity", "medical"],
        "purpose": "follow-up care", "method": "signed_form", "evidence": "form 17",
        "expires_at": "2026-12-10T04:00:00Z",
    });
    let r = app
        .api_post(
            &format!("/api/v1/cases/{case}/consents"),
            &token,
            &release.to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let consent = body(&r)["id"].clone();
    let r = app
        .api_post(
            &format!("/api/v1/cases/{case}/referrals"),
            &token,
            &json!({ "service_id": medical, "consent_id": consent }).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let referral = body(&r)["id"].as_str().unwrap().to_owned();
    let r = app
        .api_post(
            &format!("/api/v1/referrals/{referral}/moves"),
            &clinician,
            r#"{"action":"accept"}"#,
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = app
        .api_post(
            &format!("/api/v1/cases/{case}/messages"),
            &token,
            r#"{"body":"She can come on Monday"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // A new release ends by default this many days from now, which in Los Angeles is
    // still a day earlier.
    let days = i64::from(app.haven.consent_rules().default_days);
    let offered = |behind: i64| {
        let at = app.haven.now() + time::Duration::days(days) - time::Duration::hours(behind);
        format!("value=\"{}\"", at.date())
    };
    let dates = |page: &str| {
        (
            part(page, "<table id=\"consents\"", "</table>").to_owned(),
            part(page, "<table id=\"referrals\"", "</table>").to_owned(),
            part(page, "<ul id=\"messages\">", "</ul>").to_owned(),
        )
    };
    let page = app.get(&case_url, Some(&s)).await.body;
    let (releases, referrals, messages) = dates(&page);
    assert!(releases.contains("2026-12-10"), "{releases}");
    assert!(referrals.contains("2026-11-30"), "{referrals}");
    assert!(messages.contains("2026-11-29 03:0"), "{messages}");
    assert!(page.contains(&offered(0)));
    let account = app.get("/account", Some(&s)).await.body;
    assert!(account.contains("<td>2026-11-29</td>"), "{account}");

    choose_zone(&app, &s, &csrf, "America/Los_Angeles").await;
    let page = app.get(&case_url, Some(&s)).await.body;
    let (releases, referrals, messages) = dates(&page);
    assert!(
        releases.contains("2026-12-09") && !releases.contains("2026-12-10"),
        "a release ends at 20:00 on the 9th in Los Angeles: {releases}"
    );
    assert!(
        referrals.contains("2026-11-29") && !referrals.contains("2026-11-30"),
        "the clinic must answer by 19:00 on the 29th in Los Angeles: {referrals}"
    );
    assert!(
        messages.contains("2026-11-28 19:0") && !messages.contains("UTC"),
        "{messages}"
    );
    assert!(
        page.contains(&offered(8)) && !page.contains(&offered(0)),
        "the default end is the reader's date"
    );
    let account = app.get("/account", Some(&s)).await.body;
    assert!(
        account.contains("<td>2026-11-28</td>") && !account.contains("<td>2026-11-29</td>"),
        "the token's date is the reader's: {account}"
    );
}
