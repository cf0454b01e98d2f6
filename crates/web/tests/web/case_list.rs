//! `GET /api/v1/cases`: my cases, newest first, a page at a time, filtered by status across
//! every page (not only the newest), with the refusals for a bad page size or position; and
//! the dashboard's tasks, from every case of mine.

use crate::case_team::{add_task, team_on};
use crate::support::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

on_both_stores!(
    my_cases_come_a_page_at_a_time_newest_first,
    a_status_filter_reaches_past_the_newest_page,
    a_bad_page_size_or_position_is_refused_by_field,
    a_task_due_on_an_older_case_reaches_the_dashboard,
    the_dashboard_page_links_to_older_cases,
);

/// Takes in one more survivor for the team's case manager, a minute after the last.
async fn intake<S: Store>(app: &App<S>, token: &str, pseudonym: &str) -> String {
    app.clock.advance(time::Duration::minutes(1));
    let r = app
        .api_post(
            "/api/v1/survivors",
            token,
            &json!({ "pseudonym": pseudonym, "case": { "exploitation": "labour" } }).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    body(&r)["case_id"].as_str().unwrap().to_owned()
}

/// The pseudonyms of a page, and its `next`.
fn page(reply: &Reply) -> (Vec<String>, Option<String>) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let v = body(reply);
    let names = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["pseudonym"].as_str().unwrap().to_owned())
        .collect();
    (names, v["next"].as_str().map(str::to_owned))
}

async fn my_cases_come_a_page_at_a_time_newest_first<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    intake(&t.app, &t.cm, "Second").await;
    intake(&t.app, &t.cm, "Third").await;
    let (first, next) = page(&t.app.api_get("/api/v1/cases?limit=2", &t.cm).await);
    assert_eq!(first, ["Third", "Second"]);
    let next = next.expect("a full page says where the next starts");
    let (second, last) = page(
        &t.app
            .api_get(&format!("/api/v1/cases?limit=2&after={next}"), &t.cm)
            .await,
    );
    assert_eq!(second, ["Rosa"]);
    assert_eq!(last, None, "the last page has no next");
    let (all, none) = page(&t.app.api_get("/api/v1/cases", &t.cm).await);
    assert_eq!((all.len(), none), (3, None));
    // Another organisation's case manager is on none of them.
    let (theirs, _) = page(&t.app.api_get("/api/v1/cases", &t.other_org).await);
    assert!(theirs.is_empty());
}

async fn a_status_filter_reaches_past_the_newest_page<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let second = intake(&t.app, &t.cm, "Second").await;
    let r = t
        .app
        .api_post(
            &format!("/api/v1/cases/{second}/status"),
            &t.cm,
            r#"{"status":"active"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    intake(&t.app, &t.cm, "Third").await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/cases?status=open&limit=1".to_owned();
    loop {
        let (names, next) = page(&t.app.api_get(&path, &t.cm).await);
        seen.extend(names);
        let Some(next) = next else { break };
        path = format!("/api/v1/cases?status=open&limit=1&after={next}");
    }
    assert_eq!(seen, ["Third", "Rosa"], "every open case, and only those");
    let (active, _) = page(&t.app.api_get("/api/v1/cases?status=active", &t.cm).await);
    assert_eq!(active, ["Second"]);
}

async fn a_bad_page_size_or_position_is_refused_by_field<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    for (query, field, reason) in [
        ("limit=0", "limit", "page_size"),
        ("limit=201", "limit", "page_size"),
        ("limit=two", "limit", "page_size"),
        ("after=yesterday", "after", "page_position"),
        ("after=1_not-an-id", "after", "page_position"),
        ("status=lost", "status", "one_of"),
    ] {
        let r = t
            .app
            .api_get(&format!("/api/v1/cases?{query}"), &t.cm)
            .await;
        let error: &Value = &body(&r)["error"];
        assert_eq!(
            (r.status, error["field"].as_str(), error["reason"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field), Some(reason)),
            "{query}: {}",
            r.body
        );
    }
}

/// The dashboard lists my newest 200 cases, and the tasks due on any of mine: a task on a
/// case older than those 200 is still there, even when each of the 200 has a task due too
/// (the cases with tasks due are read a page at a time until the last).
async fn a_task_due_on_an_older_case_reaches_the_dashboard<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    add_task(
        &t.app,
        &t.cm,
        &t.case,
        "Renew the protection order",
        "2026-11-30",
    )
    .await;
    for n in 0..200 {
        let case = intake(&t.app, &t.cm, &format!("Newer {n}")).await;
        add_task(&t.app, &t.cm, &case, "Call back", "2026-12-01").await;
    }
    let auth = t.app.haven.authenticate_bearer(&t.cm).await.unwrap();
    let board = t.app.haven.dashboard(&auth, None).await.unwrap();
    assert_eq!(board.cases.len(), 200);
    assert!(board.cases.iter().all(|c| c.pseudonym != "Rosa"));
    assert_eq!(board.tasks.len(), 201, "every task due, on every case");
    assert_eq!(board.tasks[0].title, "Renew the protection order");
    assert_eq!(board.tasks[0].pseudonym, "Rosa");
}

/// The pseudonyms the dashboard page lists under "My cases", and its link to older cases.
fn dashboard_page(reply: &Reply) -> (Vec<String>, Option<String>) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let table = reply
        .body
        .split_once(r#"<table id="my-cases">"#)
        .map_or("", |(_, rest)| {
            rest.split_once("</table>").map_or("", |(t, _)| t)
        });
    let names = table
        .split("<td><a href=\"/cases/")
        .skip(1)
        .filter_map(|cell| {
            cell.split_once("\">")
                .and_then(|(_, rest)| rest.split_once("</a>"))
        })
        .map(|(name, _)| name.to_owned())
        .collect();
    let older = reply
        .body
        .split_once(r#"<a href="/?after="#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(cursor, _)| cursor.to_owned());
    (names, older)
}

/// The dashboard page lists my newest 200 cases and my tasks due, and links to the older
/// cases, which list the rest with a link back and without the tasks again; a page position
/// that is not one is refused, not ignored.
async fn the_dashboard_page_links_to_older_cases<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let task = "Renew the protection order";
    add_task(&t.app, &t.cm, &t.case, task, "2026-11-30").await;
    for n in 0..200 {
        intake(&t.app, &t.cm, &format!("Newer {n}")).await;
    }
    let session = t.app.session(&t.cm_user).await;
    let first = t.app.get("/", Some(&session)).await;
    let (newest, older) = dashboard_page(&first);
    assert_eq!(newest.len(), 200);
    assert!(!newest_page_links_back(&first));
    assert_eq!(newest.first().map(String::as_str), Some("Newer 199"));
    assert!(!newest.contains(&"Rosa".to_owned()));
    assert!(lists_tasks_due(&first, task), "{}", first.body);
    let older = older.expect("a full page links to the older cases");
    let page = t.app.get(&format!("/?after={older}"), Some(&session)).await;
    let (rest, none) = dashboard_page(&page);
    assert_eq!((rest, none), (vec!["Rosa".to_owned()], None));
    assert!(newest_page_links_back(&page), "a link back to the newest");
    assert!(!page.body.contains("Tasks due") && !page.body.contains(task));
    let auth = t.app.haven.authenticate_bearer(&t.cm).await.unwrap();
    let cursor = older.parse().unwrap();
    let board = t.app.haven.dashboard(&auth, Some(cursor)).await.unwrap();
    assert!(board.tasks.is_empty(), "an older page reads no tasks");
    for bad in ["/?after=yesterday", "/?after=1_2", "/?page=2"] {
        let r = t.app.get(bad, Some(&session)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
    }
}

/// Whether the page's "Tasks due" section lists `title`.
fn lists_tasks_due(reply: &Reply, title: &str) -> bool {
    reply
        .body
        .split_once("<h2>Tasks due</h2>")
        .and_then(|(_, rest)| rest.split_once("</table>"))
        .is_some_and(|(tasks, _)| tasks.contains(&format!("<td>{title}</td>")))
}

fn newest_page_links_back(reply: &Reply) -> bool {
    reply
        .body
        .contains(r#"<li><a href="/">Newest cases</a></li>"#)
}
