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

use haven_domain::{CaseId, GoalId, KeyId, NoteId, OrgId, SurvivorId, TaskId, TokenId, UserId};
use haven_store::{
    ApiTokenRow, CaseContents, CaseEvent, CaseRow, GoalRow, LoadedCase, NoteRow, StoreError,
    TaskRow, UserRow, WrappedKey,
};
use rusqlite::types::FromSql;
use rusqlite::{Connection, OpenFlags, Params, Row};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

mod board;
mod survivors;

/// Every column of an account, in the order [`user`] decodes them; `$t` qualifies them.
macro_rules! user_columns {
    ($t:literal) => {
        concat!(
            $t,
            "id, ",
            $t,
            "org_id, ",
            $t,
            "email, ",
            $t,
            "display_name, ",
            $t,
            "roles, ",
            $t,
            "password_hash, ",
            $t,
            "totp_secret, ",
            $t,
            "totp_last_step, ",
            $t,
            "totp_failures, ",
            $t,
            "totp_locked_until, ",
            $t,
            "failed_logins, ",
            $t,
            "failed_window_start, ",
            $t,
            "must_change_password, ",
            $t,
            "security_epoch, ",
            $t,
            "disabled_at, ",
            $t,
            "created_at, ",
            $t,
            "language"
        )
    };
}

/// An account query with every column, as one literal (no formatting on the hot path).
macro_rules! user_select {
    ($condition:literal) => {
        concat!(
            "SELECT ",
            user_columns!(""),
            " FROM users WHERE ",
            $condition
        )
    };
}

/// The columns of an API token, in the order [`api_token`] decodes them.
macro_rules! token_columns {
    ($t:literal) => {
        concat!(
            $t,
            "id, ",
            $t,
            "user_id, ",
            $t,
            "name, ",
            $t,
            "token_hash, ",
            $t,
            "created_at, ",
            $t,
            "revoked_at"
        )
    };
}

/// Columns [`api_token`] reads; an account joined to a token starts after them.
const TOKEN_COLUMNS: usize = 6;

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

    pub(crate) fn user_by_id(&self, id: UserId) -> Result<Option<UserRow>, StoreError> {
        self.one(user_select!("id = ?1"), [id.as_uuid()], |r| user(r, 0))
    }

    pub(crate) fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, StoreError> {
        self.one(user_select!("email = ?1"), [email], |r| user(r, 0))
    }

    pub(crate) fn api_token_by_hash(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<ApiTokenRow>, StoreError> {
        self.one(
            concat!(
                "SELECT ",
                token_columns!(""),
                " FROM api_tokens WHERE token_hash = ?1"
            ),
            [&hash[..]],
            api_token,
        )
    }

    /// An API token with its account, in one statement (so one implicit read transaction).
    pub(crate) fn api_token_with_user(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<(ApiTokenRow, UserRow)>, StoreError> {
        self.one(
            concat!(
                "SELECT ",
                token_columns!("t."),
                ", ",
                user_columns!("u."),
                " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1"
            ),
            [&hash[..]],
            |r| Ok((api_token(r)?, user(r, TOKEN_COLUMNS)?)),
        )
    }

    /// A case with its team.
    pub(crate) fn case(&self, id: CaseId) -> Result<Option<(CaseRow, Vec<UserId>)>, StoreError> {
        let rows = self.all(
            concat!(case_with_team!(), "WHERE c.id = ?1"),
            [id.as_uuid()],
            case_and_member,
        )?;
        Ok(with_teams(rows).into_iter().next())
    }

    /// A wrapped data key (this reader is on the keystore file).
    pub(crate) fn data_key(&self, id: KeyId) -> Result<Option<WrappedKey>, StoreError> {
        self.one(
            "SELECT id, generation, kek_version, wrapped FROM data_keys WHERE id = ?1",
            [id.as_uuid()],
            |r| {
                Ok(WrappedKey {
                    id: KeyId::from_uuid(col(r, 0)?),
                    generation: count(col(r, 1)?)?,
                    kek_version: count(col(r, 2)?)?,
                    wrapped: col(r, 3)?,
                })
            },
        )
    }

    pub(crate) fn case_events(&self, case: CaseId) -> Result<Vec<CaseEvent>, StoreError> {
        self.all(
            "SELECT case_id, at, kind, actor, detail FROM case_events WHERE case_id = ?1 ORDER BY at, rowid",
            [case.as_uuid()],
            |r| {
                Ok(CaseEvent {
                    case: CaseId::from_uuid(col(r, 0)?),
                    at: at(r, 1)?,
                    kind: col(r, 2)?,
                    actor: col::<Option<Uuid>>(r, 3)?.map(UserId::from_uuid),
                    detail: col(r, 4)?,
                })
            },
        )
    }

    pub(crate) fn notes_of_case(&self, case: CaseId) -> Result<Vec<NoteRow>, StoreError> {
        self.all(
            "SELECT id, case_id, category, author, created_at, body FROM notes WHERE case_id = ?1 ORDER BY created_at, id",
            [case.as_uuid()],
            |r| {
                Ok(NoteRow {
                    id: NoteId::from_uuid(col(r, 0)?),
                    case: CaseId::from_uuid(col(r, 1)?),
                    category: col(r, 2)?,
                    author: UserId::from_uuid(col(r, 3)?),
                    created_at: at(r, 4)?,
                    body: col(r, 5)?,
                })
            },
        )
    }

    pub(crate) fn tasks_of_case(&self, case: CaseId) -> Result<Vec<TaskRow>, StoreError> {
        self.all(
            "SELECT id, case_id, title, due_on, done_at, created_at FROM tasks WHERE case_id = ?1 ORDER BY due_on, id",
            [case.as_uuid()],
            |r| {
                let due: String = col(r, 3)?;
                Ok(TaskRow {
                    id: TaskId::from_uuid(col(r, 0)?),
                    case: CaseId::from_uuid(col(r, 1)?),
                    title: col(r, 2)?,
                    due_on: Date::parse(&due, format_description!("[year]-[month]-[day]"))
                        .map_err(|_| StoreError::Corrupt("a stored date could not be decoded"))?,
                    done_at: at_opt(r, 4)?,
                    created_at: at(r, 5)?,
                })
            },
        )
    }

    pub(crate) fn goals_of_case(&self, case: CaseId) -> Result<Vec<GoalRow>, StoreError> {
        self.all(
            "SELECT id, case_id, title, status, created_at, closed_at FROM case_goals WHERE case_id = ?1 ORDER BY created_at, id",
            [case.as_uuid()],
            |r| {
                Ok(GoalRow {
                    id: GoalId::from_uuid(col(r, 0)?),
                    case: CaseId::from_uuid(col(r, 1)?),
                    title: col(r, 2)?,
                    status: col(r, 3)?,
                    created_at: at(r, 4)?,
                    closed_at: at_opt(r, 5)?,
                })
            },
        )
    }
    /// A case, its team and its contents.
    pub(crate) fn case_view(&self, id: CaseId) -> Result<Option<LoadedCase>, StoreError> {
        let Some((case, team)) = self.case(id)? else {
            return Ok(None);
        };
        let contents = self.case_contents(id, case.survivor)?;
        Ok(Some(LoadedCase {
            case,
            team,
            contents,
        }))
    }

    /// What a case view shows beside the case row; `None` if the survivor is gone.
    pub(crate) fn case_contents(
        &self,
        case: CaseId,
        survivor: SurvivorId,
    ) -> Result<Option<CaseContents>, StoreError> {
        let Some(survivor) = self.survivor(survivor)? else {
            return Ok(None);
        };
        Ok(Some(CaseContents {
            survivor,
            notes: self.notes_of_case(case)?,
            tasks: self.tasks_of_case(case)?,
            goals: self.goals_of_case(case)?,
            events: self.case_events(case)?,
        }))
    }
}

/// A case joined to its team, one row per member (or one without a member); [`case_and_member`]
/// decodes the rows, [`with_teams`] groups them.
macro_rules! case_with_team {
    () => {
        "SELECT c.id, c.survivor_id, c.org_id, c.created_at, c.status, c.exploitation, \
         c.trafficking_types, c.minor, c.safety_risk, c.immigration_sensitive, t.user_id \
         FROM cases c LEFT JOIN case_team t ON t.case_id = c.id "
    };
}
use case_with_team;

fn case_and_member(r: &Row<'_>) -> Result<(CaseRow, Option<UserId>), StoreError> {
    let types: String = col(r, 6)?;
    let case = CaseRow {
        id: CaseId::from_uuid(col(r, 0)?),
        survivor: SurvivorId::from_uuid(col(r, 1)?),
        org: OrgId::from_uuid(col(r, 2)?),
        created_at: at(r, 3)?,
        status: col(r, 4)?,
        exploitation: col(r, 5)?,
        trafficking_types: types.split(',').filter_map(|t| t.parse().ok()).collect(),
        minor: col(r, 7)?,
        safety_risk: col(r, 8)?,
        immigration_sensitive: col(r, 9)?,
    };
    Ok((case, col::<Option<Uuid>>(r, 10)?.map(UserId::from_uuid)))
}

/// Groups consecutive rows of the same case (the query orders by case) with their members.
fn with_teams(rows: Vec<(CaseRow, Option<UserId>)>) -> Vec<(CaseRow, Vec<UserId>)> {
    let mut out: Vec<(CaseRow, Vec<UserId>)> = Vec::new();
    for (case, member) in rows {
        match out.last_mut() {
            Some((last, team)) if last.id == case.id => team.extend(member),
            _ => out.push((case, member.into_iter().collect())),
        }
    }
    out
}

fn api_token(r: &Row<'_>) -> Result<ApiTokenRow, StoreError> {
    Ok(ApiTokenRow {
        id: TokenId::from_uuid(col(r, 0)?),
        user: UserId::from_uuid(col(r, 1)?),
        name: col(r, 2)?,
        token_hash: array(&col::<Vec<u8>>(r, 3)?)?,
        created_at: at(r, 4)?,
        revoked_at: at_opt(r, 5)?,
    })
}

/// An account whose columns start at `base`.
fn user(r: &Row<'_>, base: usize) -> Result<UserRow, StoreError> {
    let roles: String = col(r, base + 4)?;
    Ok(UserRow {
        id: UserId::from_uuid(col(r, base)?),
        org: OrgId::from_uuid(col(r, base + 1)?),
        email: col(r, base + 2)?,
        display_name: col(r, base + 3)?,
        roles: roles
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        password_hash: col(r, base + 5)?,
        totp_secret: col(r, base + 6)?,
        totp_last_step: col::<Option<i64>>(r, base + 7)?
            .map(|v| u64::try_from(v).map_err(|_| negative()))
            .transpose()?,
        totp_failures: count(col(r, base + 8)?)?,
        totp_locked_until: at_opt(r, base + 9)?,
        failed_logins: count(col(r, base + 10)?)?,
        failed_window_start: at_opt(r, base + 11)?,
        must_change_password: col(r, base + 12)?,
        security_epoch: u64::try_from(col::<i64>(r, base + 13)?).map_err(|_| negative())?,
        disabled_at: at_opt(r, base + 14)?,
        created_at: at(r, base + 15)?,
        language: col(r, base + 16)?,
    })
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
