//! The demo's case work: notes of several categories, a case plan's goals and tasks (some
//! overdue, some due this week, one done) on the first cases of each organisation's case
//! manager, so a newcomer's dashboard and case pages show what a working caseload looks like;
//! and colleagues on some of those teams writing the notes only their role may write, so
//! signing in as each shows what notes by sensitivity mean (the case manager never sees the
//! counsellor's psychotherapy note, the legal advocate never sees a medical one).

use super::demo_sharing::acting_as;
use crate::CliError;
use haven_core::Haven;
use haven_domain::OrgId;
use haven_domain::case::NoteCategory;
use haven_store::{BoardQuery, Store};
use time::Duration;

/// Cases of each case manager that get case work.
const CASES_WORKED: u32 = 6;

const NOTES: [(NoteCategory, &str); 3] = [
    (
        NoteCategory::General,
        "First meeting at the drop-in centre. Prefers the name used here; a friend came along.",
    ),
    (
        NoteCategory::Safety,
        "Avoid the bus station on Main Street: the recruiter was seen there last week.",
    ),
    (
        NoteCategory::Narrative,
        "Recruited with a promise of restaurant work; the employer kept the passport.",
    ),
];

const GOALS: [&str; 3] = [
    "Safe housing for the next 90 days",
    "Replace identity documents",
    "Regular sessions with a counsellor",
];

/// Tasks as (title, days from today it is due, done).
const TASKS: [(&str, i64, bool); 4] = [
    ("Call the shelter back about a bed", -2, false),
    ("Go with them to the clinic appointment", 3, false),
    ("Chase the consulate about the passport", 12, false),
    ("First safety-plan review", -5, true),
];

/// A colleague the case manager puts on the team of their first `cases` worked cases, and
/// the notes the colleague writes on each.
pub struct Colleague {
    pub email: &'static str,
    pub cases: usize,
    pub notes: &'static [(NoteCategory, &'static str)],
}

/// Harbour Light's counsellor and legal advocate.
pub const HARBOUR_COLLEAGUES: [Colleague; 2] = [
    Colleague {
        email: "clinician@harbour.demo",
        cases: 2,
        notes: &[
            (
                NoteCategory::Medical,
                "Seen for a wrist injury; healing well. Needs a dentist referral.",
            ),
            (
                NoteCategory::Psychotherapy,
                "Second session. Nightmares less frequent; we practised a grounding exercise.",
            ),
        ],
    },
    Colleague {
        email: "legal.advocate@harbour.demo",
        cases: 3,
        notes: &[(
            NoteCategory::Legal,
            "Eligible to apply for T nonimmigrant status; gathering the declaration now.",
        )],
    },
];

/// Writes the case work as the case manager `email` of `org` on their first cases, then
/// puts each of `colleagues` on the team and writes their notes.
pub async fn seed<S: Store>(
    haven: &Haven<S>,
    org: OrgId,
    email: &str,
    colleagues: &[Colleague],
) -> Result<(), CliError> {
    let cm = acting_as(haven, org, email).await?;
    let cases: Vec<_> = haven
        .list_cases(&cm, &BoardQuery::newest(CASES_WORKED))
        .await?
        .cases
        .iter()
        .map(|c| c.id)
        .collect();
    let today = haven.now().date();
    for (n, case) in cases.iter().copied().enumerate() {
        // Not every case has everything: the first has all of it, later ones less.
        for (category, body) in NOTES.iter().take(NOTES.len() - n.min(2)) {
            haven.add_note(&cm, case, *category, body).await?;
        }
        for title in GOALS.iter().take(1 + n % GOALS.len()) {
            haven.add_goal(&cm, case, title).await?;
        }
        // Each case starts the plan at a different task, so the dashboard is not one list
        // repeated.
        for (i, (title, days, done)) in TASKS.iter().cycle().skip(n).take(TASKS.len()).enumerate() {
            if n % 2 == 1 && i == 0 {
                continue;
            }
            let due = today + Duration::days(*days + n as i64);
            let task = haven.add_task(&cm, case, title, due).await?;
            if *done {
                haven.complete_task(&cm, case, task).await?;
            }
        }
    }
    for colleague in colleagues {
        let member = acting_as(haven, org, colleague.email).await?;
        for case in cases.iter().take(colleague.cases) {
            haven.add_team_member(&cm, *case, member.staff.id).await?;
            for (category, body) in colleague.notes {
                haven.add_note(&member, *case, *category, body).await?;
            }
        }
    }
    Ok(())
}
