//! The case plan as the case page shows it: what is still to do first (tasks by due date,
//! the overdue ones said so, counted from the reader's own today), and what is finished
//! (done tasks, achieved or dropped goals) folded away below, newest first, so that a case
//! worked for years still opens on what needs doing.

use crate::i18n::Tr;
use crate::views::{GoalLine, PlanLines, TaskLine};
use haven_core::cases::{GoalView, TaskView};
use haven_domain::case::GoalStatus;
use time::Date;

pub(crate) fn plan_lines(t: Tr, tasks: &[TaskView], goals: &[GoalView], today: Date) -> PlanLines {
    let line = |k: &TaskView| TaskLine {
        id: k.id.to_string(),
        title: k.title.clone(),
        due: k.due_on.to_string(),
        overdue: k.done_at.is_none() && k.due_on < today,
    };
    let mut open: Vec<&TaskView> = tasks.iter().filter(|k| k.done_at.is_none()).collect();
    open.sort_by(|a, b| (a.due_on, &a.title).cmp(&(b.due_on, &b.title)));
    let mut done: Vec<&TaskView> = tasks.iter().filter(|k| k.done_at.is_some()).collect();
    done.sort_by_key(|k| std::cmp::Reverse(k.done_at));

    let goal = |g: &GoalView| GoalLine {
        id: g.id.to_string(),
        title: g.title.clone(),
        status: g.status.as_str(),
    };
    let (open_goals, mut closed): (Vec<&GoalView>, Vec<&GoalView>) =
        goals.iter().partition(|g| g.status == GoalStatus::Open);
    closed.sort_by_key(|g| std::cmp::Reverse(g.closed_at));
    let count = |key: &str, n: usize| t.t_args(key, &[("count", n.to_string())]);
    PlanLines {
        done_tasks_label: count("tasks-done", done.len()),
        closed_goals_label: count("goals-closed", closed.len()),
        open_tasks: open.into_iter().map(line).collect(),
        done_tasks: done.into_iter().map(line).collect(),
        open_goals: open_goals.into_iter().map(goal).collect(),
        closed_goals: closed.into_iter().map(goal).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use haven_domain::{GoalId, TaskId};
    use time::macros::{date, datetime};

    fn task(title: &str, due_on: Date, done: Option<time::OffsetDateTime>) -> TaskView {
        TaskView {
            id: TaskId::from_random_bytes([title.len() as u8; 16]),
            title: title.to_owned(),
            due_on,
            done_at: done,
        }
    }

    fn goal(title: &str, status: GoalStatus, closed: Option<time::OffsetDateTime>) -> GoalView {
        GoalView {
            id: GoalId::from_random_bytes([title.len() as u8; 16]),
            title: title.to_owned(),
            status,
            created_at: datetime!(2026-01-01 0:00 UTC),
            closed_at: closed,
        }
    }

    #[test]
    fn open_work_comes_first_by_due_date_and_finished_work_newest_first() {
        let today = date!(2026 - 12 - 03);
        let tasks = [
            task(
                "done long ago",
                date!(2026 - 01 - 01),
                Some(datetime!(2026-01-02 9:00 UTC)),
            ),
            task("later", date!(2026 - 12 - 20), None),
            task("late", date!(2026 - 12 - 01), None),
            task("today", today, None),
            task(
                "done lately",
                date!(2026 - 11 - 01),
                Some(datetime!(2026-11-30 9:00 UTC)),
            ),
        ];
        let goals = [
            goal(
                "dropped",
                GoalStatus::Dropped,
                Some(datetime!(2026-03-01 0:00 UTC)),
            ),
            goal("open", GoalStatus::Open, None),
            goal(
                "achieved",
                GoalStatus::Achieved,
                Some(datetime!(2026-11-01 0:00 UTC)),
            ),
        ];
        let plan = plan_lines(Tr(Lang::En), &tasks, &goals, today);
        assert_eq!(
            (
                plan.done_tasks_label.as_str(),
                plan.closed_goals_label.as_str()
            ),
            ("Done (2)", "Achieved or dropped (2)")
        );
        let titles = |lines: &[TaskLine]| lines.iter().map(|l| l.title.clone()).collect::<Vec<_>>();
        assert_eq!(titles(&plan.open_tasks), ["late", "today", "later"]);
        assert_eq!(
            plan.open_tasks
                .iter()
                .map(|l| l.overdue)
                .collect::<Vec<_>>(),
            [true, false, false],
            "due today is not overdue yet"
        );
        assert_eq!(titles(&plan.done_tasks), ["done lately", "done long ago"]);
        assert!(plan.done_tasks.iter().all(|l| !l.overdue));
        let goal_titles =
            |lines: &[GoalLine]| lines.iter().map(|l| l.title.clone()).collect::<Vec<_>>();
        assert_eq!(goal_titles(&plan.open_goals), ["open"]);
        assert_eq!(goal_titles(&plan.closed_goals), ["achieved", "dropped"]);
    }
}
