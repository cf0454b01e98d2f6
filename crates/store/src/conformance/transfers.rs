//! Conformance stories: a transfer of a case's ownership, and the writes it must not lose.

use super::staff::user;
use super::{Outcome, ensure, id_bytes, key, org, survivor};
use crate::{
    AdversaryRow, CaseChange, CaseEvent, CaseRow, ConsentRow, GoalRow, MessageRow, MovedRecord,
    NoteRow, OrgRow, ReferralRow, Store, StoreError, SurvivorRow, TaskRow, TransferRow, UserRow,
};
use haven_domain::{
    AdversaryId, CaseId, ConsentId, GoalId, MessageId, NoteId, ReferralId, ServiceId, TaskId,
    TransferId,
};
use time::OffsetDateTime;
use time::macros::{date, datetime};

/// Whether a write was refused as made from a stale read (`StoreError::Stale`).
fn stale<T>(written: Result<T, StoreError>) -> bool {
    matches!(written, Err(StoreError::Stale(_)))
}

/// Organisation `a` with a survivor and a case, organisation `b` to take it over, a member of
/// each, and a transfer proposed from `a` to `b`.
struct Proposed {
    a: OrgRow,
    b: OrgRow,
    ua: UserRow,
    ub: UserRow,
    s: SurvivorRow,
    case: CaseRow,
    event: CaseEvent,
    at: OffsetDateTime,
    transfer: TransferRow,
}

async fn proposed<S: Store>(
    store: &S,
) -> Result<Proposed, Box<dyn std::error::Error + Send + Sync>> {
    store.migrate().await?;
    let (a, b) = (org(1), org(2));
    store.insert_org(&a, b"a").await?;
    store.insert_org(&b, b"b").await?;
    let (ua, ub) = (user(1, &a), user(2, &b));
    store.insert_user(&ua, b"ua").await?;
    store
        .insert_user(
            &UserRow {
                email: "b@example.org".into(),
                ..ub.clone()
            },
            b"ub",
        )
        .await?;
    let k = key(1, 1);
    store.insert_data_keys(std::slice::from_ref(&k)).await?;
    let s = survivor(1, &a, &k);
    store.insert_survivor(&s, b"s").await?;
    let at = datetime!(2026-11-08 10:00 UTC);
    let case = CaseRow::opened(CaseId::from_random_bytes(id_bytes(2, 0xf0)), s.id, a.id, at);
    let event = CaseEvent {
        case: case.id,
        at,
        kind: "transfer".into(),
        actor: Some(ua.id),
        detail: String::new(),
    };
    store
        .insert_case(&case, case.org, &[ua.id], &event, b"case")
        .await?;
    let transfer = TransferRow {
        id: TransferId::from_random_bytes(id_bytes(1, 0x7a)),
        case: case.id,
        from_org: a.id,
        to_org: b.id,
        state: "proposed".into(),
        created_by: ua.id,
        created_at: at,
        decided_by: None,
        decided_at: None,
    };
    store.insert_transfer(&transfer, &event, b"propose").await?;
    Ok(Proposed {
        a,
        b,
        ua,
        ub,
        s,
        case,
        event,
        at,
        transfer,
    })
}

impl Proposed {
    fn accepted(&self) -> TransferRow {
        TransferRow {
            state: "accepted".into(),
            decided_by: Some(self.ub.id),
            decided_at: Some(self.at),
            ..self.transfer.clone()
        }
    }

    /// The record as the transfer read it, resealed (here: new bytes) for `b`.
    fn moved(&self, notes: Vec<(NoteId, Vec<u8>)>) -> MovedRecord {
        MovedRecord {
            survivor: self.s.id,
            from_org: self.a.id,
            to_org: self.b.id,
            pseudonym_read: self.s.fields.pseudonym.clone(),
            fields: crate::SurvivorCiphertexts {
                pseudonym: vec![42],
                ..self.s.fields.clone()
            },
            cases: vec![self.case.id],
            team: vec![self.ub.id],
            notes,
            tasks: Vec::new(),
            goals: Vec::new(),
            messages: Vec::new(),
            adversaries: Vec::new(),
            at: self.at,
            by: self.ub.id,
        }
    }

    fn note(&self, n: u32, body: u8) -> NoteRow {
        NoteRow {
            id: NoteId::from_random_bytes(id_bytes(n, 0x70)),
            case: self.case.id,
            category: "general".into(),
            author: self.ua.id,
            created_at: self.at,
            body: vec![body; 8],
        }
    }

    fn task(&self, n: u32) -> TaskRow {
        TaskRow {
            id: TaskId::from_random_bytes(id_bytes(n, 0x7b)),
            case: self.case.id,
            title: vec![5; 8],
            due_on: date!(2026 - 12 - 01),
            done_at: None,
            created_at: self.at,
        }
    }

    fn goal(&self, n: u32) -> GoalRow {
        GoalRow {
            id: GoalId::from_random_bytes(id_bytes(n, 0x7c)),
            case: self.case.id,
            title: vec![5; 8],
            status: "open".into(),
            created_at: self.at,
            closed_at: None,
        }
    }

    /// A release of identity to `b`, recorded by `a`.
    fn release(&self, n: u32) -> ConsentRow {
        ConsentRow {
            id: ConsentId::from_random_bytes(id_bytes(n, 0xc5)),
            survivor: self.s.id,
            org: self.a.id,
            recipient_org: self.b.id,
            categories: "identity".into(),
            method: "signed_form".into(),
            signer: "survivor".into(),
            sealed: vec![5],
            has_scan: false,
            granted_at: self.at,
            expires_at: datetime!(2027-01-08 10:00 UTC),
            recorded_by: self.ua.id,
            revoked_at: None,
            revoked_by: None,
            revocation_channel: None,
        }
    }
}

/// An accepted transfer moves the record whole in one transaction: owner, team, resealed
/// ciphertexts, ended releases; it is decided once.
pub async fn a_transfer_moves_the_record_once<S: Store>(store: S) -> Outcome {
    let p = proposed(&store).await?;
    let Proposed {
        a,
        b,
        ub,
        s,
        case,
        event,
        ..
    } = &p;
    let note = p.note(1, 1);
    store.insert_note(&note, a.id, event, b"note").await?;
    let consent = p.release(2);
    store
        .insert_consent(&consent, None, event, b"consent")
        .await?;
    ensure(
        !store.consents_of_survivor(s.id).await?[0].has_scan
            && store.consent_scan(s.id, consent.id).await?.is_none(),
        "a release without a scan says so",
    )?;
    ensure(
        store.transfers_of_org(b.id, 10).await? == vec![p.transfer.clone()]
            && store.transfer(p.transfer.id).await? == Some(p.transfer.clone()),
        "the proposal reads back for the receiver",
    )?;
    let accepted = p.accepted();
    let moved = p.moved(vec![(note.id, vec![2; 8])]);
    ensure(
        store
            .decide_transfer(&accepted, Some(&moved), event, b"accept")
            .await?,
        "the transfer is accepted",
    )?;
    ensure(
        !store
            .decide_transfer(&accepted, Some(&moved), event, b"accept")
            .await?,
        "and decided once",
    )?;
    let (after, team) = store.case(case.id).await?.ok_or("case")?;
    ensure(
        after.org == b.id && team == vec![ub.id],
        "owner and team moved",
    )?;
    let row = store.survivor(s.id).await?.ok_or("survivor")?;
    ensure(
        row.org == b.id && row.fields.pseudonym == vec![42],
        "the record is resealed",
    )?;
    ensure(
        store.notes_of_case(case.id).await?[0].body == vec![2; 8],
        "the note is resealed",
    )?;
    ensure(
        store.consents_of_survivor(s.id).await?[0]
            .revocation_channel
            .as_deref()
            == Some("transfer"),
        "the old owner's releases end",
    )
}

/// A transfer moves the record only as it read it. A note written after the read, or an
/// edit of the record, refuses the move (`Stale`) and nothing is written; once moved, a
/// write sealed for the sender is refused, whatever it writes, and one sealed for the
/// receiver goes in.
pub async fn a_transfer_moves_only_what_it_read<S: Store>(store: S) -> Outcome {
    let p = proposed(&store).await?;
    let Proposed {
        a,
        b,
        ua,
        s,
        case,
        event,
        at,
        ..
    } = &p;
    let first = p.note(1, 1);
    store.insert_note(&first, a.id, event, b"note").await?;
    let read = p.moved(vec![(first.id, vec![2; 8])]);
    let meanwhile = p.note(2, 3);
    store.insert_note(&meanwhile, a.id, event, b"note").await?;
    let head = store.audit_head().await?;
    let unchanged = |what: &'static str| {
        let store = &store;
        async move {
            let (c, _) = store.case(case.id).await?.ok_or("case")?;
            let row = store.survivor(s.id).await?.ok_or("survivor")?;
            let notes = store.notes_of_case(case.id).await?;
            ensure(
                c.org == a.id
                    && row.org == a.id
                    && row.fields == s.fields
                    && notes.iter().all(|n| n.body != vec![2; 8])
                    && store.transfer(p.transfer.id).await?.map(|t| t.state)
                        == Some("proposed".into())
                    && store.audit_head().await? == head,
                what,
            )
        }
    };
    ensure(
        stale(
            store
                .decide_transfer(&p.accepted(), Some(&read), event, b"accept")
                .await,
        ),
        "a note written after the read refuses the move",
    )?;
    unchanged("and nothing of it is written").await?;
    let edited = MovedRecord {
        pseudonym_read: vec![7],
        ..p.moved(vec![(first.id, vec![2; 8]), (meanwhile.id, vec![2; 8])])
    };
    ensure(
        stale(
            store
                .decide_transfer(&p.accepted(), Some(&edited), event, b"accept")
                .await,
        ),
        "a record edited after the read refuses the move",
    )?;
    unchanged("and nothing of that is written either").await?;
    let whole = p.moved(vec![(first.id, vec![2; 8]), (meanwhile.id, vec![2; 8])]);
    ensure(
        store
            .decide_transfer(&p.accepted(), Some(&whole), event, b"accept")
            .await?,
        "read again, the move goes through",
    )?;

    let late = p.note(3, 4);
    ensure(
        stale(store.insert_note(&late, a.id, event, b"note").await),
        "a note sealed for the sender is refused",
    )?;
    let task = p.task(3);
    let goal = p.goal(3);
    let message = MessageRow {
        id: MessageId::from_random_bytes(id_bytes(3, 0x7d)),
        case: case.id,
        author: ua.id,
        author_org: a.id,
        created_at: *at,
        body: vec![5; 8],
    };
    let adversary = AdversaryRow {
        id: AdversaryId::from_random_bytes(id_bytes(3, 0x7e)),
        case: case.id,
        name: vec![5; 8],
        relationship: "employer".into(),
        created_at: *at,
    };
    let release = p.release(3);
    ensure(
        stale(
            store
                .insert_consent(&release, None, event, b"consent")
                .await,
        ) && store.consents_of_survivor(s.id).await?.is_empty(),
        "a release given by the sender is refused",
    )?;
    ensure(
        stale(store.insert_task(&task, a.id, event, b"task").await)
            && stale(store.insert_goal(&goal, a.id, event, b"goal").await)
            && stale(store.insert_message(&message, a.id, b"message").await)
            && stale(
                store
                    .insert_adversary(&adversary, a.id, event, b"adversary")
                    .await,
            ),
        "so are a task, a goal, a message and an adversary",
    )?;
    ensure(
        store.notes_of_case(case.id).await?.len() == 2
            && store.tasks_of_case(case.id).await?.is_empty()
            && store.goals_of_case(case.id).await?.is_empty()
            && store.messages_of_case(case.id).await?.is_empty()
            && store.adversaries_of_case(case.id).await?.is_empty(),
        "none of them written",
    )?;
    store.insert_note(&late, b.id, event, b"note").await?;
    ensure(
        store.notes_of_case(case.id).await?.len() == 3,
        "a note sealed for the receiver goes in",
    )
}

/// Once a case has moved, its sender can change nothing in it, whatever it read before: a
/// status or classification, the team, a task done or a goal's status, a referral or a new
/// transfer from it are each refused (`Stale`) and leave the case as the receiver holds it.
pub async fn once_moved_a_case_takes_no_change_from_its_sender<S: Store>(store: S) -> Outcome {
    let p = proposed(&store).await?;
    let Proposed {
        a,
        b,
        ua,
        ub,
        s,
        case,
        event,
        at,
        ..
    } = &p;
    ensure(
        store
            .decide_transfer(&p.accepted(), Some(&p.moved(Vec::new())), event, b"accept")
            .await?,
        "the case moves",
    )?;
    let task = p.task(4);
    store.insert_task(&task, b.id, event, b"task").await?;
    let goal = p.goal(4);
    store.insert_goal(&goal, b.id, event, b"goal").await?;
    let closed = CaseChange::Status {
        from: "open".into(),
        to: "closed".into(),
        reason: None,
    };
    let classified = CaseChange::Classification {
        exploitation: Some(("sex".into(), vec![1])),
        safety_risk: Some(true),
        immigration_sensitive: None,
    };
    let achieved = GoalRow {
        status: "achieved".into(),
        closed_at: Some(*at),
        ..goal.clone()
    };
    let referral = ReferralRow {
        id: ReferralId::from_random_bytes(id_bytes(4, 0x7e)),
        case: Some(case.id),
        survivor: Some(s.id),
        from_org: a.id,
        to_org: b.id,
        service: ServiceId::from_random_bytes(id_bytes(4, 0x5e)),
        consent: None,
        state: "sent".into(),
        reason: None,
        created_by: ua.id,
        created_at: *at,
        respond_by: datetime!(2026-11-09 10:00 UTC),
        updated_at: *at,
        sealed: None,
        key_id: None,
    };
    let again = TransferRow {
        id: TransferId::from_random_bytes(id_bytes(4, 0x7a)),
        ..p.transfer.clone()
    };
    let left_behind = CaseRow::opened(
        CaseId::from_random_bytes(id_bytes(4, 0xf4)),
        s.id,
        a.id,
        *at,
    );
    let refusals = [
        (
            stale(
                store
                    .update_case(case.id, a.id, &closed, event, b"status")
                    .await,
            ),
            "a status change",
        ),
        (
            stale(
                store
                    .update_case(case.id, a.id, &classified, event, b"class")
                    .await,
            ),
            "a classification",
        ),
        (
            stale(
                store
                    .add_team_member(case.id, a.id, ua.id, event, b"add")
                    .await,
            ),
            "a member added",
        ),
        (
            stale(
                store
                    .remove_team_member(case.id, a.id, ub.id, event, b"remove")
                    .await,
            ),
            "a member removed",
        ),
        (
            stale(
                store
                    .complete_task(case.id, a.id, task.id, *at, event, b"done")
                    .await,
            ),
            "a task done",
        ),
        (
            stale(store.set_goal_status(&achieved, a.id, event, b"goal").await),
            "a goal achieved",
        ),
        (
            stale(
                store
                    .insert_referral(&referral, Some(event), b"referral")
                    .await,
            ),
            "a referral",
        ),
        (
            stale(store.insert_transfer(&again, event, b"transfer").await),
            "a transfer",
        ),
        (
            stale(
                store
                    .insert_case(&left_behind, a.id, &[ua.id], event, b"case")
                    .await,
            ),
            "a new case for the record",
        ),
    ];
    for (refused, what) in refusals {
        ensure(refused, what)?;
    }
    let (now, team) = store.case(case.id).await?.ok_or("case")?;
    ensure(
        now.org == b.id
            && now.status == "open"
            && now.exploitation == case.exploitation
            && !now.safety_risk
            && team == vec![ub.id]
            && store.tasks_of_case(case.id).await?[0].done_at.is_none()
            && store.goals_of_case(case.id).await?[0].status == "open"
            && store.referrals_of_case(case.id).await?.is_empty()
            && store.transfer(again.id).await?.is_none()
            && store.cases_of_survivor(s.id).await?.len() == 1,
        "and the case is as the receiver holds it",
    )?;
    ensure(
        store
            .complete_task(case.id, b.id, task.id, *at, event, b"done")
            .await?,
        "while the receiver's own change goes in",
    )
}
