//! The case page opens its plan on what is still to do: open tasks by due date with the
//! overdue ones said so, open goals, and what is finished folded away below.

use crate::case_team::{add_task, team_on};
use crate::support::*;
use axum::http::StatusCode;
use serde_json::json;

on_both_stores!(the_case_page_shows_open_work_first_and_folds_away_what_is_finished);

/// The part of `page` from `from` up to the next `until`.
fn section<'a>(page: &'a str, from: &str, until: &str) -> &'a str {
    let start = page
        .find(from)
        .unwrap_or_else(|| panic!("{from} in {page}"));
    let rest = &page[start..];
    &rest[..rest.find(until).unwrap_or(rest.len())]
}

async fn the_case_page_shows_open_work_first_and_folds_away_what_is_finished<S: Store>(
    app: App<S>,
) {
    let t = team_on(app).await;
    let app = &t.app;
    // The test clock's today is 2026-11-28.
    add_task(app, &t.cm, &t.case, "Renew the permit", "2027-01-15").await;
    add_task(app, &t.cm, &t.case, "Call the lawyer back", "2026-11-27").await;
    add_task(app, &t.cm, &t.case, "Dentist", "2026-11-28").await;
    let done = add_task(app, &t.cm, &t.case, "Book the interpreter", "2026-11-20").await;
    let r = app
        .api_post(
            &format!("/api/v1/cases/{}/tasks/{done}/done", t.case),
            &t.cm,
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let goal = |title: &str| {
        let (path, cm) = (format!("/api/v1/cases/{}/goals", t.case), t.cm.clone());
        let b = json!({ "title": title }).to_string();
        async move {
            body(&app.api_post(&path, &cm, &b).await)["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    goal("Safe housing").await;
    let reached = goal("A school place").await;
    let r = app
        .api_post(
            &format!("/api/v1/cases/{}/goals/{reached}/status", t.case),
            &t.cm,
            &json!({ "status": "achieved" }).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    let session = app.session(&t.cm_user).await;
    let page = app
        .get(&format!("/cases/{}", t.case), Some(&session))
        .await
        .body;
    let open = section(&page, "<ul id=\"tasks\">", "</ul>");
    let order: Vec<usize> = ["Call the lawyer back", "Dentist", "Renew the permit"]
        .iter()
        .map(|title| {
            open.find(title)
                .unwrap_or_else(|| panic!("{title} in {open}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "by due date: {open}");
    assert_eq!(
        open.matches("overdue").count(),
        2,
        "one overdue line, class and word: {open}"
    );
    assert!(
        open.contains("<li class=\"overdue\">2026-11-27 <strong>overdue</strong>"),
        "yesterday's task is overdue, today's is not: {open}"
    );
    assert!(!open.contains("Book the interpreter"), "{open}");
    let finished = section(&page, "<details id=\"done-tasks\">", "</details>");
    assert!(
        finished.contains("Done (1)") && finished.contains("Book the interpreter"),
        "{finished}"
    );
    assert!(
        !finished.contains("<form"),
        "nothing to do about a done task"
    );

    let goals = section(&page, "<ul id=\"goals\">", "</ul>");
    assert!(
        goals.contains("Safe housing") && !goals.contains("A school place"),
        "{goals}"
    );
    let closed = section(&page, "<details id=\"closed-goals\">", "</details>");
    assert!(
        closed.contains("Achieved or dropped (1)")
            && closed.contains("A school place")
            && closed.contains("achieved"),
        "{closed}"
    );
}
