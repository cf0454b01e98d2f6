//! How much of a case's history (its notes and timeline) a read returns, and what a window
//! of it left out.
//!
//! A store does not know who is reading: the policy decides on what it read. So a window
//! keeps the newest `n` of each kind of row a reader may or may not be allowed to see —
//! notes by category, timeline entries about notes by the note's category, every other
//! entry together — and counts each kind. Whatever categories a reader may read, the newest
//! `n` of those are among the window, and the counts of those categories say how many there
//! are in all; nothing about the other categories reaches the reader.

use crate::{CaseEvent, NoteRow};
use std::collections::BTreeMap;

/// How much of a case's history a read returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryWindow {
    /// All of it.
    All,
    /// The newest `n` notes of each category and timeline entries of each kind
    /// ([`event_kind`]).
    NewestOfEachKind(u32),
}

/// A case's notes and timeline as far as a [`HistoryWindow`] reached, oldest first, as
/// [`crate::CaseContents`] carries them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseHistory {
    pub notes: Vec<NoteRow>,
    pub events: Vec<CaseEvent>,
    /// How many there are of each kind; `None` when the window was the whole history.
    pub counts: Option<HistoryCounts>,
}

/// How many notes and timeline entries a case holds of each kind a [`HistoryWindow`] keeps
/// apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryCounts {
    /// Notes by their category, as stored.
    pub notes: BTreeMap<String, u64>,
    /// Timeline entries by [`event_kind`].
    pub events: BTreeMap<String, u64>,
}

/// Whether a window of `n` of each kind holds every row of `kinds` (then the plain read of
/// the whole history is the cheaper one).
pub fn holds_all(kinds: &BTreeMap<String, u64>, n: u32) -> bool {
    kinds.values().all(|&count| count <= u64::from(n))
}

/// The prefix of [`event_kind`] for entries about a note.
pub const NOTE_EVENT: &str = "note:";

/// The kind a window keeps a timeline entry with: `note:` and the category for an entry
/// about a note (who may read it depends on the category), the empty string for any other
/// (staff who see the timeline see them all). The stores compute the same in SQL
/// ([`EVENT_KIND_SQL`]).
pub fn event_kind(kind: &str, detail: &str) -> String {
    if kind == "note" {
        format!("{NOTE_EVENT}{detail}")
    } else {
        String::new()
    }
}

/// [`event_kind`] as an SQL expression over `case_events`' columns, the same on both stores;
/// each store indexes it, so that the entries of one kind are read newest first.
pub const EVENT_KIND_SQL: &str = "CASE WHEN kind = 'note' THEN 'note:' || detail ELSE '' END";

/// How a store's SQL numbers its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholders {
    /// SQLite's `?1`.
    Question,
    /// PostgreSQL's `$1`.
    Dollar,
}

impl Placeholders {
    fn nth(self, n: usize) -> String {
        match self {
            Placeholders::Question => format!("?{n}"),
            Placeholders::Dollar => format!("${n}"),
        }
    }
}

/// How many notes of each category a case has (`kind_of`, `n`); parameter 1 is the case.
pub fn note_counts_sql(p: Placeholders) -> String {
    format!(
        "SELECT category AS kind_of, COUNT(*) AS n FROM notes WHERE case_id = {} GROUP BY category",
        p.nth(1)
    )
}

/// How many timeline entries of each [`event_kind`] a case has (`kind_of`, `n`); parameter 1
/// is the case.
pub fn event_counts_sql(p: Placeholders) -> String {
    format!(
        "SELECT {EVENT_KIND_SQL} AS kind_of, COUNT(*) AS n FROM case_events WHERE case_id = {} \
         GROUP BY kind_of",
        p.nth(1)
    )
}

/// The newest notes of each of `kinds` categories, oldest first, each category read newest
/// first on its index until it has enough. Parameter 1 is the case, 2 to `kinds + 1` the
/// categories, `kinds + 2` how many of each.
pub fn newest_notes_sql(kinds: usize, p: Placeholders) -> String {
    newest_of_each(kinds, p, |kind, n| {
        format!(
            "SELECT id, case_id, category, author, created_at, body FROM notes \
             WHERE case_id = {} AND category = {kind} ORDER BY created_at DESC, id DESC LIMIT {n}",
            p.nth(1)
        )
    }) + " ORDER BY created_at, id"
}

/// The newest timeline entries of each of `kinds` [`event_kind`]s, oldest first, with the
/// column `tie` (the order entries were written in) as `tie_order`. Parameters as
/// [`newest_notes_sql`]'s.
pub fn newest_events_sql(kinds: usize, p: Placeholders, tie: &str) -> String {
    newest_of_each(kinds, p, |kind, n| {
        format!(
            "SELECT case_id, at, kind, actor, detail, {tie} AS tie_order FROM case_events \
             WHERE case_id = {} AND {EVENT_KIND_SQL} = {kind} \
             ORDER BY at DESC, {tie} DESC LIMIT {n}",
            p.nth(1)
        )
    }) + " ORDER BY at, tie_order"
}

fn newest_of_each(kinds: usize, p: Placeholders, one: impl Fn(&str, &str) -> String) -> String {
    let n = p.nth(kinds + 2);
    (0..kinds)
        .map(|k| format!("SELECT * FROM ({}) AS kind_{k}", one(&p.nth(k + 2), &n)))
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_about_a_note_is_kept_with_its_category_and_the_rest_together() {
        assert_eq!(event_kind("note", "psychotherapy"), "note:psychotherapy");
        assert_eq!(event_kind("team", "added"), "");
        assert_eq!(event_kind("opened", "note"), "");
        assert!(EVENT_KIND_SQL.contains(&format!("'{NOTE_EVENT}'")));
    }

    #[test]
    fn each_kind_is_read_on_its_own_and_the_parameters_line_up() {
        let sql = newest_notes_sql(2, Placeholders::Question);
        assert_eq!(sql.matches("LIMIT ?4").count(), 2, "{sql}");
        assert!(
            sql.contains("category = ?2") && sql.contains("category = ?3"),
            "{sql}"
        );
        let sql = newest_events_sql(3, Placeholders::Dollar, "seq");
        assert_eq!(sql.matches("LIMIT $5").count(), 3, "{sql}");
        assert!(sql.ends_with("ORDER BY at, tie_order"), "{sql}");
    }
}
