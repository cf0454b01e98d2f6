//! Conformance stories: cases, teams, timeline, notes and tasks.

use super::staff::user;
use super::{Outcome, ensure, fail, id_bytes, key, org, survivor};
use crate::{
    CaseChange, CaseEvent, CaseRow, IntakeRecord, NoteRow, Store, StoreError, TaskRow, UserRow,
};
use haven_domain::{CaseId, NoteId, TaskId};
use time::macros::datetime;

pub async fn cases_carry_their_team<S: Store>(store: S) -> Outcome {
    store.migrate().await?;
    let o = org(1);
    store.insert_org(&o, b"org").await?;
    let (u1, u2) = (user(1, &o), user(2, &o));
    store.insert_user(&u1, b"u1").await?;
    store
        .insert_user(
            &UserRow {
                email: "two@example.org".into(),
                ..u2.clone()
            },
            b"u2",
        )
        .await?;
    let k = key(1, 1);
    store.insert_data_keys(std::slice::from_ref(&k)).await?;
    let s = survivor(1, &o, &k);
    store.insert_survivor(&s, b"s").await?;
    let case = CaseRow {
        trafficking_types: vec![5, 11],
        minor: true,
        ..CaseRow::opened(
            CaseId::from_random_bytes(id_bytes(1, 0xf0)),
            s.id,
            o.id,
            datetime!(2026-11-08 10:00 UTC),
        )
    };
    let opened = CaseEvent {
        case: case.id,
        at: case.created_at,
        kind: "opened".into(),
        actor: Some(u1.id),
        detail: "intake".into(),
    };
    store
        .insert_case(&case, case.org, &[u1.id, u2.id], &opened, b"case")
        .await?;
    let cases = store.cases_of_survivor(s.id).await?;
    ensure(
        cases.len() == 1 && cases[0].0 == case,
        "the case reads back",
    )?;
    let mut team = cases[0].1.clone();
    team.sort();
    let mut want = vec![u1.id, u2.id];
    want.sort();
    ensure(team == want, "with its team")?;
    ensure(
        store
            .cases_of_survivor(survivor(2, &o, &k).id)
            .await?
            .is_empty(),
        "no cases for others",
    )?;
    ensure(
        store.case(case.id).await?.map(|(c, _)| c) == Some(case.clone()),
        "case by id",
    )?;
    ensure(
        store
            .member_board(u2.id, &crate::BoardQuery::newest(10))
            .await?
            .into_iter()
            .map(|b| b.case)
            .collect::<Vec<_>>()
            == vec![case.clone()],
        "a member's cases",
    )?;

    let later = datetime!(2026-11-09 10:00 UTC);
    let moved = CaseEvent {
        case: case.id,
        at: later,
        kind: "status".into(),
        actor: Some(u1.id),
        detail: "active".into(),
    };
    let step = |from: &str, to: &str| CaseChange::Status {
        from: from.into(),
        to: to.into(),
        reason: None,
    };
    store
        .update_case(
            case.id,
            case.org,
            &step("open", "active"),
            &moved,
            b"status",
        )
        .await?;
    let active = CaseRow {
        status: "active".into(),
        ..case.clone()
    };
    ensure(
        store.case(case.id).await?.map(|(c, _)| c) == Some(active.clone()),
        "a status change writes the status only",
    )?;
    let head = store.audit_head().await?.size;
    ensure(
        matches!(
            store
                .update_case(case.id, case.org, &step("open", "closed"), &moved, b"stale")
                .await,
            Err(StoreError::Stale(_))
        ),
        "a status change from where the case no longer is is refused",
    )?;
    ensure(
        store.case(case.id).await?.map(|(c, _)| c) == Some(active.clone())
            && store.audit_head().await?.size == head,
        "a refused status change writes nothing",
    )?;
    let flagged = CaseChange::Classification {
        exploitation: None,
        safety_risk: Some(true),
        immigration_sensitive: None,
    };
    let reclassified = CaseEvent {
        kind: "classification".into(),
        detail: "safety".into(),
        ..moved.clone()
    };
    store
        .update_case(case.id, case.org, &flagged, &reclassified, b"flags")
        .await?;
    let active = CaseRow {
        safety_risk: true,
        ..active
    };
    ensure(
        store.case(case.id).await?.map(|(c, _)| c) == Some(active.clone()),
        "a classification writes what it names and keeps the rest",
    )?;
    let classified = CaseChange::Classification {
        exploitation: Some(("labour".into(), vec![3, 7])),
        safety_risk: None,
        immigration_sensitive: Some(true),
    };
    store
        .update_case(case.id, case.org, &classified, &reclassified, b"classified")
        .await?;
    let active = CaseRow {
        exploitation: "labour".into(),
        trafficking_types: vec![3, 7],
        immigration_sensitive: true,
        ..active
    };
    ensure(
        store.case(case.id).await?.map(|(c, _)| c) == Some(active.clone()),
        "the type and the flag written, the safety flag kept",
    )?;

    let note = NoteRow {
        id: NoteId::from_random_bytes(id_bytes(1, 0x90)),
        case: case.id,
        category: "medical".into(),
        author: u1.id,
        created_at: later,
        body: vec![7; 40],
    };
    let noted = CaseEvent {
        kind: "note".into(),
        detail: "medical".into(),
        ..moved.clone()
    };
    store.insert_note(&note, case.org, &noted, b"note").await?;
    ensure(
        store.notes_of_case(case.id).await? == vec![note],
        "note reads back",
    )?;

    let task = TaskRow {
        id: TaskId::from_random_bytes(id_bytes(1, 0x80)),
        case: case.id,
        title: vec![1, 2],
        due_on: time::macros::date!(2026 - 12 - 01),
        done_at: None,
        created_at: later,
    };
    store
        .insert_task(
            &task,
            case.org,
            &CaseEvent {
                kind: "task".into(),
                detail: "added".into(),
                ..moved.clone()
            },
            b"task",
        )
        .await?;
    ensure(
        store
            .complete_task(
                case.id,
                case.org,
                task.id,
                later,
                &CaseEvent {
                    kind: "task".into(),
                    detail: "done".into(),
                    ..moved.clone()
                },
                b"done",
            )
            .await?,
        "task completes",
    )?;
    ensure(
        !store
            .complete_task(case.id, case.org, task.id, later, &moved, b"again")
            .await?,
        "only once",
    )?;
    ensure(
        store.tasks_of_case(case.id).await?[0].done_at == Some(later),
        "done time kept",
    )?;
    let kinds: Vec<String> = store
        .case_events(case.id)
        .await?
        .into_iter()
        .map(|e| e.kind)
        .collect();
    ensure(
        kinds
            == vec![
                "opened",
                "status",
                "classification",
                "classification",
                "note",
                "task",
                "task",
            ],
        "the timeline in order, without the refused status change",
    )?;
    // A case view's reads together give what the reads one by one give.
    let (notes, events) = (
        store.notes_of_case(case.id).await?,
        store.case_events(case.id).await?,
    );
    let contents = crate::CaseContents {
        survivor: store
            .survivor(s.id)
            .await?
            .ok_or_else(|| fail("survivor"))?,
        counts: None,
        notes,
        tasks: store.tasks_of_case(case.id).await?,
        goals: store.goals_of_case(case.id).await?,
        events,
    };
    ensure(
        contents.notes.len() == 1 && contents.tasks.len() == 1 && contents.events.len() == 7,
        "case contents hold the case's rows",
    )?;
    let (row, team) = store.case(case.id).await?.ok_or_else(|| fail("case"))?;
    let line = crate::BoardCase {
        case: row.clone(),
        team: team.clone(),
        survivor: Some(contents.survivor.clone()),
        tasks: contents.tasks.clone(),
    };
    ensure(
        store.case_view(case.id, crate::HistoryWindow::All).await?
            == Some(crate::LoadedCase {
                case: row,
                team,
                contents: Some(contents),
            }),
        "a case view reads the case, its team and its contents together",
    )?;
    ensure(
        store
            .member_board(u1.id, &crate::BoardQuery::newest(10))
            .await?
            == vec![line],
        "a member's board reads each case with its team, record and tasks",
    )?;
    ensure(
        store
            .member_board(u1.id, &crate::BoardQuery::newest(0))
            .await?
            .is_empty(),
        "a board keeps to its limit",
    )?;
    Ok(())
}

pub async fn a_batch_of_intakes_lands_whole_or_not_at_all<S: Store>(store: S) -> Outcome {
    store.migrate().await?;
    let o = org(1);
    store.insert_org(&o, b"org").await?;
    let record = |n: u32| {
        let k = key(n, 1);
        let s = survivor(n, &o, &k);
        let case = CaseRow::opened(
            CaseId::from_random_bytes(id_bytes(n, 0xf1)),
            s.id,
            o.id,
            datetime!(2026-11-10 10:00 UTC),
        );
        let event = CaseEvent {
            case: case.id,
            at: case.created_at,
            kind: "opened".into(),
            actor: None,
            detail: "intake".into(),
        };
        (
            k,
            IntakeRecord {
                survivor: s,
                survivor_audit: b"s".to_vec(),
                case,
                team: Vec::new(),
                event,
                case_audit: b"c".to_vec(),
            },
        )
    };
    let (keys, batch): (Vec<_>, Vec<_>) = (1..=3).map(record).unzip();
    store.insert_data_keys(&keys).await?;
    store.insert_intakes(&batch).await?;
    for r in &batch {
        ensure(
            store.survivor(r.survivor.id).await?.is_some(),
            "every survivor of the batch",
        )?;
        ensure(
            store.case(r.case.id).await?.is_some(),
            "every case of the batch",
        )?;
    }
    ensure(
        store.audit_head().await?.size == 7,
        "two audit entries per intake",
    )?;
    // A batch with one bad record (an id already taken) writes nothing.
    let (k4, fresh) = record(4);
    store.insert_data_keys(std::slice::from_ref(&k4)).await?;
    let bad = vec![fresh.clone(), batch[0].clone()];
    ensure(
        store.insert_intakes(&bad).await.is_err(),
        "a conflicting batch is refused",
    )?;
    ensure(
        store.survivor(fresh.survivor.id).await?.is_none(),
        "and leaves nothing behind",
    )?;
    ensure(store.audit_head().await?.size == 7, "nor any audit entry")?;
    Ok(())
}

pub async fn an_edit_replaces_fields_and_index_and_sets_the_minor_flag<S: Store>(
    store: S,
) -> Outcome {
    store.migrate().await?;
    let o = org(1);
    store.insert_org(&o, b"org").await?;
    let k = key(1, 1);
    store.insert_data_keys(std::slice::from_ref(&k)).await?;
    let s = survivor(1, &o, &k);
    store.insert_survivor(&s, b"s").await?;
    let case = CaseRow::opened(
        CaseId::from_random_bytes(id_bytes(1, 0xf1)),
        s.id,
        o.id,
        datetime!(2026-11-08 10:00 UTC),
    );
    let opened = CaseEvent {
        case: case.id,
        at: case.created_at,
        kind: "opened".into(),
        actor: None,
        detail: "intake".into(),
    };
    store
        .insert_case(&case, case.org, &[], &opened, b"case")
        .await?;
    let edited = crate::SurvivorRow {
        fields: crate::SurvivorCiphertexts {
            pseudonym: vec![9, 9],
            legal_name: None,
            phone: Some(vec![5, 5]),
            ..s.fields.clone()
        },
        coarse: crate::CoarseFields {
            age_band: "under-18".into(),
            ..s.coarse.clone()
        },
        ..s.clone()
    };
    let edit = crate::SurvivorEdit {
        id: s.id,
        based_on: s.fields.pseudonym.clone(),
        fields: edited.fields.clone(),
        coarse: edited.coarse.clone(),
        index: vec![crate::IndexEntry {
            name: "phone_exact".into(),
            value: 777,
        }],
        minor: true,
        event: CaseEvent {
            case: case.id,
            at: datetime!(2026-11-09 10:00 UTC),
            kind: "profile".into(),
            actor: None,
            detail: "updated".into(),
        },
    };
    let seq = store.update_survivor(&edit, b"edit").await?;
    ensure(seq.is_some(), "the edit is applied")?;
    let back = store.survivor(s.id).await?;
    ensure(
        back.as_ref().map(|r| (&r.fields, &r.coarse)) == Some((&edited.fields, &edited.coarse)),
        "the fields read back as edited",
    )?;
    ensure(
        store
            .survivors_by_index("legal_name_exact", 42, 10)
            .await?
            .is_empty()
            && store.survivors_by_index("phone_exact", 777, 10).await? == vec![s.id],
        "the old index entries are gone and the new ones found",
    )?;
    let cases = store.cases_of_survivor(s.id).await?;
    ensure(
        cases.len() == 1 && cases[0].0.minor,
        "the case's minor flag is set",
    )?;
    let timeline = store.case_events(case.id).await?;
    ensure(
        timeline.last().map(|e| e.kind.as_str()) == Some("profile"),
        "the edit is on the timeline",
    )?;
    let head = store.audit_head().await?.size;
    ensure(
        matches!(
            store.update_survivor(&edit, b"again").await,
            Err(StoreError::Stale(_))
        ),
        "an edit of a record that was written since it was read is refused",
    )?;
    ensure(
        store.survivor(s.id).await?.map(|r| r.fields) == Some(edited.fields.clone())
            && store.audit_head().await?.size == head,
        "a refused edit writes nothing",
    )?;
    let missing = crate::SurvivorEdit {
        id: survivor(2, &o, &k).id,
        ..edit.clone()
    };
    ensure(
        store.update_survivor(&missing, b"none").await?.is_none(),
        "no survivor, no edit",
    )?;
    let head = store.audit_head().await?;
    ensure(
        seq.map(|n| n == head.size).unwrap_or(false),
        "the audit entry is the last one, and the missing edit wrote none",
    )?;

    // Coming of age: the flag is cleared once, with its event and audit entry.
    ensure(
        store.minor_cases().await? == vec![(case.id, s.id)],
        "the flagged case is listed with its survivor",
    )?;
    let came_of_age = CaseEvent {
        at: datetime!(2027-05-01 00:00 UTC),
        kind: "flag".into(),
        detail: "minor_cleared".into(),
        ..edit.event.clone()
    };
    ensure(
        store.clear_minor(case.id, &came_of_age, b"adult").await?,
        "the flag is cleared",
    )?;
    ensure(
        !store.cases_of_survivor(s.id).await?[0].0.minor && store.minor_cases().await?.is_empty(),
        "the case is no longer flagged",
    )?;
    ensure(
        store.case_events(case.id).await?.last() == Some(&came_of_age),
        "the clearing is on the timeline",
    )?;
    let head = store.audit_head().await?;
    ensure(
        !store.clear_minor(case.id, &came_of_age, b"again").await?
            && store.audit_head().await? == head
            && store.case_events(case.id).await?.len() == timeline.len() + 1,
        "clearing an unflagged case writes nothing",
    )?;
    Ok(())
}
