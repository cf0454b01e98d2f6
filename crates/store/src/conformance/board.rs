//! Conformance story: a member's board — their cases newest first, a page at a time, by
//! status or by tasks due, each case read with its team, record and tasks.

use super::staff::user;
use super::{Outcome, ensure, id_bytes, key, org, survivor};
use crate::{BoardCursor, BoardQuery, CaseChange, CaseEvent, CaseRow, OrgRow, Store, TaskRow};
use haven_domain::{CaseId, TaskId, UserId};
use time::OffsetDateTime;
use time::macros::{date, datetime};

/// Opens case `n` (with survivor and key `n`) at `at`, with `team`.
async fn open_case<S: Store>(
    store: &S,
    n: u32,
    o: &OrgRow,
    at: OffsetDateTime,
    team: &[UserId],
) -> Result<CaseRow, Box<dyn std::error::Error + Send + Sync>> {
    let k = key(n, 1);
    store.insert_data_keys(std::slice::from_ref(&k)).await?;
    let s = survivor(n, o, &k);
    store.insert_survivor(&s, b"survivor").await?;
    let case = CaseRow::opened(CaseId::from_random_bytes(id_bytes(n, 0xf0)), s.id, o.id, at);
    let opened = CaseEvent {
        case: case.id,
        at,
        kind: "opened".into(),
        actor: team.first().copied(),
        detail: "intake".into(),
    };
    store
        .insert_case(&case, case.org, team, &opened, b"case")
        .await?;
    Ok(case)
}

async fn ids<S: Store>(
    store: &S,
    user: UserId,
    page: &BoardQuery,
) -> Result<Vec<CaseId>, crate::StoreError> {
    Ok(store
        .member_board(user, page)
        .await?
        .into_iter()
        .map(|line| line.case.id)
        .collect())
}

fn after(case: &CaseRow) -> Option<BoardCursor> {
    Some(BoardCursor {
        created_at: case.created_at,
        case: case.id,
    })
}

pub async fn a_members_board_pages_and_filters<S: Store>(store: S) -> Outcome {
    store.migrate().await?;
    let o = org(1);
    store.insert_org(&o, b"org").await?;
    let (me, other) = (user(1, &o), user(2, &o));
    store.insert_user(&me, b"me").await?;
    store.insert_user(&other, b"other").await?;
    let hour = |h: u8| datetime!(2026-11-10 00:00 UTC) + time::Duration::hours(h.into());
    let c1 = open_case(&store, 1, &o, hour(1), &[me.id]).await?;
    let c2 = open_case(&store, 2, &o, hour(2), &[me.id]).await?;
    let c3 = open_case(&store, 3, &o, hour(3), &[me.id, other.id]).await?;
    let c4 = open_case(&store, 4, &o, hour(4), &[other.id]).await?;
    // Opened in the same instant as c4: the id breaks the tie.
    let c5 = open_case(&store, 5, &o, hour(4), &[me.id]).await?;
    let newest = BoardQuery::newest(10);
    ensure(
        ids(&store, me.id, &newest).await? == vec![c5.id, c3.id, c2.id, c1.id],
        "my cases newest first, and only mine",
    )?;

    let event = |case: &CaseRow, kind: &str| CaseEvent {
        case: case.id,
        at: hour(5),
        kind: kind.into(),
        actor: Some(me.id),
        detail: kind.into(),
    };
    store
        .add_team_member(c4.id, c4.org, me.id, &event(&c4, "team"), b"joined")
        .await?;
    let mut all = ids(&store, me.id, &newest).await?;
    let (mut tied, rest) = (all[..2].to_vec(), all.split_off(2));
    tied.sort();
    ensure(
        tied == vec![c4.id.min(c5.id), c4.id.max(c5.id)] && rest == vec![c3.id, c2.id, c1.id],
        "a case joined later sits by its creation time",
    )?;

    // Walking one case a page gives the same order, nothing skipped or repeated at the tie.
    let mut walked = Vec::new();
    let mut page = BoardQuery::newest(1);
    while let Some(line) = store.member_board(me.id, &page).await?.pop() {
        walked.push(line.case.id);
        page.after = after(&line.case);
        ensure(walked.len() <= 5, "a page never comes round again")?;
    }
    ensure(
        walked == ids(&store, me.id, &newest).await?,
        "pages of one follow the order",
    )?;

    store
        .update_case(
            c2.id,
            c2.org,
            &CaseChange::Status {
                from: c2.status.clone(),
                to: "active".into(),
                reason: None,
            },
            &event(&c2, "status"),
            b"status",
        )
        .await?;
    let open = BoardQuery {
        status: Some("open".into()),
        ..newest.clone()
    };
    ensure(
        !ids(&store, me.id, &open).await?.contains(&c2.id)
            && ids(&store, me.id, &open).await?.len() == 4,
        "by status",
    )?;
    ensure(
        ids(
            &store,
            me.id,
            &BoardQuery {
                after: after(&c3),
                ..open.clone()
            },
        )
        .await?
            == vec![c1.id],
        "by status, after a position",
    )?;

    let task = |n: u32, case: &CaseRow, due: time::Date| TaskRow {
        id: TaskId::from_random_bytes(id_bytes(n, 0x80)),
        case: case.id,
        title: vec![n as u8],
        due_on: due,
        done_at: None,
        created_at: hour(6),
    };
    let soon = task(1, &c1, date!(2026 - 12 - 01));
    store
        .insert_task(&soon, c1.org, &event(&c1, "task"), b"task")
        .await?;
    let later = task(3, &c3, date!(2027 - 01 - 10));
    store
        .insert_task(&later, c3.org, &event(&c3, "task"), b"task")
        .await?;
    let done = task(2, &c2, date!(2026 - 11 - 20));
    store
        .insert_task(&done, c2.org, &event(&c2, "task"), b"task")
        .await?;
    store
        .complete_task(
            c2.id,
            c2.org,
            done.id,
            hour(7),
            &event(&c2, "task"),
            b"done",
        )
        .await?;
    let due = store
        .member_board(
            me.id,
            &BoardQuery {
                tasks_due_by: Some(date!(2026 - 12 - 05)),
                ..newest.clone()
            },
        )
        .await?;
    ensure(
        due.len() == 1 && due[0].case.id == c1.id && due[0].tasks == vec![soon],
        "by a task not done and due by a day, with the case's tasks",
    )?;
    ensure(
        due[0].team == vec![me.id] && due[0].survivor.as_ref().map(|s| s.id) == Some(c1.survivor),
        "with the case's team and record",
    )?;
    Ok(())
}
