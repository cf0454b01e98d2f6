//! Helpers shared by Haven's benchmarks: rates, ratios and a plain-text report.

use std::time::{Duration, Instant};

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
