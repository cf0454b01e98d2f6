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

/// How many notes and timeline entries a case holds of each kind a [`HistoryWindow`] keeps
/// apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryCounts {
    /// Notes by their category, as stored.
    pub notes: BTreeMap<String, u64>,
    /// Timeline entries by [`event_kind`].
    pub events: BTreeMap<String, u64>,
}

impl HistoryCounts {
    /// The counts of a whole history.
    pub fn of(notes: &[NoteRow], events: &[CaseEvent]) -> Self {
        let mut counts = Self::default();
        for note in notes {
            *counts.notes.entry(note.category.clone()).or_default() += 1;
        }
        for event in events {
            *counts
                .events
                .entry(event_kind(&event.kind, &event.detail))
                .or_default() += 1;
        }
        counts
    }
}

/// The prefix of [`event_kind`] for entries about a note.
pub const NOTE_EVENT: &str = "note:";

/// The kind a window keeps a timeline entry with: `note:` and the category for an entry
/// about a note (who may read it depends on the category), the empty string for any other
/// (staff who see the timeline see them all). The stores compute the same in SQL
/// ([`event_kind_sql!`](crate::event_kind_sql)).
pub fn event_kind(kind: &str, detail: &str) -> String {
    if kind == "note" {
        format!("{NOTE_EVENT}{detail}")
    } else {
        String::new()
    }
}

/// [`event_kind`] as an SQL expression over `case_events`' columns, the same on both stores
/// (a macro, so that it can be `concat!`ed into their statements).
#[macro_export]
macro_rules! event_kind_sql {
    () => {
        "CASE WHEN kind = 'note' THEN 'note:' || detail ELSE '' END"
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_about_a_note_is_kept_with_its_category_and_the_rest_together() {
        assert_eq!(event_kind("note", "psychotherapy"), "note:psychotherapy");
        assert_eq!(event_kind("team", "added"), "");
        assert_eq!(event_kind("opened", "note"), "");
        assert!(crate::event_kind_sql!().contains(&format!("'{NOTE_EVENT}'")));
    }
}
