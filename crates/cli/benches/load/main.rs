//! Load benchmark (issue #4): a loopback load generator against a running `haven demo`
//! server, printing ratios measured in one run.
//!
//! - authorised case reads (`GET /api/v1/cases/{id}`: policy, decryption, a durable audit
//!   entry) per second as a fraction of `/healthz` per second, with p50/p99 latency;
//! - intake writes (`POST /api/v1/survivors`: survivor + case + audit) per second;
//! - search latency (`GET /api/v1/search`) p50/p99.
//!
//! Run: `cargo bench -p haven-cli --bench load` (HAVEN_BENCH_PEOPLE sets the number of
//! synthetic survivors, default 2,000; the issue's figure uses 100000; HAVEN_BENCH_SECONDS
//! the length of each phase, default 5). With HAVEN_BENCH_PIN=1 the server runs alone on
//! CPU 0 and the generator on the other CPUs (by `taskset`), as if on its own machine.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod generator;

use generator::{Conn, Tally, cpu_per_request, load, pct};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let people = env_u64("HAVEN_BENCH_PEOPLE", 2_000);
    let seconds = env_u64("HAVEN_BENCH_SECONDS", 5);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let placement = if pinned() {
        assert!(cpus >= 2, "HAVEN_BENCH_PIN needs two CPUs or more");
        let others = match cpus - 1 {
            1 => "CPU 1".to_owned(),
            last => format!("CPUs 1-{last}"),
        };
        // Threads started from now on inherit the generator's CPUs.
        let me = std::process::id().to_string();
        taskset(&["-a", "-p", "-c", &format!("1-{}", cpus - 1), &me]);
        format!("the server runs alone on CPU 0, the load generator on {others}")
    } else {
        format!("the load generator shares the machine's {cpus} cores")
    };
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path().join("haven");
    let started = Instant::now();
    let (mut server, addr) = start_haven(&[
        "demo",
        "--data-dir",
        d.to_str().unwrap(),
        "--people",
        &people.to_string(),
    ]);
    let pid = server.id();
    println!(
        "seeded {people} synthetic survivors and started the server in {:.1?}",
        started.elapsed()
    );
    let token_for = |user: &str| {
        haven_cmd(&[
            "token",
            "create",
            "--data-dir",
            d.to_str().unwrap(),
            "--user",
            user,
            "--name",
            "bench",
        ])
    };
    let token = token_for("case.manager@harbour.demo");
    // The clinician reads a case through a release the bench records, so every read checks
    // consent.
    let clinic_token = token_for("clinician@northside.demo");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut conn = Conn::open(&addr).await;
        let (status, body) = conn.request("GET", "/api/v1/cases", &token, "").await;
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let ids: Vec<String> = v["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
        assert!(!ids.is_empty());
        let ids = Arc::new(ids);
        let connections = 32;

        // Alternate phases so drift in the machine's load hits them alike. A third phase, an
        // authenticated request that reads the token and its account and nothing more
        // (`/api/v1/me`), shows how much of a case read is the HTTP round trip and the
        // sign-in every API request pays.
        let (mut health, mut reads, mut signed_in) = (Tally::default(), Tally::default(), Tally::default());
        for _ in 0..2 {
            health.add_measured(cpu_per_request(pid, load(&addr, "", connections, seconds, |_| ("GET".into(), "/healthz".into(), String::new()))).await);
            let ids2 = ids.clone();
            reads.add_measured(
                cpu_per_request(pid, load(&addr, &token, connections, seconds, move |i| {
                    ("GET".into(), format!("/api/v1/cases/{}", ids2[(i as usize) % ids2.len()]), String::new())
                }))
                .await,
            );
            signed_in.add_measured(cpu_per_request(pid, load(&addr, &token, connections, seconds, |_| ("GET".into(), "/api/v1/me".into(), String::new()))).await);
        }
        let span = (2 * seconds) as f64;
        let (h, r, a) = (health.rate(span), reads.rate(span), signed_in.rate(span));
        let (h_cpu, r_cpu) = (health.cpu(), reads.cpu());
        println!(
            "case reads: {r:.0}/s (p50 {:.2} ms, p99 {:.2} ms) vs /healthz {h:.0}/s (p50 {:.2} ms, p99 {:.2} ms): ratio {:.3} (target ≥ 0.4: {})",
            reads.latency(0.5),
            reads.latency(0.99),
            health.latency(0.5),
            health.latency(0.99),
            r / h,
            if r / h >= 0.4 { "met" } else { "NOT met" }
        );
        println!(
            "server CPU per request: case read {r_cpu:.0} µs, /healthz {h_cpu:.0} µs ({:.1}×); {placement}",
            r_cpu / h_cpu.max(f64::MIN_POSITIVE),
        );
        println!(
            "authenticated no-op (/api/v1/me: token and account only): {a:.0}/s (p50 {:.2} ms, p99 {:.2} ms), server CPU {:.0} µs; case reads are {:.3} of it",
            signed_in.latency(0.5),
            signed_in.latency(0.99),
            signed_in.cpu(),
            r / a,
        );

        // The same case read by its own team (no release involved) and by the clinic under
        // a release, alternating; the difference is the consent check's cost. The case is
        // one without the demo's notes and tasks, which the clinic could not read, so both
        // readers open the same amount.
        let shared = ids.last().unwrap().clone();
        let (status, me) = conn.request("GET", "/api/v1/me", &clinic_token, "").await;
        assert_eq!(status, 200, "{me}");
        let clinic: serde_json::Value = serde_json::from_str(&me).unwrap();
        let expires = (time::OffsetDateTime::now_utc() + time::Duration::days(30))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let release = serde_json::json!({
            "recipient_org": clinic["org"], "categories": ["identity", "medical"],
            "purpose": "Load benchmark", "method": "signed_form", "evidence": "Bench form",
            "expires_at": expires,
        });
        let (status, body) = conn
            .request("POST", &format!("/api/v1/cases/{shared}/consents"), &token, &release.to_string())
            .await;
        assert_eq!(status, 201, "{body}");
        // Pairs of one-second rounds whose order flips each time, so drift in the machine's
        // load hits both readers alike; the cost is the median of the pairs' costs, which
        // one disturbed second cannot move far.
        let pairs = 2 * seconds;
        let path = format!("/api/v1/cases/{shared}");
        let (mut team_reads, mut released, mut costs) = (Tally::default(), Tally::default(), Vec::new());
        for pair in 0..pairs {
            let (t, c) = if pair % 2 == 0 {
                let t = one_case_reads(&addr, &token, &path, connections).await;
                (t, one_case_reads(&addr, &clinic_token, &path, connections).await)
            } else {
                let c = one_case_reads(&addr, &clinic_token, &path, connections).await;
                (one_case_reads(&addr, &token, &path, connections).await, c)
            };
            costs.push(1.0 - c.0 as f64 / t.0.max(1) as f64);
            team_reads.add(t);
            released.add(c);
        }
        costs.sort_by(f64::total_cmp);
        let cost = costs[costs.len() / 2];
        let (t, c) = (team_reads.rate(pairs as f64), released.rate(pairs as f64));
        println!(
            "one case, team reads {t:.0}/s (p99 {:.2} ms) vs reads under a release {c:.0}/s (p99 {:.2} ms): the consent check costs {:.1}% (median of {pairs} one-second pairs, which ranged {:.1}% to {:.1}%; target ≤ 20%: {})",
            team_reads.latency(0.99),
            released.latency(0.99),
            cost * 100.0,
            costs[0] * 100.0,
            costs[costs.len() - 1] * 100.0,
            if cost <= 0.2 { "met" } else { "NOT met" }
        );

        let (n, mut lat) = load(&addr, &token, connections, seconds, |i| {
            ("POST".into(), "/api/v1/survivors".into(), format!(r#"{{"pseudonym":"Bench {i}","legal_name":"Bench Person {i}","phone":"+1 555 {i:07}"}}"#))
        })
        .await;
        println!("intake writes (sqlite): {:.0}/s (p50 {:.2} ms, p99 {:.2} ms)", n as f64 / seconds as f64, pct(&mut lat, 0.5), pct(&mut lat, 0.99));

        let names = ["Maria Lopez", "Grace Mensah", "Amina Okafor", "Mei Chen", "Olena Petrova", "Rosa Silva", "Nadia Haddad", "Joy Reyes"];
        let (n, mut lat) = load(&addr, &token, 8, seconds, move |i| {
            ("GET".into(), format!("/api/v1/search?q={}", names[(i as usize) % names.len()].replace(' ', "%20")), String::new())
        })
        .await;
        println!("search over {people} survivors: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms", n as f64 / seconds as f64, pct(&mut lat, 0.5), pct(&mut lat, 0.99));

        // The demo's case managers share its cases, so this one is on about a third of them;
        // a dashboard shows their newest 200 with the tasks due.
        let (n, mut lat, cpu) = cpu_per_request(pid, load(&addr, &token, 8, seconds, |_| ("GET".into(), "/api/v1/cases".into(), String::new()))).await;
        println!(
            "dashboard (newest 200 of a case manager's cases): {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, server CPU {:.0} µs each ({:.0}× a /healthz)",
            n as f64 / seconds as f64,
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.99),
            cpu,
            cpu / h_cpu.max(f64::MIN_POSITIVE)
        );
    });
    let _ = server.kill();
    let _ = server.wait();
    if let Ok(url) = std::env::var("HAVEN_TEST_POSTGRES_URL") {
        postgres_intake(&url, seconds);
    }
}

/// Whether HAVEN_BENCH_PIN=1 asks for the server and the generator on CPUs of their own.
fn pinned() -> bool {
    std::env::var("HAVEN_BENCH_PIN").is_ok_and(|v| v == "1")
}

/// Runs `taskset ARGS` (util-linux) to completion.
fn taskset(args: &[&str]) {
    let status = Command::new("taskset")
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("taskset (util-linux) runs");
    assert!(status.success(), "taskset {args:?} failed");
}

/// Runs a `haven` command to completion; its last line of output (a printed token).
fn haven_cmd(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_haven"))
        .args(args)
        .env("HAVEN_LOG", "error")
        .output()
        .expect("haven");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Intake writes per second against `haven serve` on PostgreSQL (a fresh database).
fn postgres_intake(admin_url: &str, seconds: u64) {
    use sqlx::Connection;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let name = format!("haven_t_bench_{}", std::process::id());
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    rt.block_on(async {
        let mut conn = sqlx::PgConnection::connect(admin_url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("pg");
    let d = d.to_str().unwrap();
    haven_cmd(&["init", "--data-dir", d, "--database", &url]);
    haven_cmd(&[
        "org",
        "add",
        "--data-dir",
        d,
        "--database",
        &url,
        "--name",
        "Bench NGO",
        "--kind",
        "ngo",
    ]);
    let password = haven_cmd(&[
        "user",
        "add",
        "--data-dir",
        d,
        "--database",
        &url,
        "--org",
        "Bench NGO",
        "--email",
        "cm@bench.example",
        "--role",
        "case_manager",
    ]);
    // Enrol the account's second factor in-process, as the enrolment page would.
    rt.block_on(async {
        let keys =
            haven_crypto::keyfile::KeyFile::load(&std::path::Path::new(d).join("keys/haven.key"))
                .unwrap();
        let store = haven_store_postgres::PgStore::connect(&url).await.unwrap();
        let haven = haven_core::Haven::open(
            store,
            keys,
            Arc::new(haven_core::SystemClock),
            Arc::new(haven_crypto::OsEntropy),
        )
        .await
        .unwrap();
        let session = haven
            .login("cm@bench.example", &password, "")
            .await
            .unwrap();
        let auth = haven.authenticate_session(&session.token).await.unwrap();
        let e = haven.begin_totp(&auth).unwrap();
        let secret: Vec<u8> = {
            let (mut out, mut buf, mut bits) = (Vec::new(), 0u32, 0u32);
            for c in e.secret_base32.chars() {
                buf = (buf << 5) | "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".find(c).unwrap() as u32;
                bits += 5;
                if bits >= 8 {
                    out.push((buf >> (bits - 8)) as u8);
                    bits -= 8;
                }
            }
            out
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        haven
            .confirm_totp(
                &auth,
                &e.sealed,
                &haven_crypto::totp::code(&secret, now).unwrap(),
            )
            .await
            .unwrap();
    });
    let token = haven_cmd(&[
        "token",
        "create",
        "--data-dir",
        d,
        "--database",
        &url,
        "--user",
        "cm@bench.example",
        "--name",
        "bench",
    ]);
    let (mut server, addr) = start_haven(&["serve", "--data-dir", d, "--database", &url]);
    rt.block_on(async {
        let (n, mut lat) = load(&addr, &token, 32, seconds, |i| {
            ("POST".into(), "/api/v1/survivors".into(), format!(r#"{{"pseudonym":"Bench {i}","legal_name":"Bench Person {i}","phone":"+1 555 {i:07}"}}"#))
        })
        .await;
        println!("intake writes (postgres): {:.0}/s (p50 {:.2} ms, p99 {:.2} ms)", n as f64 / seconds as f64, pct(&mut lat, 0.5), pct(&mut lat, 0.99));
    });
    let _ = server.kill();
    let _ = server.wait();
}

/// Starts `haven ARGS --listen ADDR` on a free loopback port and waits until it listens;
/// its later output is read and dropped so that it never blocks on a full pipe.
fn start_haven(args: &[&str]) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let haven = env!("CARGO_BIN_EXE_haven");
    let mut command = if pinned() {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", haven]);
        c
    } else {
        Command::new(haven)
    };
    let mut server = command
        .args(args)
        .args(["--listen", &addr])
        .env("HAVEN_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("haven");
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        if line.expect("line").starts_with("haven listening") {
            break;
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    (server, addr)
}

/// Reads of one case by `token`'s holder, for one second.
async fn one_case_reads(
    addr: &str,
    token: &str,
    path: &str,
    connections: usize,
) -> (u64, Vec<std::time::Duration>) {
    let path = path.to_owned();
    load(addr, token, connections, 1, move |_| {
        ("GET".into(), path.clone(), String::new())
    })
    .await
}
