//! Helpers shared by Haven's benchmarks: rates, ratios and a plain-text report.

use std::time::{Duration, Instant};

/// The allocator the `haven` binary ships with (`crates/cli/src/main.rs`), so that what runs
/// in process here allocates as the server and the `haven` commands do. `audit verify`'s
/// pages are allocated by the reading thread and freed by the hashing one. Under the system
/// allocator its rounds took 117–217 ms, where reading and then hashing take about 150 ms,
/// and `foundation`'s verify line read 0.37–0.72 on one machine; under mimalloc, 0.70–0.73.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Operations per second of `count` operations that took `elapsed`.
pub fn rate(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// Runs `f` and returns its result with the time it took.
pub async fn timed<T, F: std::future::Future<Output = T>>(f: F) -> (T, Duration) {
    let start = Instant::now();
    let out = f.await;
    (out, start.elapsed())
}

/// Prints one benchmark line: two rates and their ratio against a stated bound.
pub fn report(name: &str, ours: (&str, f64), baseline: (&str, f64), bound: &str, ok: bool) {
    println!(
        "{name}: {} {:.0}/s, {} {:.0}/s, ratio {:.2} ({bound}: {})",
        ours.0,
        ours.1,
        baseline.0,
        baseline.1,
        ours.1 / baseline.1.max(1e-9),
        if ok { "met" } else { "NOT met" }
    );
}
