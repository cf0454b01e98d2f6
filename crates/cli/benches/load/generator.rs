//! The loopback load generator: keep-alive HTTP/1.1 connections that send requests as
//! fast as the server answers them, with each request's latency, and the server's CPU time
//! per request read from `/proc`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One keep-alive HTTP/1.1 connection; returns the status and body of each request.
pub(crate) struct Conn {
    stream: tokio::io::BufReader<TcpStream>,
    host: String,
}

impl Conn {
    pub(crate) async fn open(addr: &str) -> Conn {
        let s = TcpStream::connect(addr).await.expect("connect");
        s.set_nodelay(true).ok();
        Conn {
            stream: tokio::io::BufReader::new(s),
            host: addr.to_owned(),
        }
    }

    pub(crate) async fn request(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        body: &str,
    ) -> (u16, String) {
        let auth = if token.is_empty() {
            String::new()
        } else {
            format!("Authorization: Bearer {token}\r\n")
        };
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.host,
            body.len()
        );
        self.stream
            .get_mut()
            .write_all(req.as_bytes())
            .await
            .expect("write");
        let mut line = String::new();
        self.stream.read_line(&mut line).await.expect("status");
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await.expect("header");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut buf = vec![0u8; length];
        self.stream.read_exact(&mut buf).await.expect("body");
        (status, String::from_utf8_lossy(&buf).into_owned())
    }
}

/// Runs `connections` loops of `make(i)` requests for `seconds`; returns (count, latencies).
pub(crate) async fn load<F>(
    addr: &str,
    token: &str,
    connections: usize,
    seconds: u64,
    make: F,
) -> (u64, Vec<Duration>)
where
    F: Fn(u64) -> (String, String, String) + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (addr, token, make, stop) = (
            addr.to_owned(),
            token.to_owned(),
            make.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(&addr).await;
            let mut lat = Vec::new();
            let mut i = c as u64 * 1_000_003;
            while !stop.load(Ordering::Relaxed) {
                let (method, path, body) = make(i);
                let t = Instant::now();
                let (status, _) = conn.request(&method, &path, &token, &body).await;
                assert!((200..300).contains(&status), "{method} {path} → {status}");
                lat.push(t.elapsed());
                i += 1;
            }
            lat
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    (all.len() as u64, all)
}

/// CPU time the server process has used so far (all its threads), from
/// `/proc/PID/task/*/schedstat`; `None` where there is no such file (not Linux).
fn server_cpu(pid: u32) -> Option<Duration> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut nanos = 0u64;
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        nanos += stat
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Some(Duration::from_nanos(nanos))
}

/// Server CPU per request while `phase` ran, in microseconds (0 where it cannot be read).
pub(crate) async fn cpu_per_request<Fut>(pid: u32, phase: Fut) -> (u64, Vec<Duration>, f64)
where
    Fut: std::future::Future<Output = (u64, Vec<Duration>)>,
{
    let before = server_cpu(pid);
    let (n, lat) = phase.await;
    let used = server_cpu(pid)
        .zip(before)
        .map(|(a, b)| a.saturating_sub(b));
    let per = used.map_or(0.0, |u| u.as_secs_f64() * 1e6 / n.max(1) as f64);
    (n, lat, per)
}

/// What one kind of request gathered over a benchmark's alternating rounds: its requests,
/// their latencies, and the server's CPU per request in each round that measured it.
#[derive(Default)]
pub(crate) struct Tally {
    requests: u64,
    latencies: Vec<Duration>,
    cpu: Vec<f64>,
}

impl Tally {
    /// One round's requests and latencies, as [`load`] returns them.
    pub(crate) fn add(&mut self, (requests, latencies): (u64, Vec<Duration>)) {
        self.requests += requests;
        self.latencies.extend(latencies);
    }

    /// One round with the server's CPU per request, as [`cpu_per_request`] returns it.
    pub(crate) fn add_measured(&mut self, (requests, latencies, cpu): (u64, Vec<Duration>, f64)) {
        self.add((requests, latencies));
        self.cpu.push(cpu);
    }

    /// Requests per second over `seconds` of rounds.
    pub(crate) fn rate(&self, seconds: f64) -> f64 {
        self.requests as f64 / seconds
    }

    /// The `p` quantile of the latencies, in milliseconds.
    pub(crate) fn latency(&mut self, p: f64) -> f64 {
        pct(&mut self.latencies, p)
    }

    /// The server's CPU per request, in microseconds: the mean over the measured rounds.
    pub(crate) fn cpu(&self) -> f64 {
        self.cpu.iter().sum::<f64>() / self.cpu.len().max(1) as f64
    }
}

pub(crate) fn pct(lat: &mut [Duration], p: f64) -> f64 {
    lat.sort();
    lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}
