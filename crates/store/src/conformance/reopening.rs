//! Conformance story: a closed case reopens with its reason in one transaction.

use super::{Outcome, a_member_and_a_record, ensure, id_bytes, org, verify_chain};
use crate::{CaseChange, CaseEvent, CaseRow, NoteRow, NoteWrite, Store, StoreError};
use haven_domain::{CaseId, NoteId};
use time::macros::datetime;

pub async fn a_reopening_lands_with_its_reason_or_not_at_all<S: Store>(store: S) -> Outcome {
    let (o, u, s) = a_member_and_a_record(&store).await?;
    let at = datetime!(2026-11-20 02:00 UTC);
    let case = CaseRow {
        status: "closed".into(),
        ..CaseRow::opened(CaseId::from_random_bytes(id_bytes(1, 0xf0)), s.id, o.id, at)
    };
    let event = |kind: &str, detail: &str| CaseEvent {
        case: case.id,
        at,
        kind: kind.into(),
        actor: Some(u.id),
        detail: detail.into(),
    };
    store
        .insert_case(
            &case,
            case.org,
            &[u.id],
            &event("opened", "intake"),
            b"case",
        )
        .await?;
    let earlier = NoteRow {
        id: NoteId::from_random_bytes(id_bytes(1, 0x90)),
        case: case.id,
        category: "general".into(),
        author: u.id,
        created_at: at,
        body: vec![1; 40],
    };
    store
        .insert_note(&earlier, o.id, &event("note", "general"), b"note")
        .await?;
    let reopen = |reason: &NoteRow| CaseChange::Status {
        from: "closed".into(),
        to: "open".into(),
        reason: Some(Box::new(NoteWrite {
            note: reason.clone(),
            event: event("note", "general"),
            audit: b"reason".to_vec(),
        })),
    };
    let stepped = event("status", "open");
    let before = (
        store.case(case.id).await?.map(|(c, _)| c),
        store.notes_of_case(case.id).await?,
        store.case_events(case.id).await?,
        store.audit_head().await?,
    );
    let unchanged = || async {
        Ok::<_, StoreError>(
            before
                == (
                    store.case(case.id).await?.map(|(c, _)| c),
                    store.notes_of_case(case.id).await?,
                    store.case_events(case.id).await?,
                    store.audit_head().await?,
                ),
        )
    };

    // The reason cannot be written (its id is taken): the step is not written either.
    let clashing = NoteRow {
        body: vec![2; 40],
        ..earlier.clone()
    };
    ensure(
        store
            .update_case(case.id, o.id, &reopen(&clashing), &stepped, b"status")
            .await
            .is_err(),
        "a reopening whose reason cannot be written is refused",
    )?;
    ensure(
        unchanged().await?,
        "and leaves the case closed, with no reason, event or audit entry",
    )?;

    // Written for an organisation that no longer holds the case: neither goes in.
    let reason = NoteRow {
        id: NoteId::from_random_bytes(id_bytes(2, 0x90)),
        body: vec![3; 40],
        ..earlier.clone()
    };
    ensure(
        matches!(
            store
                .update_case(case.id, org(2).id, &reopen(&reason), &stepped, b"status")
                .await,
            Err(StoreError::Stale(_))
        ),
        "a reopening for another organisation is refused as stale",
    )?;
    ensure(unchanged().await?, "and writes no reason")?;

    store
        .update_case(case.id, o.id, &reopen(&reason), &stepped, b"status")
        .await?;
    let mut notes = store.notes_of_case(case.id).await?;
    notes.sort_by_key(|n| n.id);
    ensure(
        store.case(case.id).await?.map(|(c, _)| c.status) == Some("open".into())
            && notes == vec![earlier, reason],
        "a reopening goes in with its reason",
    )?;
    let events = store.case_events(case.id).await?;
    ensure(
        events.len() == before.2.len() + 2
            && events[events.len() - 2..] == [stepped, event("note", "general")],
        "the step's event, then the reason's",
    )?;
    let head = verify_chain(&store).await?;
    ensure(
        head.size == before.3.size + 2 && head == store.audit_head().await?,
        "two audit entries, chained",
    )
}
