//! The reads every case view makes, run on the calling task.
//!
//! sqlx gives each SQLite connection its own thread and hands every query, and every row,
//! across a channel. A case view makes about ten small reads (token, account, case and
//! team, survivor, data key, notes, tasks, goals, timeline), and profiling the load
//! benchmark showed those hand-offs — futex wake-ups and context switches — taking more
//! than half the server's time while SQLite itself took about one per cent. These reads go
//! through rusqlite instead, directly on the task that asks: against the page cache each is
//! a few microseconds, less than one hand-off. The connections are opened read-only; every
//! write stays on the single sqlx writer, so nothing here changes how writes are ordered or
//! made durable. A read sees every transaction committed before it started (WAL snapshot).

use haven_store::StoreError;
use rusqlite::types::FromSql;
use rusqlite::{Connection, OpenFlags, Params, Row};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

mod accounts;
mod board;
mod cases;
mod survivors;

/// Idle connections kept per file; more are opened under load and closed afterwards.
const MAX_IDLE: usize = 8;

/// Read-only rusqlite connections to one database file.
pub(crate) struct InlineReader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Set by [`InlineReader::close`]: later reads fail as the closed sqlx pools do.
    closed: AtomicBool,
}

impl std::fmt::Debug for InlineReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InlineReader")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl InlineReader {
    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        }
    }

    /// No `mmap_size`: reading through a memory map was measured (`ab -k -c 32` on a case
    /// read, 20,000 survivors, three alternating rounds) and took 172–187 µs of server CPU
    /// per read against 148–161 µs with `pread`. The audit log grows the file at every WAL
    /// checkpoint, and each connection then unmaps and maps it again and faults its pages in.
    fn open(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(error)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(error)?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(conn)
    }

    /// Runs `read` on an idle connection; each statement is its own read transaction.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&Reads<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Unavailable("the store is closed".into()));
        }
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match idle {
            Some(c) => c,
            None => self.open()?,
        };
        let out = read(&Reads(&conn));
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
        out
    }

    /// Runs `read` as [`Self::read`] does, on a blocking thread: for the long reads of the
    /// whole audit log (`audit verify`), which would otherwise hold a runtime thread.
    pub(crate) async fn read_blocking<T: Send + 'static>(
        self: &std::sync::Arc<Self>,
        read: impl FnOnce(&Reads<'_>) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let reader = std::sync::Arc::clone(self);
        tokio::task::spawn_blocking(move || reader.read(read))
            .await
            .map_err(|_| StoreError::Backend("a blocking reader stopped".into()))?
    }

    /// Runs `read` inside one read transaction, so every statement sees the same snapshot
    /// and the WAL read lock is taken once rather than per statement.
    pub(crate) fn snapshot<T>(
        &self,
        read: impl FnOnce(&Reads<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.read(|r| {
            r.run("BEGIN")?;
            match read(r) {
                Ok(out) => {
                    r.run("COMMIT")?;
                    Ok(out)
                }
                Err(e) => {
                    // Ends the read transaction; the read's own error is the one to report.
                    let _ = r.run("ROLLBACK");
                    Err(e)
                }
            }
        })
    }

    /// Closes the idle connections (before the sqlx pools checkpoint the WAL).
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }
}

/// The reads, on one connection.
pub(crate) struct Reads<'c>(&'c Connection);

impl Reads<'_> {
    /// Runs a statement without rows (transaction control), prepared once per connection.
    fn run(&self, sql: &str) -> Result<(), StoreError> {
        self.0
            .prepare_cached(sql)
            .and_then(|mut s| s.raw_execute())
            .map(drop)
            .map_err(error)
    }

    /// Every row `sql` returns, each decoded by `decode`.
    pub(crate) fn all<T>(
        &self,
        sql: &str,
        params: impl Params,
        decode: impl Fn(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.0.prepare_cached(sql).map_err(error)?;
        let mut rows = stmt.query(params).map_err(error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(error)? {
            out.push(decode(row)?);
        }
        Ok(out)
    }

    fn one<T>(
        &self,
        sql: &str,
        params: impl Params,
        decode: impl Fn(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.all(sql, params, decode)?.into_iter().next())
    }
}

fn col<T: FromSql>(r: &Row<'_>, i: usize) -> Result<T, StoreError> {
    r.get(i).map_err(error)
}

/// Times are stored as sqlx writes them: RFC 3339 text.
fn at(r: &Row<'_>, i: usize) -> Result<OffsetDateTime, StoreError> {
    parse_time(&col::<String>(r, i)?)
}

fn at_opt(r: &Row<'_>, i: usize) -> Result<Option<OffsetDateTime>, StoreError> {
    col::<Option<String>>(r, i)?
        .map(|s| parse_time(&s))
        .transpose()
}

fn parse_time(s: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|_| StoreError::Corrupt("a stored time could not be decoded"))
}

fn count(v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt("a stored number is out of range"))
}

fn negative() -> StoreError {
    StoreError::Corrupt("a stored number is negative")
}

fn array<const N: usize>(v: &[u8]) -> Result<[u8; N], StoreError> {
    v.try_into()
        .map_err(|_| StoreError::Corrupt("a stored hash or key has the wrong length"))
}

/// rusqlite's errors name the statement's problem, never a bound value.
pub(crate) fn error(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                ErrorCode::DatabaseBusy
                    | ErrorCode::DatabaseLocked
                    | ErrorCode::CannotOpen
                    | ErrorCode::SystemIoFailure
            ) =>
        {
            StoreError::Unavailable(f.to_string())
        }
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => {
            StoreError::Corrupt("a stored value could not be decoded")
        }
        other => StoreError::Backend(other.to_string()),
    }
}
