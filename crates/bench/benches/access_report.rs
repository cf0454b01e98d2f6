//! A survivor's access report against the size of the audit log, measured within one run on
//! one in-process installation (SQLite): the report reads the entries about the survivor
//! through the log's index of targets, where it used to read and decode every entry of the
//! log. Against a log of 200,000 entries about other people (`HAVEN_BENCH_SCALE` multiplies
//! it) and 100 about the survivor:
//!
//! - a report with the index up to date, the fastest of five;
//! - a report after 5,000 more entries, which it indexes first;
//! - the first report, which indexes the whole log;
//! - reading and decoding the whole log, which is what every report did before.
//!
//! Bound: a report with the index up to date at least 20× as fast as reading the log.
//!
//! Run: `cargo bench -p haven-bench --bench access_report`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use haven_bench::{
    append_raw, installation, rate, report, runtime, scale, staff_member, timed, view_entry,
};
use haven_core::cases::NewCase;
use haven_core::{Haven, system};
use haven_domain::access::Role;
use haven_domain::audit::{AuditEvent, AuditTarget};
use haven_domain::survivor::SurvivorProfile;
use haven_store::Store;
use haven_store_sqlite::SqliteStore;
use std::time::Duration;

/// The old report's work: every entry read and decoded, those about `case` kept.
async fn read_whole_log(haven: &Haven<SqliteStore>, case: uuid::Uuid) -> usize {
    let (mut after, mut about) = (0, 0);
    loop {
        let page = haven.store().audit_page(after, 5_000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        about += page
            .iter()
            .filter_map(|r| AuditEvent::from_canonical_bytes(&r.body).ok())
            .filter(|e| e.target == Some(AuditTarget::Case(case)))
            .count();
    }
    about
}

fn main() {
    let scale = scale();
    let rt = runtime();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let h = installation(dir.path()).await;
        let ngo = h.create_org(system("bench"), "NGO", "ngo").await.unwrap();
        let cm = staff_member(&h, ngo, "cm@ngo.bench", Role::CaseManager).await;
        let profile = SurvivorProfile::pseudonymous("Bench").unwrap();
        let (_, case) = h.intake(&cm, &profile, &NewCase::default()).await.unwrap();
        let views = 100;
        let others = 200_000 * scale;
        // The survivor's case read now and then among everyone else's entries.
        let db = dir.path().join("db/haven.db");
        let per_view = others / views;
        for v in 0..views {
            h.view_case(&cm, case).await.unwrap();
            let bodies: Vec<Vec<u8>> = (v * per_view..(v + 1) * per_view).map(view_entry).collect();
            append_raw(&db, &bodies).await;
        }
        let size = h.store().audit_head().await.unwrap().size;

        let (first, first_time) = timed(h.access_report(&cm, case)).await;
        let lines = first.unwrap().lines.len();
        assert!(lines >= views as usize, "every view reported: {lines}");
        let mut warm = Duration::MAX;
        for _ in 0..5 {
            let (r, t) = timed(h.access_report(&cm, case)).await;
            r.unwrap();
            warm = warm.min(t);
        }
        let fresh: Vec<Vec<u8>> = (others..others + 5_000).map(view_entry).collect();
        append_raw(&db, &fresh).await;
        let (r, after_fresh) = timed(h.access_report(&cm, case)).await;
        r.unwrap();
        let (about, scan) = timed(read_whole_log(&h, *case.as_uuid())).await;
        assert!(about > views as usize, "the scan finds the views and the case's creation");

        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "access report over {size} audit entries, {views} about the survivor: up to date {:.2} ms, after 5,000 new entries {:.1} ms, the first (indexing the whole log) {:.0} ms; reading and decoding the whole log {:.0} ms",
            ms(warm),
            ms(after_fresh),
            ms(first_time),
            ms(scan)
        );
        let (ours, theirs) = (rate(1, warm), rate(1, scan));
        report(
            &format!("access report ({size} entries)"),
            ("reports with the index", ours),
            ("reads of the whole log", theirs),
            "≥ 20× as fast",
            ours / theirs >= 20.0,
        );
        h.store().close().await;
    });
}
