//! Case work in the browser, without JavaScript: the dashboard's data and the case page with
//! its notes, team, status, plan and timeline (its forms post to [`super::case_changes`]).

use super::Typed;
use crate::errors::{PageError, client_status};
use crate::extract::SignedIn;
use crate::i18n::Tr;
use crate::shown_time;
use crate::views::{self, Case, CaseLine, Choice, DueLine, Nav, NoteLine};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use haven_core::auth::Authenticated;
use haven_core::cases::{CaseView, Dashboard, History};
use haven_core::problem::{Problem, Reason};
use haven_core::{CoreError, Haven};
use haven_domain::access::{Action, Role};
use haven_domain::survivor::{Gender, PersonalText, Region};
use haven_domain::{CaseId, DataCategory};
use haven_store::Store;
use serde::Deserialize;

/// The notes, messages and timeline entries a case page shows of each unless asked for the
/// whole history: enough for a shift's work, and the note form is not pushed below hundreds
/// of notes.
pub const CASE_PAGE_HISTORY: usize = 50;

pub(crate) fn csrf(auth: &Authenticated) -> String {
    auth.csrf_token().unwrap_or_default().to_owned()
}

/// The signed-in navigation for `auth` on this installation.
pub(crate) fn nav<S: Store>(haven: &Haven<S>, auth: &Authenticated) -> Nav {
    Nav {
        is_admin: auth.staff.roles.contains(&Role::Admin),
        demo: haven.is_demo(),
        clock_after: super::session_clock::first_ask_after(haven.idle_timeout()),
    }
}

/// A case id from the path; anything else is a case that does not exist.
pub(super) fn case_id(raw: &str) -> Result<CaseId, PageError> {
    raw.parse()
        .map_err(|_| PageError::Core(CoreError::NotFound))
}

/// A timeline entry in the reader's language: what changed, then how. The detail is named
/// by the vocabulary of its kind (a note's category, a status, a referral's state; for a
/// classification, the categories it wrote), else as a general event word, else shown as
/// recorded.
fn timeline_line(t: Tr, kind: &str, detail: &str) -> String {
    if kind == "classification" {
        let written: Vec<&str> = detail.split(',').collect();
        return format!(
            "{}: {}",
            t.label("event", kind),
            t.labels("data-category", &written)
        );
    }
    let vocabulary = match kind {
        "note" => "note-category",
        "status" => "case-status",
        "referral" => "referral-state",
        "transfer" => "transfer-state",
        "goal" if detail != "added" => "goal-status",
        "task" => "event-task",
        _ => "event-detail",
    };
    format!(
        "{}: {}",
        t.label("event", kind),
        t.label(vocabulary, detail)
    )
}

/// The case flags that are set, named in the reader's language.
fn flag_list(t: Tr, flags: &[(bool, &str)]) -> String {
    flags
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, code)| t.label("flag", code))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The dashboard as its page shows it.
pub(crate) struct DashboardLines {
    pub(crate) cases: Vec<CaseLine>,
    /// Where the page of older cases starts, as its link carries it.
    pub(crate) next: Option<String>,
    pub(crate) tasks: Vec<DueLine>,
}

pub(crate) fn dashboard_lines(t: Tr, board: Dashboard) -> DashboardLines {
    let cases = board
        .cases
        .into_iter()
        .map(|c| CaseLine {
            id: c.id.to_string(),
            status: t.label("case-status", &c.status),
            flags: flag_list(t, &[(c.minor, "minor"), (c.safety_risk, "safety-risk")]),
            pseudonym: c.pseudonym,
        })
        .collect();
    let tasks = board
        .tasks
        .into_iter()
        .map(|t| DueLine {
            due: t.due_on.to_string(),
            title: t.title,
            case_id: t.case.to_string(),
            pseudonym: t.pseudonym,
            overdue: t.overdue,
        })
        .collect();
    DashboardLines {
        cases,
        next: board.next.map(|n| n.to_string()),
        tasks,
    }
}

/// What the case page shows about the person and the case, as (label, value) lines: only
/// fields of categories the reader may see, and only those recorded.
fn about(t: Tr, v: &CaseView) -> Vec<(String, String)> {
    let p = &v.profile;
    let d = &p.details;
    let mut lines = Vec::new();
    let mut line = |key: &str, value: String| {
        if !value.is_empty() {
            lines.push((t.t(key), value));
        }
    };
    let joined = |texts: &[PersonalText]| {
        texts
            .iter()
            .map(PersonalText::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if v.categories.contains(&DataCategory::Identity) {
        line(
            "legal-name",
            p.legal_name
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
        );
        line("aliases", joined(&p.aliases));
        line(
            "date-of-birth",
            p.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
        );
        line(
            "estimated-age",
            match (d.estimated_age, d.estimated_on) {
                (Some(age), Some(on)) => format!("{age} ({on})"),
                (Some(age), None) => age.to_string(),
                (None, _) => String::new(),
            },
        );
        if d.gender != Gender::Unknown {
            line("gender", super::intake::gender_label(t, d.gender));
        }
        line(
            "nationality",
            d.nationality
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
        );
        if d.nationality_region != Region::Unknown {
            line(
                "nationality-region",
                super::intake::region_label(t, d.nationality_region),
            );
        }
        line("languages", joined(&d.languages));
        if d.interpreter_needed {
            line("interpreter", t.t("interpreter-yes"));
        }
    }
    if v.categories.contains(&DataCategory::Contact) {
        for (key, text) in [
            ("phone", &p.phone),
            ("email", &p.email),
            ("safe-contact", &p.safe_contact),
        ] {
            line(
                key,
                text.as_ref()
                    .map(|x| x.as_str().to_owned())
                    .unwrap_or_default(),
            );
        }
    }
    // The case view leaves these empty for a reader who may not see them.
    if !v.exploitation.is_empty() {
        line("exploitation", t.label("exploitation", &v.exploitation));
    }
    let types: Vec<String> = v
        .trafficking_types
        .iter()
        .map(|n| format!("{n}. {}", t.label("polaris-type", &n.to_string())))
        .collect();
    line("trafficking-types", types.join("; "));
    lines
}

/// What one answer of the case page shows besides the case: its status, a refusal with
/// the form as typed, and how much of the history.
struct Showing<'a> {
    status: StatusCode,
    error: Option<String>,
    typed: &'a Typed,
    history: History,
}

impl Showing<'_> {
    /// The page as it is, with the newest part of its history.
    fn plain() -> Showing<'static> {
        static NOTHING: Typed = Typed::nothing();
        Showing {
            status: StatusCode::OK,
            error: None,
            typed: &NOTHING,
            history: History::Newest(CASE_PAGE_HISTORY),
        }
    }
}

/// "The newest 50 of 312 … are shown", where the page leaves older ones out.
pub(super) fn newest_of(t: Tr, key: &str, shown: usize, total: usize) -> Option<String> {
    (total > shown).then(|| {
        t.t_args(
            key,
            &[("shown", shown.to_string()), ("total", total.to_string())],
        )
    })
}

async fn case_page<S: Store>(
    t: Tr,
    haven: &Haven<S>,
    auth: &Authenticated,
    id: CaseId,
    showing: Showing<'_>,
) -> Result<Response, PageError> {
    let Showing {
        status,
        error,
        typed,
        history,
    } = showing;
    let v = haven.view_case_history(auth, id, history).await?;
    let details = about(t, &v);
    let flags = flag_list(
        t,
        &[
            (v.minor, "minor"),
            (v.safety_risk, "safety-risk"),
            (v.immigration_sensitive, "immigration-sensitive"),
        ],
    );
    let can_edit_record = haven
        .permits(auth, id, Action::Edit(DataCategory::Identity))
        .await?
        || haven
            .permits(auth, id, Action::Edit(DataCategory::Contact))
            .await?;
    let can_manage = haven.permits(auth, id, Action::ManageTeam).await?;
    let can_tasks = haven
        .permits(auth, id, Action::Edit(DataCategory::Case))
        .await?;
    let sharing = super::sharing::panel(t, haven, auth, id, history).await?;
    // The team's names, and each note's author for readers of the owning organisation (another
    // organisation reading under a release learns the survivor's notes, not the NGO's staff),
    // read once for everyone named.
    let own_org = v.org == auth.staff.org;
    let mut named = v.team.clone();
    if own_org {
        named.extend(v.notes.iter().map(|n| n.author));
    }
    named.sort_unstable();
    named.dedup();
    let names: std::collections::BTreeMap<_, _> =
        haven.staff_names(&named).await?.into_iter().collect();
    let team = v
        .team
        .iter()
        .filter_map(|u| names.get(u).map(|name| (u.to_string(), name.clone())))
        .collect();
    Ok(views::render(
        status,
        &Case {
            t,
            csrf: csrf(auth),
            nav: nav(haven, auth),
            id: id.to_string(),
            pseudonym: v.profile.pseudonym.as_str().to_owned(),
            status: t.label("case-status", &v.status),
            flags,
            details,
            can_edit_record,
            notes: v
                .notes
                .iter()
                .map(|n| NoteLine {
                    category: t.label("note-category", n.category.as_str()),
                    when: shown_time::minute(&auth.staff.local_time, n.created_at),
                    author: names
                        .get(&n.author)
                        .filter(|_| own_org)
                        .cloned()
                        .unwrap_or_default(),
                    body: n.body.clone(),
                })
                .collect(),
            notes_more: newest_of(t, "history-newest-notes", v.notes.len(), v.notes_total),
            writable: v
                .writable_notes
                .iter()
                .map(|c| Choice {
                    value: c.as_str(),
                    label: t.label("note-category", c.as_str()),
                })
                .collect(),
            can_manage,
            can_tasks,
            classification: super::classification::form(t, &v, can_tasks, typed),
            plan: super::case_plan::plan_lines(
                t,
                &v.tasks,
                &v.goals,
                auth.staff.local_time.today(haven.now()),
            ),
            timeline: v
                .timeline
                .iter()
                .map(|e| {
                    (
                        shown_time::minute(&auth.staff.local_time, e.at),
                        timeline_line(t, &e.kind, &e.detail),
                    )
                })
                .collect(),
            timeline_more: newest_of(
                t,
                "history-newest-timeline",
                v.timeline.len(),
                v.timeline_total,
            ),
            protected_status: v.protected_status,
            team,
            sharing,
            error,
            typed: typed.clone(),
        },
    ))
}

/// How much of its history a case page shows: the newest part, or `history=all`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CasePageQuery {
    history: Option<WholeHistory>,
}

/// `history=all`, the one value the case page's query takes.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum WholeHistory {
    All,
}

fn not_a_history() -> CoreError {
    CoreError::invalid(
        "history",
        Problem::new(Reason::OneOf).with("choices", "all"),
    )
}

pub(crate) async fn show<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let id = case_id(&id)?;
    let CasePageQuery { history } =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).map_err(|_| not_a_history())?;
    let mut showing = Showing::plain();
    if let Some(WholeHistory::All) = history {
        showing.history = History::All;
    }
    case_page(t, &haven, &auth, id, showing).await
}

/// After a change: back to the case page (post/redirect/get), or the page with the error
/// and the form as `typed`. Where the form cannot be shown again (the case is no longer the
/// writer's to see, or the server failed), the error's page hands back the text typed.
pub(crate) async fn after<S: Store>(
    t: Tr,
    haven: &Haven<S>,
    auth: &Authenticated,
    id: CaseId,
    result: Result<(), CoreError>,
    typed: Typed,
) -> Result<Response, PageError> {
    let refused = match result {
        Ok(()) => return Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        // Refused input (422), or a case someone changed meanwhile (409): the page as it is
        // now, saying why.
        Err(
            e @ (CoreError::InvalidInput { .. } | CoreError::Invalid(_) | CoreError::Conflict(_)),
        ) => e,
        Err(e) => return Err(PageError::Unsaved(e, typed)),
    };
    let status = client_status(&refused).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    let showing = Showing {
        status,
        error: Some(t.refusal(&refused)),
        typed: &typed,
        ..Showing::plain()
    };
    let page = case_page(t, haven, auth, id, showing).await;
    match page {
        Err(PageError::Core(e)) => Err(PageError::Unsaved(e, typed)),
        page => page,
    }
}
