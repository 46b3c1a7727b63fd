//! The catalog's generation follows ticket writes made by other processes, through Postgres
//! notifications. Alone in its own test binary: every ticket write in a process bumps the same
//! generation, so another test's writes would hide whether a notification did it.

use std::time::Duration;

use boxoffice_activities::store::catalog;
use boxoffice_tests::TestDatabase;
use boxoffice_tests::fixtures::eventually;
use sea_orm::ConnectionTrait;

#[tokio::test]
async fn a_ticket_written_by_another_process_changes_the_generation() {
    let database = TestDatabase::create().await;
    let db = &database.db;
    catalog::follow(db);
    let seller = uuid::Uuid::now_v7();
    db.execute_unprepared(&format!(
        "INSERT INTO users (id, email, password_hash, created_at) \
         VALUES ('{seller}', 'seller@example.com', 'x', NOW())"
    ))
    .await
    .unwrap();
    // The listener counts its own start as a change; wait for it to settle.
    let settled = eventually("the listener to start", Duration::from_secs(5), || async {
        let before = catalog::generation();
        tokio::time::sleep(Duration::from_millis(300)).await;
        (before > 0 && catalog::generation() == before).then_some(before)
    })
    .await;

    // As a gateway or worker in another process would: not through this process's store.
    let ticket = uuid::Uuid::now_v7();
    db.execute_unprepared(&format!(
        "INSERT INTO tickets (id, title, price_cents, user_id, version, created_at) \
         VALUES ('{ticket}', 'Elsewhere', 1000, '{seller}', 0, NOW())"
    ))
    .await
    .unwrap();

    let listed = eventually("the notification", Duration::from_secs(5), || async {
        let now = catalog::generation();
        (now > settled).then_some(now)
    })
    .await;

    // Its seller withdraws it, elsewhere: it leaves every gateway's listing too.
    db.execute_unprepared(&format!(
        "UPDATE tickets SET withdrawn_at = NOW(), version = version + 1 WHERE id = '{ticket}'"
    ))
    .await
    .unwrap();

    eventually(
        "the withdrawal's notification",
        Duration::from_secs(5),
        || async { (catalog::generation() > listed).then_some(()) },
    )
    .await;
}
