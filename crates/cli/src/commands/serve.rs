//! `haven serve`: the web server, until Ctrl-C or SIGTERM.

use crate::CliError;
use crate::backend::{self, with_haven};
use crate::config::Config;
use haven_core::auth::AuthSettings;
use haven_crypto::password::PasswordParams;

pub async fn run(cfg: &Config) -> Result<(), CliError> {
    cfg.warn_if_key_in_data_dir();
    let opened = backend::open(cfg).await?;
    let auth = auth_settings(cfg).await;
    with_haven!(opened, |haven| serve(
        haven_web::router(
            haven
                .with_auth(auth)
                .with_consent_rules(cfg.consent.clone())
        ),
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
        ..AuthSettings::default()
    }
}

pub(crate) async fn serve(router: axum::Router, listen: &str) -> Result<(), CliError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| CliError::Config(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "haven listening");
    println!("haven listening on http://{addr}");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
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
