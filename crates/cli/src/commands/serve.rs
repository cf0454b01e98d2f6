//! `haven serve`: the web server, until Ctrl-C or SIGTERM.

use crate::CliError;
use crate::backend::{self, with_haven};
use crate::config::Config;
use haven_core::Haven;
use haven_core::auth::AuthSettings;
use haven_crypto::password::PasswordParams;
use haven_store::Store;
use std::net::SocketAddr;

pub async fn run(cfg: &Config) -> Result<(), CliError> {
    cfg.warn_if_key_in_data_dir();
    let opened = backend::open(cfg).await?;
    let auth = auth_settings(cfg).await;
    with_haven!(opened, |haven| serve(
        haven
            .with_auth(auth)
            .with_consent_rules(cfg.consent.clone()),
        &cfg.listen
    )
    .await)
}

/// Password parameters calibrated on this machine (never below the floor), and the
/// configured session timeouts.
pub(crate) async fn auth_settings(cfg: &Config) -> AuthSettings {
    let password = tokio::task::spawn_blocking(|| {
        PasswordParams::calibrate(std::time::Duration::from_millis(250))
    })
    .await
    .unwrap_or(PasswordParams::FLOOR);
    tracing::info!(
        m_kib = password.m_kib,
        t = password.t,
        "password hashing calibrated"
    );
    AuthSettings {
        password,
        idle_timeout: cfg.session_idle,
        absolute_timeout: cfg.session_absolute,
        failures_per_address: cfg.sign_in_failures_per_address,
        trusted_proxies: cfg.trusted_proxies.clone(),
        known_device_for: cfg.known_device_for,
        ..AuthSettings::default()
    }
}

/// Serves `haven` on `listen` until Ctrl-C or SIGTERM, reviewing the minor flags and
/// indexing the audit log's targets beside it.
pub(crate) async fn serve<S: Store>(haven: Haven<S>, listen: &str) -> Result<(), CliError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| CliError::Config(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "haven listening");
    println!("haven listening on http://{addr}");
    let review = tokio::spawn(review_minor_flags(haven.clone()));
    let index = tokio::spawn(index_audit_targets(haven.clone()));
    // The peer's address goes with each request, for the limit on failed sign-ins.
    let app = haven_web::router(haven).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await;
    review.abort();
    index.abort();
    served?;
    Ok(())
}

/// How often the server looks for survivors who have turned 18 since their case was
/// flagged minor (see `Haven::review_minor_flags`).
const MINOR_REVIEW_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Reviews the minor flags at start and then every [`MINOR_REVIEW_EVERY`]. A failed review
/// is logged (counts and the error's kind only) and tried again at the next tick.
async fn review_minor_flags<S: Store>(haven: Haven<S>) {
    let mut every = tokio::time::interval(MINOR_REVIEW_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match haven.review_minor_flags().await {
            Ok(r) => tracing::info!(
                flagged = r.flagged,
                cleared = r.cleared,
                unreadable = r.unreadable,
                "minor flags reviewed"
            ),
            Err(e) => tracing::warn!(error = %e, "the review of minor flags failed"),
        }
    }
}

/// How often the server indexes the audit entries appended since it last did, so that a
/// survivor's access report, which indexes the rest first, finds little left to do.
const AUDIT_INDEX_EVERY: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Indexes the audit log's targets at start and then every [`AUDIT_INDEX_EVERY`] (see
/// `Haven::catch_up_audit_index`; several servers may do so at once). A failure is logged
/// (the error only: it names no record) and tried again at the next tick.
async fn index_audit_targets<S: Store>(haven: Haven<S>) {
    let mut every = tokio::time::interval(AUDIT_INDEX_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match haven.catch_up_audit_index().await {
            Ok(covered) => tracing::debug!(covered, "audit targets indexed"),
            Err(e) => tracing::warn!(error = %e, "indexing the audit targets failed"),
        }
    }
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
