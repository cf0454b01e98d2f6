//! What a caseworker typed into a form of the case page is never lost to a refusal: the
//! page shows the form again as typed, and where it cannot (the case is no longer theirs to
//! see), the not-found page hands the text back, the same page as for a case that never
//! existed. A session that has ended is shown nothing.

use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use haven_domain::access::Role;

on_both_stores!(
    a_refused_change_shows_its_form_again_as_typed,
    a_refused_release_shows_its_form_again_as_typed,
    a_note_on_a_case_gone_from_view_is_handed_back_and_nothing_more,
    a_refused_intake_referral_shows_its_form_again_as_typed,
    an_edit_of_a_record_gone_from_view_hands_back_what_was_typed,
    a_refused_new_account_shows_its_form_again_as_typed,
);

/// A case taken in on the pages by a new case manager of `org`: (its page, the writer).
async fn case_of<S: Store>(
    app: &App<S>,
    org: haven_domain::OrgId,
    email: &str,
) -> (String, PageUser) {
    let writer = app.page_user(org, email, &[Role::CaseManager]).await;
    let intake = [("csrf", writer.csrf.as_str()), ("pseudonym", "Abeba")];
    let r = app
        .post_form("/intake", Some(&writer.session), &intake)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    (r.location().unwrap().to_owned(), writer)
}

const NOTE: &str = "Slept badly again; asked about the clinic on Thursday.";

async fn a_refused_change_shows_its_form_again_as_typed<S: Store>(app: App<S>) {
    let (case, w) = case_of(&app, app.org_a, "writer@example.org").await;
    let post = |path: &str, pairs: Vec<(&'static str, String)>| {
        let (app, session, csrf) = (&app, w.session.clone(), w.csrf.clone());
        let path = format!("{case}/{path}");
        async move {
            let mut form = vec![("csrf", csrf.as_str())];
            form.extend(pairs.iter().map(|(k, v)| (*k, v.as_str())));
            app.post_form(&path, Some(&session), &form).await
        }
    };
    // A note that fits the page's box is taken, though the browser sends each line break
    // as two characters; one character more is refused, and shown again as typed.
    let fits = format!("{}abcde", "abcd\r\n".repeat(3_999));
    let r = post(
        "notes",
        vec![("category", "safety".into()), ("body", fits.clone())],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "20,000 characters as typed"
    );
    let over = format!("{NOTE}\r\n{fits}");
    let r = post(
        "notes",
        vec![("category", "safety".into()), ("body", over.clone())],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("role=\"alert\""), "says why");
    assert!(
        r.body.contains(&format!(">{over}</textarea>")),
        "the note as typed"
    );
    assert!(r.body.contains("<option value=\"safety\" selected>"));

    let r = post(
        "status",
        vec![
            ("status", "open".into()),
            ("reason", "Back from hospital".into()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("<option value=\"open\" selected>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"Back from hospital\""));

    let r = post(
        "tasks",
        vec![
            ("title", "Book the clinic".into()),
            ("due_on", "next week".into()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("value=\"Book the clinic\""));
    assert!(r.body.contains("value=\"next week\""));

    let r = post("team", vec![("email", "nobody-here@example.org".into())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("value=\"nobody-here@example.org\""));

    let long_goal = format!("Find a school {}", "near the shelter ".repeat(20));
    let r = post("goals", vec![("title", long_goal.clone())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(&format!("value=\"{long_goal}\"")));

    let r = post(
        "adversaries",
        vec![
            ("name", "The driver, Marco".into()),
            ("relationship", "Landlord?".into()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("value=\"The driver, Marco\""), "{}", r.body);

    let r = post(
        "classification",
        vec![
            ("exploitation", "piracy".into()),
            ("trafficking_type", "3".into()),
            ("safety_risk", "on".into()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("name=\"trafficking_type\" value=\"3\" checked"),
        "the boxes as ticked, not as stored"
    );
    assert!(r.body.contains("name=\"safety_risk\" value=\"on\" checked"));

    // Nothing refused was written, and a page read afresh offers empty forms.
    let page = app.get(&case, Some(&w.session)).await;
    assert_eq!(page.status, StatusCode::OK);
    for typed in [NOTE, "Back from hospital", "Book the clinic", "nobody-here"] {
        assert!(!page.body.contains(typed), "{typed} is on the page");
    }
    assert!(
        !page.body.contains("<option value=\"safety\" selected>"),
        "the note form starts afresh"
    );
}

/// The form of a release as the page sends it (`multipart/form-data`, for the scan).
fn multipart(pairs: &[(&str, &str)]) -> (String, String) {
    const BOUNDARY: &str = "haven-test-boundary";
    let mut body = String::new();
    for (name, value) in pairs {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

async fn a_refused_release_shows_its_form_again_as_typed<S: Store>(app: App<S>) {
    let (case, w) = case_of(&app, app.org_a, "writer@example.org").await;
    let recipient = app.org_b.to_string();
    let (content_type, form) = multipart(&[
        ("csrf", &w.csrf),
        ("recipient_org", &recipient),
        ("category", "medical"),
        ("category", "legal"),
        ("purpose", "Follow-up at the partner clinic"),
        ("method", "carrier pigeon"),
        ("evidence", "Form 12, signed at intake"),
        ("signer", "survivor"),
        ("guardian", ""),
        ("expires_on", "2027-03-01"),
    ]);
    let r = app
        .send(
            Request::post(format!("{case}/consents"))
                .header(header::CONTENT_TYPE, content_type)
                .header(
                    header::COOKIE,
                    format!("__Host-haven_session={}", w.session),
                )
                .body(Body::from(form))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for shown in [
        format!("<option value=\"{recipient}\" selected>"),
        "name=\"category\" value=\"medical\" checked".to_owned(),
        "name=\"category\" value=\"legal\" checked".to_owned(),
        "value=\"Follow-up at the partner clinic\"".to_owned(),
        "value=\"Form 12, signed at intake\"".to_owned(),
        "name=\"expires_on\" type=\"date\" required value=\"2027-03-01\"".to_owned(),
    ] {
        assert!(r.body.contains(&shown), "{shown} is not shown: {}", r.body);
    }
    assert!(
        !r.body
            .contains("name=\"category\" value=\"identity\" checked"),
        "only the boxes ticked"
    );
}

async fn a_note_on_a_case_gone_from_view_is_handed_back_and_nothing_more<S: Store>(app: App<S>) {
    let (case, _) = case_of(&app, app.org_a, "writer@example.org").await;
    // A case manager of another organisation: the case is not theirs to see, as a case that
    // moved away meanwhile is not.
    let other = app
        .page_user(app.org_b, "other@example.org", &[Role::CaseManager])
        .await;
    let note = |csrf: &str| {
        [
            ("csrf", csrf.to_owned()),
            ("category", "general".into()),
            ("body", NOTE.into()),
        ]
    };
    let send = |path: String, session: Option<String>, csrf: String| {
        let app = &app;
        async move {
            let form = note(&csrf);
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(&path, session.as_deref(), &pairs).await
        }
    };
    let gone = send(
        format!("{case}/notes"),
        Some(other.session.clone()),
        other.csrf.clone(),
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.body);
    assert!(
        gone.body.contains("What you wrote, not saved"),
        "{}",
        gone.body
    );
    assert!(
        gone.body
            .contains(&format!("readonly rows=\"6\">{NOTE}</textarea>")),
        "{}",
        gone.body
    );
    let never = send(
        "/cases/00000000-0000-4000-8000-000000000000/notes".into(),
        Some(other.session.clone()),
        other.csrf.clone(),
    )
    .await;
    assert_eq!(
        (never.status, &never.body),
        (gone.status, &gone.body),
        "the same page as for a case that never existed"
    );
    // A form that did not come from Haven, and a session that has ended, get nothing back.
    let forged = send(
        format!("{case}/notes"),
        Some(other.session.clone()),
        "forged".into(),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!forged.body.contains("Slept badly"), "{}", forged.body);
    let ended = send(format!("{case}/notes"), None, other.csrf.clone()).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    assert!(!ended.body.contains("Slept badly"), "{}", ended.body);
}

async fn a_refused_intake_referral_shows_its_form_again_as_typed<S: Store>(app: App<S>) {
    let liaison = app
        .page_user(app.org_b, "officer@example.org", &[Role::LeLiaison])
        .await;
    let form = [
        ("csrf", liaison.csrf.as_str()),
        ("service_id", "no-such-service"),
        ("pseudonym", "Person met at the raid"),
        ("note", "Speaks Tagalog; afraid of the driver."),
    ];
    let r = app
        .post_form("/referrals/intake", Some(&liaison.session), &form)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("value=\"Person met at the raid\""),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains(">Speaks Tagalog; afraid of the driver.</textarea>")
    );
}

async fn an_edit_of_a_record_gone_from_view_hands_back_what_was_typed<S: Store>(app: App<S>) {
    let (case, _) = case_of(&app, app.org_a, "writer@example.org").await;
    let other = app
        .page_user(app.org_b, "other@example.org", &[Role::CaseManager])
        .await;
    let form = [
        ("csrf", other.csrf.as_str()),
        ("pseudonym", "Abeba"),
        ("phone", "+1 555 0199"),
        ("safe_contact", "Texts only, never after 6 pm"),
    ];
    let gone = app
        .post_form(&format!("{case}/survivor"), Some(&other.session), &form)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.body);
    for typed in ["+1 555 0199", "Texts only, never after 6 pm", ">Phone"] {
        assert!(gone.body.contains(typed), "{typed}: {}", gone.body);
    }
    let never = app
        .post_form(
            "/cases/00000000-0000-4000-8000-000000000000/survivor",
            Some(&other.session),
            &form,
        )
        .await;
    assert_eq!((never.status, &never.body), (gone.status, &gone.body));
}

/// The database fails an intake halfway (a trigger standing in for a full disk): the
/// server's error page gives its reference and hands back the record as typed, and nothing
/// is stored.
#[tokio::test]
async fn an_intake_the_database_fails_hands_back_what_was_typed() {
    let app = App::new().await;
    let w = app
        .page_user(app.org_a, "writer@example.org", &[Role::CaseManager])
        .await;
    let db = rusqlite::Connection::open(app.data_dir().join("db/haven.db")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER fail_the_case BEFORE INSERT ON cases \
         BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;",
    )
    .unwrap();
    let form = [
        ("csrf", w.csrf.as_str()),
        ("pseudonym", "Rosa"),
        ("legal_name", "Rosa Example"),
        ("languages", "Spanish, Quechua"),
        ("confirm_new", "on"),
    ];
    let r = app.post_form("/intake", Some(&w.session), &form).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    assert!(r.body.contains("give your administrator this reference"));
    for typed in [
        "Rosa Example",
        "Spanish, Quechua",
        "What you wrote, not saved",
    ] {
        assert!(r.body.contains(typed), "{typed}: {}", r.body);
    }
    assert!(!r.body.contains("disk"), "no detail of the fault");
    let home = app.get("/", Some(&w.session)).await;
    assert!(
        !home.body.contains("Rosa"),
        "nothing of the intake was stored"
    );
}

async fn a_refused_new_account_shows_its_form_again_as_typed<S: Store>(app: App<S>) {
    let admin = app
        .page_user(app.org_a, "admin@example.org", &[Role::Admin])
        .await;
    app.account(app.org_a, "taken@example.org", &[Role::CaseManager])
        .await;
    let form = [
        ("csrf", admin.csrf.as_str()),
        ("display_name", "Dana Reyes"),
        ("email", "taken@example.org"),
        ("role", "clinician"),
    ];
    let r = app
        .post_form("/admin/users", Some(&admin.session), &form)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for shown in [
        "value=\"Dana Reyes\"",
        "value=\"taken@example.org\"",
        "<option value=\"clinician\" selected>",
    ] {
        assert!(r.body.contains(shown), "{shown}: {}", r.body);
    }
}
