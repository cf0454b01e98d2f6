//! A case worked for years has hundreds of notes and messages. Its page shows the newest of
//! what the reader may read, says how many more there are, and shows them all when asked;
//! the count leaves out notes the reader may not read, so it does not betray them either.

use crate::case_team::team_on;
use crate::support::*;
use axum::http::StatusCode;
use serde_json::json;

on_both_stores!(a_case_page_shows_its_newest_history_and_the_rest_when_asked);

/// The entries of the list `id` (a `ul` or an `ol`).
fn entries(page: &str, id: &str) -> usize {
    let open = format!(" id=\"{id}\">");
    let from = page.find(&open).map_or("", |i| &page[i..]);
    let end = from
        .find("</ol>")
        .into_iter()
        .chain(from.find("</ul>"))
        .min();
    end.map_or(0, |e| from[..e].matches("<li>").count())
}

async fn a_case_page_shows_its_newest_history_and_the_rest_when_asked<S: Store>(app: App<S>) {
    let team = team_on(app).await;
    let app = &team.app;
    let notes = format!("/api/v1/cases/{}/notes", team.case);
    for i in 1..=55 {
        // A note a minute, as a case's notes come, so that the newest are the last written.
        app.clock.advance(time::Duration::minutes(1));
        let body = json!({ "category": "general", "body": format!("General note {i:02}.") });
        let r = app.api_post(&notes, &team.cm, &body.to_string()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        if i % 11 == 0 {
            // Among them, notes the case manager may not read: the clinician's own.
            let body = json!({ "category": "psychotherapy", "body": format!("Session {i}.") });
            let r = app
                .api_post(&notes, &team.clinician, &body.to_string())
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
    }
    let messages = format!("/api/v1/cases/{}/messages", team.case);
    for i in 1..=52 {
        app.clock.advance(time::Duration::minutes(1));
        let body = json!({ "body": format!("Message {i:02}.") });
        let r = app.api_post(&messages, &team.cm, &body.to_string()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let session = app.session(&team.cm_user).await;
    let page = format!("/cases/{}", team.case);

    let all = app
        .get(&format!("{page}?history=all"), Some(&session))
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(entries(&all.body, "notes"), 55);
    assert!(all.body.contains("General note 01."));
    assert!(
        !all.body.contains("Session "),
        "the clinician's notes stay closed"
    );
    assert!(!all.body.contains("history-more"), "nothing is left out");
    // The case manager's timeline: the case opened, the clinician joining the team and the
    // 55 general notes; not the clinician's five.
    assert_eq!(entries(&all.body, "messages"), 52);
    assert!(all.body.contains("Message 01."));
    let events = entries(&all.body, "timeline");
    assert_eq!(events, 57, "{}", all.body);

    let newest = app.get(&page, Some(&session)).await;
    assert_eq!(newest.status, StatusCode::OK, "{}", newest.body);
    assert_eq!(entries(&newest.body, "notes"), 50);
    assert!(
        !newest.body.contains("General note 05."),
        "older notes wait"
    );
    assert!(newest.body.contains("General note 06."));
    assert!(newest.body.contains("General note 55."));
    assert!(!newest.body.contains("Session "));
    assert!(
        newest
            .body
            .contains("The newest 50 of the 55 notes you may read are shown."),
        "{}",
        newest.body
    );
    assert_eq!(entries(&newest.body, "messages"), 50);
    assert!(!newest.body.contains("Message 02."), "older messages wait");
    assert!(newest.body.contains("Message 03.") && newest.body.contains("Message 52."));
    assert!(
        newest
            .body
            .contains("The newest 50 of 52 messages are shown."),
        "{}",
        newest.body
    );
    assert_eq!(entries(&newest.body, "timeline"), 50);
    assert!(
        newest
            .body
            .contains(&format!("The newest 50 of {events} entries are shown.")),
        "{}",
        newest.body
    );
    assert!(
        newest.body.contains(&format!(
            "href=\"{page}?history=all#notes\" hx-boost=\"false\""
        )),
        "a link to the rest, which the address bar follows"
    );
    assert!(
        newest.body.contains(&format!("action=\"{page}/notes\"")),
        "the note form is still there"
    );

    // The API's case view is the whole case, as scripts that read it expect.
    let api = app
        .api_get(&format!("/api/v1/cases/{}", team.case), &team.cm)
        .await;
    assert_eq!(body(&api)["notes"].as_array().map(Vec::len), Some(55));
    let thread = app.api_get(&messages, &team.cm).await;
    assert_eq!(thread.status, StatusCode::OK, "{}", thread.body);
    assert_eq!(thread.body.matches("Message ").count(), 52, "every message");

    // Notes and messages over the API: all of them, or only the newest the caller may read,
    // oldest first; `total` says how many there are either way.
    let texts = |r: &Reply, list: &str| -> (Vec<String>, Option<u64>) {
        let v = body(r);
        let texts = v[list]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n["body"].as_str().map(str::to_owned))
            .collect();
        (texts, v["total"].as_u64())
    };
    let (all, total) = texts(&app.api_get(&notes, &team.cm).await, "notes");
    assert_eq!((all.len(), total), (55, Some(55)));
    let newest = app.api_get(&format!("{notes}?newest=10"), &team.cm).await;
    assert_eq!(newest.status, StatusCode::OK, "{}", newest.body);
    let (ten, total) = texts(&newest, "notes");
    assert_eq!(total, Some(55), "the psychotherapy notes are not counted");
    assert_eq!(ten.len(), 10);
    assert_eq!(
        (ten[0].as_str(), ten[9].as_str()),
        ("General note 46.", "General note 55.")
    );
    // The clinician reads (and counts) her own notes too. Her last note was written in the
    // same minute as the last general one, so those two may come in either order.
    let clinician = app
        .api_get(&format!("{notes}?newest=3"), &team.clinician)
        .await;
    let (mut three, total) = texts(&clinician, "notes");
    three.sort();
    assert_eq!(
        (three, total),
        (
            vec![
                "General note 54.".to_owned(),
                "General note 55.".to_owned(),
                "Session 55.".to_owned()
            ],
            Some(60)
        ),
        "the clinician reads and counts her own too"
    );
    let (five, total) = texts(
        &app.api_get(&format!("{messages}?newest=5"), &team.cm).await,
        "messages",
    );
    assert_eq!(total, Some(52));
    assert_eq!(
        five,
        (48..=52)
            .map(|i| format!("Message {i}."))
            .collect::<Vec<_>>()
    );
    for list in [&notes, &messages] {
        for (query, code, field) in [
            ("newest=0", "invalid", Some("newest")),
            ("newest=201", "invalid", Some("newest")),
            ("newest=ten", "invalid", Some("newest")),
            ("page=2", "unknown_field", None),
        ] {
            let r = app.api_get(&format!("{list}?{query}"), &team.cm).await;
            let error = &body(&r)["error"];
            assert_eq!(
                (r.status, error["code"].as_str(), error["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(code), field),
                "{list}?{query}: {}",
                r.body
            );
        }
    }

    for query in ["history=everything", "history=", "page=2"] {
        let r = app.get(&format!("{page}?{query}"), Some(&session)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(r.body.contains("history"), "{query}: names the field");
    }
}
