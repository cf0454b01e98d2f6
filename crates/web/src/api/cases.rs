//! Cases over the API: open, read, list mine, change status, notes by category, tasks.

use super::case_json::{CaseJson, NoteJson};
use super::json::JsonBody;
use super::survivors::CaseFields;
use crate::errors::ApiError;
use crate::extract::ApiCaller;
use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use haven_core::cases::History;
use haven_core::problem::{Problem, Reason};
use haven_core::{CoreError, Haven};
use haven_domain::case::{CaseStatus, GoalStatus, NoteCategory};
use haven_domain::{CaseId, SurvivorId, TaskId};
use haven_store::{BoardCursor, BoardQuery, Store};
use serde::Deserialize;
use serde_json::{Value, json};

/// A case id from the path; anything else is a case that does not exist.
pub(super) fn case_id(raw: &str) -> Result<CaseId, ApiError> {
    raw.parse().map_err(|_| CoreError::NotFound.into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OpenCase {
    survivor_id: String,
    exploitation: Option<String>,
    #[serde(default)]
    trafficking_types: Vec<u8>,
    #[serde(default)]
    safety_risk: bool,
    #[serde(default)]
    immigration_sensitive: bool,
}

pub(crate) async fn create<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    JsonBody(body): JsonBody<OpenCase>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let survivor: SurvivorId = body.survivor_id.parse().map_err(|_| CoreError::NotFound)?;
    let fields = CaseFields::new(
        body.exploitation,
        body.trafficking_types,
        body.safety_risk,
        body.immigration_sensitive,
    );
    let id = haven
        .create_case_for(&auth, survivor, &fields.into_new_case()?)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

pub(crate) async fn show<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = haven.view_case(&auth, case_id(&id)?).await?;
    Ok(Json(CaseJson::from(&view)).into_response())
}

/// `PUT /api/v1/cases/{id}/classification`: exploitation, trafficking types and flags as
/// they should now read; the answer names the categories written (the rest are kept).
pub(crate) async fn classify<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CaseFields>,
) -> Result<Json<Value>, ApiError> {
    let written = haven
        .classify_case(&auth, case_id(&id)?, &body.into_new_case()?)
        .await?;
    Ok(Json(json!({ "written": written })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    status: Option<String>,
    /// Cases per page, [`MAX_PAGE`] at most (and by default).
    limit: Option<String>,
    /// Where the page starts: the `next` value of the page before.
    after: Option<String>,
}

/// The refusal of an `after` that is not a page position a list of cases wrote.
pub(crate) fn not_a_page_position() -> CoreError {
    CoreError::invalid("after", Problem::new(Reason::PagePosition))
}

/// Where a page of cases starts, read back from the `after` a list of cases wrote (the API's
/// `next`, the dashboard's link to older cases).
pub(crate) fn page_after(raw: &str) -> Result<BoardCursor, CoreError> {
    raw.parse().map_err(|_| not_a_page_position())
}

/// The most cases one page of `GET /api/v1/cases` lists, and notes or messages one
/// `?newest=` asks for.
const MAX_PAGE: u32 = 200;

/// How many a page holds, from `field`'s `raw` value: 1 to [`MAX_PAGE`].
fn page_size(field: &'static str, raw: &str) -> Result<u32, CoreError> {
    raw.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_PAGE).contains(n))
        .ok_or_else(|| not_a_page_size(field))
}

fn not_a_page_size(field: &'static str) -> CoreError {
    CoreError::invalid(
        field,
        Problem::new(Reason::PageSize)
            .with("min", 1)
            .with("max", MAX_PAGE),
    )
}

/// My cases, newest first, a page at a time: `next` (absent after the last page) is the
/// `after` of the next.
pub(crate) async fn list<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let status = q
        .status
        .map(|s| s.parse::<CaseStatus>())
        .transpose()
        .map_err(|_| {
            CoreError::invalid(
                "status",
                Problem::one_of(CaseStatus::ALL.iter().map(|s| s.as_str())),
            )
        })?;
    let limit = match q.limit {
        None => MAX_PAGE,
        Some(raw) => page_size("limit", &raw)?,
    };
    let after = q.after.as_deref().map(page_after).transpose()?;
    let page = BoardQuery {
        status: status.map(|s| s.as_str().to_owned()),
        tasks_due_by: None,
        after,
        limit,
    };
    let list = haven.list_cases(&auth, &page).await?;
    let cases: Vec<Value> = list
        .cases
        .iter()
        .map(|c| json!({ "id": c.id, "pseudonym": c.pseudonym, "status": c.status, "flags": { "minor": c.minor, "safety_risk": c.safety_risk } }))
        .collect();
    let mut body = json!({ "cases": cases });
    if let Some(next) = list.next {
        body["next"] = Value::String(next.to_string());
    }
    Ok(Json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusChange {
    status: String,
    reason: Option<String>,
}

pub(crate) async fn change_status<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<StatusChange>,
) -> Result<StatusCode, ApiError> {
    let to: CaseStatus = body.status.parse().map_err(|_| {
        CoreError::invalid(
            "status",
            Problem::one_of(CaseStatus::ALL.iter().map(|s| s.as_str())),
        )
    })?;
    haven
        .change_status(&auth, case_id(&id)?, to, body.reason.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewNote {
    category: String,
    body: String,
}

pub(crate) async fn add_note<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewNote>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let category: NoteCategory = body.category.parse().map_err(|_| {
        CoreError::invalid(
            "category",
            Problem::one_of(NoteCategory::ALL.iter().map(|c| c.as_str())),
        )
    })?;
    let note = haven
        .add_note(&auth, case_id(&id)?, category, &body.body)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": note }))))
}

/// `?newest=N` on a case's notes or messages: only the newest `N` (1 to [`MAX_PAGE`]) the
/// caller may read, oldest first; without it, all of them. Either way the answer's `total`
/// says how many the caller may read in all. Any other parameter is refused.
pub(crate) fn history_of(query: Option<&str>) -> Result<History, ApiError> {
    let pairs: Vec<(String, String)> = match query {
        None | Some("") => return Ok(History::All),
        Some(q) => serde_urlencoded::from_str(q).map_err(|_| not_a_page_size("newest"))?,
    };
    let mut history = History::All;
    for (name, value) in pairs {
        if name != "newest" {
            return Err(ApiError::BadJson {
                code: "unknown_field",
                message: "the only query parameter here is `newest`".into(),
            });
        }
        history = History::Newest(page_size("newest", &value)? as usize);
    }
    Ok(history)
}

pub(crate) async fn notes<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let history = history_of(query.as_deref())?;
    let (notes, total) = haven.note_history(&auth, case_id(&id)?, history).await?;
    let notes: Vec<NoteJson> = notes.iter().map(NoteJson::from).collect();
    Ok(Json(json!({ "notes": notes, "total": total })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewTask {
    title: String,
    due_on: time::Date,
}

pub(crate) async fn add_task<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewTask>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let task = haven
        .add_task(&auth, case_id(&id)?, &body.title, body.due_on)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": task }))))
}

pub(crate) async fn complete_task<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path((id, task)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let task: TaskId = task.parse().map_err(|_| CoreError::NotFound)?;
    haven.complete_task(&auth, case_id(&id)?, task).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchQuery {
    q: String,
}

pub(crate) async fn search<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Value>, ApiError> {
    let found = haven.search(&auth, &q.q).await?;
    Ok(Json(
        json!({ "results": found.hits.iter().map(|h| json!({ "survivor_id": h.survivor, "pseudonym": h.pseudonym,
        "cases": h.cases, "matched": h.matched })).collect::<Vec<_>>(), "incomplete": found.incomplete }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TeamMember {
    user_id: String,
}

pub(crate) async fn add_member<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TeamMember>,
) -> Result<StatusCode, ApiError> {
    let user = body
        .user_id
        .parse()
        .map_err(|_| CoreError::invalid("user_id", Reason::NotAUserId))?;
    haven.add_team_member(&auth, case_id(&id)?, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn remove_member<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path((id, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let user = user
        .parse()
        .map_err(|_| CoreError::invalid("user_id", Reason::NotAUserId))?;
    haven.remove_team_member(&auth, case_id(&id)?, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewGoal {
    title: String,
}

pub(crate) async fn add_goal<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewGoal>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let goal = haven.add_goal(&auth, case_id(&id)?, &body.title).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": goal }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GoalStatusChange {
    status: String,
}

pub(crate) async fn set_goal_status<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path((id, goal)): Path<(String, String)>,
    JsonBody(body): JsonBody<GoalStatusChange>,
) -> Result<StatusCode, ApiError> {
    let goal = goal.parse().map_err(|_| CoreError::NotFound)?;
    let status = body.status.parse().map_err(|_| {
        CoreError::invalid(
            "status",
            Problem::one_of(GoalStatus::ALL.iter().map(|s| s.as_str())),
        )
    })?;
    haven
        .set_goal_status(&auth, case_id(&id)?, goal, status)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
