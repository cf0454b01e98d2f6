//! The consent check's cost on the case-read path (issue #5), measured within one run on
//! one in-process installation (SQLite): the same case read in full by a member of its team
//! (no release involved) and by a clinic clinician through a release; and the authorisation
//! alone for each, whose difference is what checking the release adds to a read. Rounds
//! alternate so drift in the machine's load hits both alike.
//!
//! Bound: the check costs at most 20 % of case-read throughput, i.e. the extra time of an
//! authorisation under a release is at most a quarter of a full team read's time
//! (1 − 1/(1 + x) ≤ 0.2 ⇔ x ≤ 0.25).
//!
//! Run: `cargo bench -p haven-bench --bench consent`. `HAVEN_BENCH_SCALE` multiplies the
//! number of reads.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use haven_bench::{installation, rate, runtime, scale, staff_member as staff};
use haven_core::auth::Authenticated;
use haven_core::cases::NewCase;
use haven_core::sharing::ConsentInput;
use haven_core::{Haven, system};
use haven_domain::access::{Action, Role};
use haven_domain::case::NoteCategory;
use haven_domain::consent::{ConsentMethod, Signer};
use haven_domain::survivor::{PersonalText, SurvivorField, SurvivorProfile};
use haven_domain::{CaseId, DataCategory};
use haven_store_sqlite::SqliteStore;
use std::time::{Duration, Instant};

async fn full_read(h: &Haven<SqliteStore>, who: &Authenticated, case: CaseId) {
    h.view_case(who, case).await.unwrap();
}

fn main() {
    let scale = u32::try_from(scale()).unwrap();
    let rt = runtime();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let h = installation(dir.path()).await;
        let ngo = h.create_org(system("bench"), "NGO", "ngo").await.unwrap();
        let clinic = h.create_org(system("bench"), "Clinic", "clinic").await.unwrap();
        let cm = staff(&h, ngo, "cm@ngo.bench", Role::CaseManager).await;
        let doc = staff(&h, clinic, "doc@clinic.bench", Role::Clinician).await;
        let mut profile = SurvivorProfile::pseudonymous("Bench").unwrap();
        profile.legal_name = Some(PersonalText::parse(SurvivorField::LegalName, "Bench Person").unwrap());
        let (_, case) = h.intake(&cm, &profile, &NewCase::default()).await.unwrap();
        for n in 0..5 {
            h.add_note(&cm, case, NoteCategory::General, &format!("note {n}"))
                .await
                .unwrap();
        }
        h.record_consent(
            &cm,
            case,
            ConsentInput {
                recipient_org: clinic,
                categories: [DataCategory::Case, DataCategory::Identity, DataCategory::Medical].into(),
                purpose: "bench".into(),
                method: ConsentMethod::SignedForm,
                evidence: "form".into(),
                signer: Signer::Survivor,
                guardian: None,
                granted_at: None,
                expires_at: Some(h.now() + time::Duration::days(30)),
                // A scanned signed form near the size limit, as most paper releases have.
                scan: Some([b"%PDF-1.7\n".as_slice(), &[b'x'; 600 * 1024]].concat()),
            },
        )
        .await
        .unwrap();
        let reads = 400 * scale;
        let (mut team, mut shared) = (Duration::ZERO, Duration::ZERO);
        let (mut auth_team, mut auth_shared) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..4 {
            let t = Instant::now();
            for _ in 0..reads {
                full_read(&h, &cm, case).await;
            }
            team += t.elapsed();
            let t = Instant::now();
            for _ in 0..reads {
                full_read(&h, &doc, case).await;
            }
            shared += t.elapsed();
            let t = Instant::now();
            for _ in 0..reads {
                h.authorize_case(&cm, case, Action::View).await.unwrap();
            }
            auth_team += t.elapsed();
            let t = Instant::now();
            for _ in 0..reads {
                h.authorize_case(&doc, case, Action::View).await.unwrap();
            }
            auth_shared += t.elapsed();
        }
        let n = u64::from(4 * reads);
        let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
        let extra = per(auth_shared) - per(auth_team);
        let cost = extra / (per(team) + extra.max(0.0));
        println!(
            "case reads in full: team {:.0}/s, under a release {:.0}/s",
            rate(n, team),
            rate(n, shared)
        );
        println!(
            "authorisation alone: team {:.1} µs, under a release {:.1} µs; the release check adds {extra:.1} µs to a {:.1} µs read: {:.1}% of case-read throughput (bound ≤ 20%: {})",
            per(auth_team),
            per(auth_shared),
            per(team),
            cost * 100.0,
            if cost <= 0.2 { "met" } else { "NOT met" }
        );
    });
}
