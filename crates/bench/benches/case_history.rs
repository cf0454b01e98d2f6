//! A case page against the length of its case's history, measured within one run on one
//! in-process installation (SQLite). The page opens the newest 50 notes and timeline
//! entries its reader may read. The store counts a case's notes by category and its
//! timeline entries by kind on their indexes, then reads each kind newest first until it
//! has 50, so only the counting grows with the history (by about 0.1 µs an entry), not the
//! reading. For cases of 50, 500 and 5,000 notes (`HAVEN_BENCH_SCALE` multiplies the
//! longest), in the three categories a case manager writes, each of 1,000 bytes:
//!
//! - the case page's view (`History::Newest(50)`), the fastest of twenty;
//! - the whole history (`History::All`, what `GET /api/v1/cases/{id}` reads), the fastest of
//!   five.
//!
//! Bound: the page of the longest case at least a quarter as fast as the page of a 50-note
//! case (when the store read the whole history for every page, it was 0.08–0.10).
//!
//! Run: `cargo bench -p haven-bench --bench case_history`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use haven_bench::{installation, rate, report, runtime, scale, staff_member, timed};
use haven_core::Haven;
use haven_core::auth::Authenticated;
use haven_core::cases::{History, NewCase};
use haven_core::system;
use haven_domain::CaseId;
use haven_domain::access::Role;
use haven_domain::case::NoteCategory;
use haven_domain::survivor::SurvivorProfile;
use haven_store_sqlite::SqliteStore;
use std::time::Duration;

/// The categories a case manager writes.
const CATEGORIES: [NoteCategory; 3] = [
    NoteCategory::General,
    NoteCategory::Safety,
    NoteCategory::Narrative,
];

/// The fastest of `rounds` views of `case` as far as `history` reaches.
async fn fastest(
    h: &Haven<SqliteStore>,
    cm: &Authenticated,
    case: CaseId,
    history: History,
    rounds: u32,
) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..rounds {
        let (view, t) = timed(h.view_case_history(cm, case, history)).await;
        view.unwrap();
        best = best.min(t);
    }
    best
}

fn main() {
    let longest = 5_000 * scale();
    runtime().block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let h = installation(dir.path()).await;
        let ngo = h.create_org(system("bench"), "NGO", "ngo").await.unwrap();
        let cm = staff_member(&h, ngo, "cm@ngo.bench", Role::CaseManager).await;
        let body = "x".repeat(1_000);
        let mut lines = Vec::new();
        for notes in [50, 500, longest] {
            let profile = SurvivorProfile::pseudonymous("Bench").unwrap();
            let (_, case) = h.intake(&cm, &profile, &NewCase::default()).await.unwrap();
            for i in 0..notes {
                let category = CATEGORIES[i as usize % CATEGORIES.len()];
                h.add_note(&cm, case, category, &body).await.unwrap();
            }
            let view = h.view_case_history(&cm, case, History::Newest(50)).await.unwrap();
            assert_eq!((view.notes.len(), view.notes_total), (50, notes as usize));
            let page = fastest(&h, &cm, case, History::Newest(50), 20).await;
            let whole = fastest(&h, &cm, case, History::All, 5).await;
            lines.push((notes, page, whole));
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        for (notes, page, whole) in &lines {
            println!(
                "a case of {notes} notes: its page (the newest 50) {:.2} ms, its whole history {:.2} ms",
                ms(*page),
                ms(*whole)
            );
        }
        let (short, long) = (lines[0].1, lines[lines.len() - 1].1);
        let (ours, theirs) = (rate(1, long), rate(1, short));
        report(
            &format!("case page at {longest} notes against 50"),
            (&format!("pages at {longest}"), ours),
            ("pages at 50", theirs),
            "≥ 0.25",
            ours / theirs >= 0.25,
        );
        h.store().close().await;
    });
}
