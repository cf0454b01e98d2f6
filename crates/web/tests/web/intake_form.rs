//! Intake in the browser, without JavaScript: every field of the survivor record and the
//! case's classification can be recorded from the form, shown on the case page, and bad
//! choices are refused with the form kept as typed.

use crate::support::*;
use axum::http::StatusCode;
use haven_domain::access::Role;

on_both_stores!(
    the_intake_form_records_every_field_and_the_case_page_shows_them,
    a_pseudonym_alone_is_enough_and_the_page_shows_nothing_unrecorded,
    bad_choices_on_the_intake_form_are_refused_kept_as_typed_and_nothing_is_written,
    a_form_that_is_not_utf8_is_refused_and_nothing_is_written,
);

/// A signed-in case manager with a session, its CSRF token and an API token.
struct Desk<S: Store> {
    app: App<S>,
    session: String,
    csrf: String,
    token: String,
}

async fn desk_on<S: Store>(app: App<S>) -> Desk<S> {
    let user = app
        .enrolled(app.org_a, "desk@example.org", &[Role::CaseManager])
        .await;
    let session = app.session(&user).await;
    let csrf = app.csrf_of(&session).await;
    let token = app.token(&user).await;
    Desk {
        app,
        session,
        csrf,
        token,
    }
}

impl<S: Store> Desk<S> {
    async fn intake(&self, fields: &[(&str, &str)]) -> Reply {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.app
            .post_form("/intake", Some(&self.session), &form)
            .await
    }
}

async fn the_intake_form_records_every_field_and_the_case_page_shows_them<S: Store>(app: App<S>) {
    let d = desk_on(app).await;
    let r = d
        .intake(&[
            ("pseudonym", "Selam"),
            ("legal_name", "Selamawit Tesfaye"),
            ("aliases", "Sami\r\n\r\n  Selam T.  \r\n"),
            ("date_of_birth", "1996-03-14"),
            ("estimated_age", ""),
            ("gender", "female"),
            ("nationality", "Eritrean"),
            ("nationality_region", "africa"),
            ("languages", "Tigrinya, Arabic,, "),
            ("interpreter_needed", "on"),
            ("phone", "+44 7700 900123"),
            ("email", "selam@example.net"),
            ("safe_contact", "Texts only"),
            ("exploitation", "labour"),
            ("trafficking_type", "5"),
            ("trafficking_type", "11"),
            ("safety_risk", "on"),
        ])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page_url = r.location().unwrap().to_owned();
    let case = page_url.trim_start_matches("/cases/").to_owned();

    let page = d.app.get(&page_url, Some(&d.session)).await;
    assert_eq!(page.status, StatusCode::OK);
    let details = page
        .body
        .split("<dl id=\"details\">")
        .nth(1)
        .and_then(|rest| rest.split("</dl>").next())
        .unwrap_or_default()
        .to_owned();
    for shown in [
        "Selamawit Tesfaye",
        "Sami, Selam T.",
        "1996-03-14",
        "<dt>Gender</dt><dd>Female</dd>",
        "Eritrean",
        "<dd>Africa</dd>",
        "<dt>Languages</dt><dd>Tigrinya, Arabic</dd>",
        "<dt>Interpreter</dt><dd>Needed</dd>",
        "+44 7700 900123",
        "selam@example.net",
        "Texts only",
        "<dt>Exploitation</dt><dd>Labour</dd>",
        "5. Domestic work; 11.",
    ] {
        assert!(details.contains(shown), "{shown} missing from {details}");
    }

    let c = body(
        &d.app
            .api_get(&format!("/api/v1/cases/{case}"), &d.token)
            .await,
    );
    let s = &c["survivor"];
    assert_eq!(s["aliases"], serde_json::json!(["Sami", "Selam T."]));
    assert_eq!(s["gender"], "female");
    assert_eq!(s["nationality"], "Eritrean");
    assert_eq!(s["nationality_region"], "africa");
    assert_eq!(s["languages"], serde_json::json!(["Tigrinya", "Arabic"]));
    assert_eq!(s["interpreter_needed"], true);
    assert_eq!(s["email"], "selam@example.net");
    let types: Vec<u64> = c["trafficking_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    assert_eq!(types, vec![5, 11]);
    assert_eq!(c["flags"]["safety_risk"], true);
    assert_eq!(c["flags"]["immigration_sensitive"], false);
}

async fn a_pseudonym_alone_is_enough_and_the_page_shows_nothing_unrecorded<S: Store>(app: App<S>) {
    let d = desk_on(app).await;
    let r = d.intake(&[("pseudonym", "Nobody Asked")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = d.app.get(r.location().unwrap(), Some(&d.session)).await;
    assert!(page.body.contains("Nobody Asked"));
    for absent in [
        "<dt>Gender</dt>",
        "<dt>Interpreter</dt>",
        "<dt>Languages</dt>",
    ] {
        assert!(
            !page.body.contains(absent),
            "{absent} shown though unrecorded"
        );
    }
}

async fn bad_choices_on_the_intake_form_are_refused_kept_as_typed_and_nothing_is_written<
    S: Store,
>(
    app: App<S>,
) {
    let d = desk_on(app).await;
    let before = d.app.audit_reasons("survivor_create").await.len();
    // A select or checkbox only sends its own values; these come from a tampered form.
    for (bad, says) in [
        (
            ("trafficking_type", "26"),
            "trafficking types are numbered 1 to 25",
        ),
        (
            ("trafficking_type", "five"),
            "trafficking types are numbered 1 to 25",
        ),
        (("gender", "robot"), "use one of: female, male, non_binary"),
        (
            ("nationality_region", "atlantis"),
            "use one of: africa, americas",
        ),
        (
            ("exploitation", "piracy"),
            "use one of: sex, labour, both, other",
        ),
        (("email", &*"e".repeat(501)), "the email address"),
    ] {
        let r = d
            .intake(&[
                ("pseudonym", "Kept"),
                ("nationality", "Typed before the mistake"),
                ("trafficking_type", "3"),
                bad,
            ])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert!(r.body.contains("role=\"alert\""), "{bad:?}: no error shown");
        assert!(
            r.body.contains(says),
            "{bad:?}: the error does not say {says}"
        );
        assert!(
            r.body.contains("value=\"Typed before the mistake\""),
            "{bad:?}: the form lost what was typed"
        );
        assert!(
            r.body.contains("value=\"3\" checked"),
            "{bad:?}: the ticked type was lost"
        );
    }
    assert_eq!(d.app.audit_reasons("survivor_create").await.len(), before);
}

/// A name sent in a legacy encoding (Latin-1 "María") is refused with the field named, not
/// stored with U+FFFD in place of the letter; a form that fits no handler gets the same
/// error page, not axum's plain text.
async fn a_form_that_is_not_utf8_is_refused_and_nothing_is_written<S: Store>(app: App<S>) {
    use axum::body::Body;
    use axum::http::{Request, header};
    let d = desk_on(app).await;
    let before = d.app.audit_reasons("survivor_create").await.len();
    let post = |body: Vec<u8>| {
        Request::post("/intake")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(
                header::COOKIE,
                format!("__Host-haven_session={}", d.session),
            )
            .body(Body::from(body))
            .unwrap()
    };
    let csrf = format!("csrf={}", d.csrf);
    for (body, says) in [
        (
            format!("{csrf}&pseudonym=Mar%EDa").into_bytes(),
            "pseudonym: the text is not valid UTF-8",
        ),
        (
            [format!("{csrf}&safe_contact=Mar").as_bytes(), b"\xeda"].concat(),
            "safe_contact: the text is not valid UTF-8",
        ),
    ] {
        let r = d.app.send(post(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains(says), "{}", r.body);
        assert!(r.body.contains("<html"), "an error page, not plain text");
    }
    assert_eq!(d.app.audit_reasons("survivor_create").await.len(), before);

    // A note form without its fields, and a form sent as something else.
    let note = d
        .app
        .post_form("/cases/x/notes", Some(&d.session), &[("csrf", &d.csrf)])
        .await;
    assert_eq!(
        note.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        note.body
    );
    assert!(
        note.body.contains("the form is incomplete"),
        "{}",
        note.body
    );
    let json = d
        .app
        .send(
            Request::post("/intake")
                .header(header::CONTENT_TYPE, "application/json")
                .header(
                    header::COOKIE,
                    format!("__Host-haven_session={}", d.session),
                )
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}
