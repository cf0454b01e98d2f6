//! The case page's forms without JavaScript: a note, the team, the status, tasks and goals.
//! Each posts, checks its CSRF token, and goes back to the case page (post/redirect/get), or
//! shows the page again with what was refused.

use super::Typed;
use super::cases::{after, case_id};
use super::form::PageForm;
use crate::errors::PageError;
use crate::extract::{SignedIn, check_csrf};
use axum::extract::{Path, State};
use axum::response::Response;
use haven_core::problem::Reason;
use haven_core::{CoreError, Haven};
use haven_domain::TaskId;
use haven_domain::case::{CaseStatus, NoteCategory};
use haven_store::Store;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoteForm {
    csrf: String,
    category: String,
    body: String,
}

pub(crate) async fn add_note<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(f): PageForm<NoteForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let category: NoteCategory = f
        .category
        .parse()
        .map_err(|_| CoreError::invalid("category", Reason::ChooseFromList))?;
    let result = haven
        .add_note(&auth, id, category, &f.body)
        .await
        .map(|_| ());
    let typed = Typed::form("notes")
        .field("category", &f.category)
        .text("body", "note", &f.body);
    after(t, &haven, &auth, id, result, typed).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TeamForm {
    csrf: String,
    email: String,
}

pub(crate) async fn add_member<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(f): PageForm<TeamForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let result = haven.add_team_member_by_email(&auth, id, &f.email).await;
    let typed = Typed::form("team").field("email", &f.email);
    after(t, &haven, &auth, id, result, typed).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusForm {
    csrf: String,
    status: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn change_status<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(f): PageForm<StatusForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let to: CaseStatus = f
        .status
        .parse()
        .map_err(|_| CoreError::invalid("status", Reason::ChooseFromList))?;
    let reason = Some(f.reason.as_str()).filter(|r| !r.trim().is_empty());
    let result = haven.change_status(&auth, id, to, reason).await;
    let typed =
        Typed::form("status")
            .field("status", &f.status)
            .text("reason", "reason-label", &f.reason);
    after(t, &haven, &auth, id, result, typed).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TaskForm {
    csrf: String,
    title: String,
    due_on: String,
}

pub(crate) async fn add_task<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(f): PageForm<TaskForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let result = match time::Date::parse(
        f.due_on.trim(),
        &time::format_description::well_known::Iso8601::DATE,
    ) {
        Ok(due) => haven.add_task(&auth, id, &f.title, due).await.map(|_| ()),
        Err(_) => Err(CoreError::invalid("due_on", Reason::DueDateRequired)),
    };
    let typed = Typed::form("tasks")
        .text("title", "task", &f.title)
        .field("due_on", &f.due_on);
    after(t, &haven, &auth, id, result, typed).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn complete_task<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path((id, task)): Path<(String, String)>,
    PageForm(f): PageForm<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let task: TaskId = task.parse().map_err(|_| CoreError::NotFound)?;
    let result = haven.complete_task(&auth, id, task).await;
    after(t, &haven, &auth, id, result, Typed::default()).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RemoveForm {
    csrf: String,
    user_id: String,
}

pub(crate) async fn remove_member<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(f): PageForm<RemoveForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let result = match f.user_id.parse() {
        Ok(user) => haven.remove_team_member(&auth, id, user).await,
        Err(_) => Err(CoreError::invalid("user_id", Reason::ChooseFromList)),
    };
    after(t, &haven, &auth, id, result, Typed::default()).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GoalForm {
    csrf: String,
    title: String,
}

pub(crate) async fn add_goal<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(f): PageForm<GoalForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let result = haven.add_goal(&auth, id, &f.title).await.map(|_| ());
    let typed = Typed::form("goals").text("title", "goal", &f.title);
    after(t, &haven, &auth, id, result, typed).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GoalStatusForm {
    csrf: String,
    status: String,
}

pub(crate) async fn set_goal_status<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path((id, goal)): Path<(String, String)>,
    PageForm(f): PageForm<GoalStatusForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &f.csrf)?;
    let id = case_id(&id)?;
    let goal = goal.parse().map_err(|_| CoreError::NotFound)?;
    let result = match f.status.parse() {
        Ok(status) => haven.set_goal_status(&auth, id, goal, status).await,
        Err(_) => Err(CoreError::invalid("status", Reason::ChooseFromList)),
    };
    after(t, &haven, &auth, id, result, Typed::default()).await
}
