//! A window of a case's history: the newest of each kind of note, timeline entry and
//! message, oldest first, with how many there are of each kind, the same as reading the
//! whole history and cutting it.

use super::{Outcome, a_member_and_a_record, ensure, fail, id_bytes};
use crate::{
    CaseEvent, CaseRow, HistoryCounts, HistoryWindow, MessageRow, NoteRow, Store, TaskRow,
    event_kind,
};
use haven_domain::{CaseId, MessageId, NoteId, TaskId};
use std::collections::BTreeMap;
use time::Duration;
use time::macros::datetime;

const CATEGORIES: [&str; 5] = ["general", "safety", "medical", "psychotherapy", "legal"];

pub async fn a_window_of_a_case_history_keeps_the_newest_of_each_kind<S: Store>(
    store: S,
) -> Outcome {
    let (o, u, s) = a_member_and_a_record(&store).await?;
    let start = datetime!(2026-11-08 10:00 UTC);
    let case = CaseRow::opened(
        CaseId::from_random_bytes(id_bytes(1, 0xf0)),
        s.id,
        o.id,
        start,
    );
    let event = |at, kind: &str, detail: &str| CaseEvent {
        case: case.id,
        at,
        kind: kind.into(),
        actor: Some(u.id),
        detail: detail.into(),
    };
    store
        .insert_case(
            &case,
            o.id,
            &[u.id],
            &event(start, "opened", "intake"),
            b"case",
        )
        .await?;
    // Notes of uneven categories, two at each minute, their ids out of the order they are
    // written in (so ties are broken by id, not by arrival); a task now and then.
    for i in 0..40u32 {
        let at = start + Duration::minutes(i64::from(1 + i / 2));
        let category = CATEGORIES[(i as usize * 7 / 3) % CATEGORIES.len()];
        let note = NoteRow {
            id: NoteId::from_random_bytes(id_bytes((i * 37) % 101, 0x90)),
            case: case.id,
            category: category.into(),
            author: u.id,
            created_at: at,
            body: vec![i as u8; 24],
        };
        store
            .insert_note(&note, o.id, &event(at, "note", category), b"note")
            .await?;
        if i % 6 == 0 {
            let task = TaskRow {
                id: TaskId::from_random_bytes(id_bytes(i, 0x80)),
                case: case.id,
                title: vec![1],
                due_on: time::macros::date!(2026 - 12 - 01),
                done_at: None,
                created_at: at,
            };
            store
                .insert_task(&task, o.id, &event(at, "task", "added"), b"task")
                .await?;
        }
        let message = MessageRow {
            id: MessageId::from_random_bytes(id_bytes((i * 53) % 101, 0x3e)),
            case: case.id,
            author: u.id,
            author_org: o.id,
            created_at: at,
            body: vec![9; 8],
        };
        store.insert_message(&message, o.id, b"message").await?;
    }

    let whole = store
        .case_view(case.id, HistoryWindow::All)
        .await?
        .and_then(|l| l.contents)
        .ok_or_else(|| fail("the case's contents"))?;
    ensure(
        whole.notes.len() == 40 && whole.events.len() == 48,
        "the whole history",
    )?;
    ensure(
        whole.counts.is_none(),
        "the whole history needs no counts: its rows are all there is",
    )?;
    let counts = counts_of(&whole.notes, &whole.events);
    let messages = store.messages_of_case(case.id).await?;
    for n in [0, 1, 2, 5, 40] {
        let window = store
            .case_view(case.id, HistoryWindow::NewestOfEachKind(n))
            .await?
            .and_then(|l| l.contents)
            .ok_or_else(|| fail("the case's contents"))?;
        ensure(
            window.notes == newest_of_each(&whole.notes, n, |note| note.category.clone()),
            "a window holds the newest notes of each category, oldest first",
        )?;
        ensure(
            window.events == newest_of_each(&whole.events, n, |e| event_kind(&e.kind, &e.detail)),
            "and the newest timeline entries of each kind",
        )?;
        ensure(
            window.counts.as_ref() == Some(&counts),
            "and counts the whole history by kind",
        )?;
        ensure(
            window.tasks == whole.tasks && window.survivor == whole.survivor,
            "the rest of the view is whole",
        )?;
        let newest = messages[messages.len().saturating_sub(n as usize)..].to_vec();
        ensure(
            store.newest_messages_of_case(case.id, n).await? == (newest, 40),
            "the newest messages, oldest first, and how many there are",
        )?;
    }
    Ok(())
}

/// What a window should count: each kind of a whole history.
fn counts_of(notes: &[NoteRow], events: &[CaseEvent]) -> HistoryCounts {
    let mut counts = HistoryCounts::default();
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

/// What a window should hold: the newest `n` of `rows` (oldest first) of each kind, in
/// their order.
fn newest_of_each<T: Clone>(rows: &[T], n: u32, kind: impl Fn(&T) -> String) -> Vec<T> {
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    let mut kept: Vec<T> = Vec::new();
    for row in rows.iter().rev() {
        let count = seen.entry(kind(row)).or_default();
        if *count < n {
            *count += 1;
            kept.push(row.clone());
        }
    }
    kept.reverse();
    kept
}
