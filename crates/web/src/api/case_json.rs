//! The JSON of a case and of a survivor record, serialised straight from the views they
//! borrow (no intermediate `Value` tree: a case read is the hot path). Keys come out in
//! alphabetical order; a field of a category the reader may not see is absent, not null.

use haven_core::cases::{CaseView, NoteView};
use haven_domain::case::TraffickingType;
use haven_domain::survivor::{PersonalText, SurvivorProfile};
use haven_domain::{CaseId, DataCategory, GoalId, NoteId, SurvivorId, TaskId, UserId};
use serde::Serialize;

/// Present only when the reader may see it (`None`: absent).
type Shown<T> = Option<T>;

fn text(t: &Option<PersonalText>) -> Option<&str> {
    t.as_ref().map(PersonalText::as_str)
}

fn texts(ts: &[PersonalText]) -> Vec<&str> {
    ts.iter().map(PersonalText::as_str).collect()
}

/// The survivor fields a reader may see, allow-listed per category.
#[derive(Serialize)]
pub(crate) struct ProfileJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    aliases: Shown<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_of_birth: Shown<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Shown<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    estimated_age: Shown<Option<u8>>,
    /// The day the age was estimated: the person is a year older on each anniversary.
    #[serde(skip_serializing_if = "Option::is_none")]
    estimated_on: Shown<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gender: Shown<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interpreter_needed: Shown<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    languages: Shown<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    legal_name: Shown<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nationality: Shown<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nationality_region: Shown<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Shown<Option<&'a str>>,
    pseudonym: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    safe_contact: Shown<Option<&'a str>>,
}

impl<'a> ProfileJson<'a> {
    pub(crate) fn new(p: &'a SurvivorProfile, can_read: impl Fn(DataCategory) -> bool) -> Self {
        let identity = can_read(DataCategory::Identity);
        let contact = can_read(DataCategory::Contact);
        let d = &p.details;
        Self {
            aliases: identity.then(|| texts(&p.aliases)),
            date_of_birth: identity.then(|| p.date_of_birth.map(|d| d.to_string())),
            email: contact.then_some(text(&p.email)),
            estimated_age: identity.then_some(d.estimated_age),
            estimated_on: identity.then(|| d.estimated_on.map(|d| d.to_string())),
            gender: identity.then_some(d.gender.as_str()),
            interpreter_needed: identity.then_some(d.interpreter_needed),
            languages: identity.then(|| texts(&d.languages)),
            legal_name: identity.then_some(text(&p.legal_name)),
            nationality: identity.then_some(text(&d.nationality)),
            nationality_region: identity.then_some(d.nationality_region.as_str()),
            phone: contact.then_some(text(&p.phone)),
            pseudonym: p.pseudonym.as_str(),
            safe_contact: contact.then_some(text(&p.safe_contact)),
        }
    }
}

#[derive(Serialize)]
struct Flags {
    immigration_sensitive: bool,
    minor: bool,
    protected_status: bool,
    safety_risk: bool,
}

#[derive(Serialize)]
struct GoalJson<'a> {
    id: GoalId,
    status: &'static str,
    title: &'a str,
}

#[derive(Serialize)]
pub(crate) struct NoteJson<'a> {
    author: UserId,
    body: &'a str,
    category: &'static str,
    created_at: i64,
    id: NoteId,
}

impl<'a> From<&'a NoteView> for NoteJson<'a> {
    fn from(n: &'a NoteView) -> Self {
        Self {
            author: n.author,
            body: &n.body,
            category: n.category.as_str(),
            created_at: n.created_at.unix_timestamp(),
            id: n.id,
        }
    }
}

#[derive(Serialize)]
struct TaskJson<'a> {
    done: bool,
    due_on: String,
    id: TaskId,
    title: &'a str,
}

#[derive(Serialize)]
struct EventJson<'a> {
    actor: Option<UserId>,
    at: i64,
    detail: &'a str,
    kind: &'a str,
}

#[derive(Serialize)]
struct TypeJson {
    name: &'static str,
    number: u8,
}

/// A case as its reader may see it.
#[derive(Serialize)]
pub(crate) struct CaseJson<'a> {
    categories: &'a [DataCategory],
    created_at: i64,
    exploitation: &'a str,
    flags: Flags,
    goals: Vec<GoalJson<'a>>,
    id: CaseId,
    notes: Vec<NoteJson<'a>>,
    status: &'a str,
    survivor: ProfileJson<'a>,
    survivor_id: SurvivorId,
    tasks: Vec<TaskJson<'a>>,
    team: &'a [UserId],
    timeline: Vec<EventJson<'a>>,
    trafficking_types: Vec<TypeJson>,
}

impl<'a> From<&'a CaseView> for CaseJson<'a> {
    fn from(v: &'a CaseView) -> Self {
        Self {
            categories: &v.categories,
            created_at: v.created_at.unix_timestamp(),
            exploitation: &v.exploitation,
            flags: Flags {
                immigration_sensitive: v.immigration_sensitive,
                minor: v.minor,
                protected_status: v.protected_status,
                safety_risk: v.safety_risk,
            },
            goals: v
                .goals
                .iter()
                .map(|g| GoalJson {
                    id: g.id,
                    status: g.status.as_str(),
                    title: &g.title,
                })
                .collect(),
            id: v.id,
            notes: v.notes.iter().map(NoteJson::from).collect(),
            status: &v.status,
            survivor: ProfileJson::new(&v.profile, |c| v.categories.contains(&c)),
            survivor_id: v.survivor,
            tasks: v
                .tasks
                .iter()
                .map(|t| TaskJson {
                    done: t.done_at.is_some(),
                    due_on: t.due_on.to_string(),
                    id: t.id,
                    title: &t.title,
                })
                .collect(),
            team: &v.team,
            timeline: v
                .timeline
                .iter()
                .map(|e| EventJson {
                    actor: e.actor,
                    at: e.at.unix_timestamp(),
                    detail: &e.detail,
                    kind: &e.kind,
                })
                .collect(),
            trafficking_types: v
                .trafficking_types
                .iter()
                .filter_map(|n| TraffickingType::try_from(*n).ok())
                .map(|t| TypeJson {
                    name: t.name(),
                    number: t.number(),
                })
                .collect(),
        }
    }
}
