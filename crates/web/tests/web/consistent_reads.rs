//! A read shows what was there when it was decided: a record read under a release shows the
//! record as it was when the release was checked, never an edit made as the release is
//! revoked. PostgreSQL only: locks hold a read between its check and its answer (the store
//! conformance suite holds the case view's snapshot the same way).

use crate::sharing_network::{CANARY_PHONE, CANARY_SAFE, network_on};
use crate::support::*;
use axum::http::StatusCode;
use serde_json::json;

/// A record read under a release shows it as it was when the release was checked: an
/// edit committed with the release's revocation, while the read was between its check and
/// its answer, never shows. PostgreSQL only: locks hold the read at those two points.
#[tokio::test]
async fn a_read_under_a_release_never_shows_an_edit_made_as_it_is_revoked() {
    use sqlx::{Connection, PgConnection};
    let Some(app) = App::postgres().await else {
        return;
    };
    let n = network_on(app).await;
    let consent = body(&n.release(n.app.org_b, &["identity"], 30).await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let database = n.app.database.clone().unwrap();
    let mut a = PgConnection::connect_with(&database).await.unwrap();
    let mut b = PgConnection::connect_with(&database).await.unwrap();
    let survivor: uuid::Uuid = n.survivor.parse().unwrap();
    let sealed_pseudonym = "SELECT pseudonym FROM survivors WHERE id = $1";
    let read_path = format!("/api/v1/survivors/{}", n.survivor);

    // The pseudonym an edit seals, kept aside; the record is put back as it was.
    let before: Vec<u8> = sqlx::query_scalar(sealed_pseudonym)
        .bind(survivor)
        .fetch_one(&mut a)
        .await
        .unwrap();
    let edit = n
        .app
        .api_put(
            &format!("/api/v1/cases/{}/survivor", n.case),
            &n.cm,
            &json!({ "pseudonym": "Moved", "legal_name": "Lucía Hernández",
                "date_of_birth": "1998-02-03", "phone": CANARY_PHONE, "safe_contact": CANARY_SAFE })
            .to_string(),
        )
        .await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    let edited: Vec<u8> = sqlx::query_scalar(sealed_pseudonym)
        .bind(survivor)
        .fetch_one(&mut a)
        .await
        .unwrap();
    sqlx::query("UPDATE survivors SET pseudonym = $1 WHERE id = $2")
        .bind(&before)
        .bind(survivor)
        .execute(&mut a)
        .await
        .unwrap();
    let seen = n.app.api_get(&read_path, &n.clinician).await;
    assert_eq!(body(&seen)["pseudonym"], "Lucia", "{}", seen.body);

    async fn waiting_on(conn: &mut PgConnection, table: &str) -> bool {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = $1::regclass",
        )
        .bind(table)
        .fetch_one(conn)
        .await
        .unwrap()
            > 0
    }
    let answered = std::cell::Cell::new(false);
    sqlx::query("BEGIN").execute(&mut a).await.unwrap();
    sqlx::query("LOCK TABLE consents IN ACCESS EXCLUSIVE MODE")
        .execute(&mut a)
        .await
        .unwrap();
    let read = async {
        let r = n.app.api_get(&read_path, &n.clinician).await;
        answered.set(true);
        r
    };
    let revoke_with_an_edit = async {
        // The read waits to check the releases, having read the record and the teams.
        for tries in 0.. {
            assert!(tries < 500, "the read never reached the releases");
            if waiting_on(&mut b, "consents").await {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        sqlx::query("BEGIN").execute(&mut b).await.unwrap();
        sqlx::query("LOCK TABLE survivors IN ACCESS EXCLUSIVE MODE")
            .execute(&mut b)
            .await
            .unwrap();
        sqlx::query("COMMIT").execute(&mut a).await.unwrap();
        // The release is checked and still stands; the read now answers, or reads the
        // record again and waits.
        while !answered.get() && !waiting_on(&mut b, "survivors").await {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        sqlx::query("UPDATE survivors SET pseudonym = $1 WHERE id = $2")
            .bind(&edited)
            .bind(survivor)
            .execute(&mut b)
            .await
            .unwrap();
        sqlx::query(
            "UPDATE consents SET revoked_at = $1, revocation_channel = 'written' WHERE id = $2",
        )
        .bind(n.app.haven.now())
        .bind(consent.parse::<uuid::Uuid>().unwrap())
        .execute(&mut b)
        .await
        .unwrap();
        sqlx::query("COMMIT").execute(&mut b).await.unwrap();
    };
    let (r, ()) = tokio::join!(read, revoke_with_an_edit);
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        body(&r)["pseudonym"],
        "Lucia",
        "the edit made as the release was revoked was shown under it"
    );
    assert_eq!(
        n.app.api_get(&read_path, &n.clinician).await.status,
        StatusCode::NOT_FOUND,
        "the next read finds the release revoked"
    );
}
