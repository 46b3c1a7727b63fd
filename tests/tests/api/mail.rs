//! E-mail through the transactional outbox, delivered to a real SMTP server (MailDev) and read
//! back from it: each message once, to the right person, with the figures and a link back.

use std::time::Duration;

use boxoffice_activities::entities::outbox as outbox_row;
use boxoffice_activities::entities::waitlist_entry;
use boxoffice_activities::mail::{self, About, Links};
use boxoffice_activities::store::orders;
use boxoffice_activities::store::outbox;
use boxoffice_domain::saga::{CancelReason, WaitState};
use boxoffice_domain::{OrderId, TicketId};
use boxoffice_runtime::mail::{Delivery, Pacing, dispatch_once};
use boxoffice_runtime::temporal_server::free_port;
use boxoffice_tests::fixtures::{
    eventually, id_of, list_ticket, make_completion_impossible, order_for, pay,
    pay_with_a_good_card, staff_member, staff_refund, verify_address,
};
use boxoffice_tests::mail::{
    PUBLIC_URL, messages_to, shared_maildev, start_maildev, wait_for_message,
};
use boxoffice_tests::{ApiClient, TestApp, TestDatabase, TestSqlite};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};

fn inbox() -> &'static str {
    &shared_maildev().1
}

/// An address of this test's own.
fn address(who: &str) -> String {
    format!("{who}-{}@example.com", uuid::Uuid::new_v4().simple())
}

async fn shopper<'a>(app: &'a TestApp, email: &str) -> ApiClient<'a> {
    app.signed_up(email).await
}

/// Both parts of a message, for assertions that hold of each.
fn parts(message: &Value) -> [&str; 2] {
    [
        message["text"].as_str().unwrap_or_default(),
        message["html"].as_str().unwrap_or_default(),
    ]
}

#[tokio::test]
async fn a_purchase_mails_the_buyer_one_receipt_and_the_seller_one_sold_notice() {
    let app = TestApp::spawn().await;
    app.send_mail_to_maildev();
    let (seller_email, buyer_email) = (address("seller"), address("buyer"));
    let mut seller = shopper(&app, &seller_email).await;
    let ticket = list_ticket(&mut seller, "Mail Gala", json!(42.5)).await;
    let mut buyer = shopper(&app, &buyer_email).await;
    let order = order_for(&mut buyer, &ticket).await;

    pay_with_a_good_card(&mut buyer, &order).await;

    let receipts = wait_for_message(inbox(), &buyer_email, "Your receipt: Mail Gala").await;
    let sold = wait_for_message(inbox(), &seller_email, "Sold: Mail Gala").await;
    let order_link = format!("{PUBLIC_URL}/orders/{}", id_of(&order));
    let ticket_link = format!("{PUBLIC_URL}/tickets/{}", id_of(&ticket));
    for part in parts(&receipts[0]) {
        assert!(part.contains(id_of(&order)), "{part}");
        assert!(part.contains("$42.50"), "{part}");
        assert!(part.contains("visa ending 4242"), "{part}");
        assert!(part.contains(&order_link), "{part}");
    }
    assert_eq!(
        receipts[0]["headers"]["message-id"],
        format!("<receipt.{}@boxoffice>", id_of(&order))
    );
    for part in parts(&sold[0]) {
        assert!(part.contains("$42.50"), "{part}");
        assert!(part.contains(&ticket_link), "{part}");
    }
    // Once: nothing more arrives after a while.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(messages_to(inbox(), &buyer_email).await.len(), 1);
    assert_eq!(messages_to(inbox(), &seller_email).await.len(), 1);
}

#[tokio::test]
async fn an_unpaid_hold_that_expires_mails_the_buyer_that_it_ended() {
    let app = TestApp::spawn_with_hold(2).await;
    app.send_mail_to_maildev();
    let mut seller = shopper(&app, &address("seller")).await;
    let ticket = list_ticket(&mut seller, "Late Show", json!(20)).await;
    let buyer_email = address("buyer");
    let mut buyer = shopper(&app, &buyer_email).await;
    order_for(&mut buyer, &ticket).await;

    let ended = wait_for_message(inbox(), &buyer_email, "Your hold ended: Late Show").await;

    assert_eq!(ended.len(), 1);
    for part in parts(&ended[0]) {
        assert!(part.contains("back on sale"), "{part}");
        assert!(part.contains(&format!("{PUBLIC_URL}/tickets/{}", id_of(&ticket))));
    }
}

#[tokio::test]
async fn a_hand_over_mails_the_member_their_turn_with_the_deadline_and_a_link_to_pay() {
    let app = TestApp::spawn_with_hold(3).await;
    app.send_mail_to_maildev();
    let mut seller = shopper(&app, &address("seller")).await;
    let ticket = list_ticket(&mut seller, "Encore", json!(30)).await;
    let (winner_email, member_email) = (address("winner"), address("member"));
    let mut winner = shopper(&app, &winner_email).await;
    order_for(&mut winner, &ticket).await;
    let mut member = shopper(&app, &member_email).await;
    verify_address(&app, &mut member).await;
    let path = format!("/api/tickets/{}/waitlist", id_of(&ticket));
    assert_eq!(member.post(&path, json!({})).await.status, 201);

    let turn = wait_for_message(inbox(), &member_email, "Your turn: Encore").await;

    let handed_order = eventually("the member's order", Duration::from_secs(20), || {
        let (mut member, path) = (member.clone(), path.clone());
        async move {
            member.get(&path).await.body["orderId"]
                .as_str()
                .map(str::to_owned)
        }
    })
    .await;
    assert_eq!(turn.len(), 1);
    for part in parts(&turn[0]) {
        assert!(part.contains("held for you until"), "{part}");
        assert!(part.contains("UTC (in 1 minute)"), "{part}");
        assert!(part.contains("$30.00"), "{part}");
        assert!(part.contains(&format!("{PUBLIC_URL}/orders/{handed_order}")));
    }
    let ended = wait_for_message(inbox(), &winner_email, "Your hold ended: Encore").await;
    assert!(parts(&ended[0])[0].contains("went to the next person on its waiting list"));
}

#[tokio::test]
async fn a_charge_the_saga_gives_back_mails_the_buyer_that_it_was_refunded() {
    let app = TestApp::spawn().await;
    app.send_mail_to_maildev();
    let mut seller = shopper(&app, &address("seller")).await;
    let ticket = list_ticket(&mut seller, "Refund Night", json!(20)).await;
    let buyer_email = address("buyer");
    let mut buyer = shopper(&app, &buyer_email).await;
    let order = order_for(&mut buyer, &ticket).await;
    make_completion_impossible(&app, &order).await;

    let paid = pay(&mut buyer, &order, "pm_card_visa").await;

    assert_eq!(paid.status, 400, "{}", paid.body);
    let refunded = wait_for_message(inbox(), &buyer_email, "Refunded: Refund Night").await;
    assert_eq!(refunded.len(), 1);
    for part in parts(&refunded[0]) {
        assert!(part.contains("$20.00"), "{part}");
        assert!(part.contains("visa ending 4242"), "{part}");
        assert!(part.contains("could not be completed"), "{part}");
    }
}

/// A paid order of a ticket listed at `price` dollars, and who is in it.
struct PaidOrder {
    seller_email: String,
    buyer_email: String,
    ticket: Value,
    order: Value,
}

async fn paid_order(app: &TestApp, title: &str, price: Value) -> PaidOrder {
    let (seller_email, buyer_email) = (address("seller"), address("buyer"));
    let mut seller = shopper(app, &seller_email).await;
    let ticket = list_ticket(&mut seller, title, price).await;
    let mut buyer = shopper(app, &buyer_email).await;
    let order = order_for(&mut buyer, &ticket).await;
    pay_with_a_good_card(&mut buyer, &order).await;
    PaidOrder {
        seller_email,
        buyer_email,
        ticket,
        order,
    }
}

/// A paid order that support staff then refund, giving `reason`; the refund is done (200).
async fn refunded_by_staff(app: &TestApp, title: &str, price: Value, reason: &str) -> PaidOrder {
    let paid = paid_order(app, title, price).await;
    let mut staff = staff_member(app).await;
    let refund = staff_refund(&mut staff, &paid.order, reason).await;
    assert_eq!(refund.status, 200, "{}", refund.body);
    paid
}

#[tokio::test]
async fn a_refund_by_support_staff_mails_the_buyer_that_it_was_refunded() {
    let app = TestApp::spawn().await;
    app.send_mail_to_maildev();

    let paid = refunded_by_staff(
        &app,
        "Staff Refund Night",
        json!(30),
        "Customer cannot attend",
    )
    .await;

    let refunded =
        wait_for_message(inbox(), &paid.buyer_email, "Refunded: Staff Refund Night").await;
    assert_eq!(refunded.len(), 1);
    for part in parts(&refunded[0]) {
        assert!(part.contains("$30.00"), "{part}");
        assert!(part.contains("visa ending 4242"), "{part}");
        assert!(part.contains("support team"), "{part}");
        assert!(part.contains(id_of(&paid.order)), "{part}");
    }
}

#[tokio::test]
async fn a_refund_by_support_staff_mails_the_seller_the_ticket_the_amount_and_why() {
    let app = TestApp::spawn().await;
    app.send_mail_to_maildev();

    let paid = refunded_by_staff(
        &app,
        "Undone Sale",
        json!(45),
        "Event moved to a smaller hall",
    )
    .await;

    let told = wait_for_message(inbox(), &paid.seller_email, "Sale refunded: Undone Sale").await;
    assert_eq!(told.len(), 1);
    for part in parts(&told[0]) {
        assert!(part.contains("$45.00"), "{part}");
        assert!(part.contains("Event moved to a smaller hall"), "{part}");
        assert!(
            part.contains(&format!("{PUBLIC_URL}/tickets/{}", id_of(&paid.ticket))),
            "{part}"
        );
    }
    assert_eq!(
        told[0]["headers"]["message-id"],
        format!("<sale_refunded.{}@boxoffice>", id_of(&paid.order))
    );
    // Besides the refund, the seller was told of the sale only.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(messages_to(inbox(), &paid.seller_email).await.len(), 2);
}

#[tokio::test]
async fn a_ticket_a_staff_refund_hands_to_the_waiting_list_mails_the_member_their_turn() {
    let app = TestApp::spawn().await;
    app.send_mail_to_maildev();
    let mut seller = shopper(&app, &address("seller")).await;
    let ticket = list_ticket(&mut seller, "Second Chance", json!(35)).await;
    let mut buyer = shopper(&app, &address("buyer")).await;
    let order = order_for(&mut buyer, &ticket).await;
    let member_email = address("member");
    let mut member = shopper(&app, &member_email).await;
    verify_address(&app, &mut member).await;
    let path = format!("/api/tickets/{}/waitlist", id_of(&ticket));
    assert_eq!(member.post(&path, json!({})).await.status, 201);
    pay_with_a_good_card(&mut buyer, &order).await;
    // The sale closed the list. A join that raced the sale (committed just after it) is the way a
    // sold ticket still has someone waiting: the member's entry is put back as that join leaves it.
    let ticket_id: TicketId = id_of(&ticket).parse().unwrap();
    waitlist_entry::Entity::update_many()
        .col_expr(
            waitlist_entry::Column::State,
            Expr::value(WaitState::Waiting),
        )
        .filter(waitlist_entry::Column::TicketId.eq(ticket_id))
        .exec(&app.state.db)
        .await
        .unwrap();
    let mut staff = staff_member(&app).await;

    let refund = staff_refund(&mut staff, &order, "Double booking").await;

    assert_eq!(refund.status, 200, "{}", refund.body);
    let turn = wait_for_message(inbox(), &member_email, "Your turn: Second Chance").await;
    let entry = waitlist_entry::Entity::find()
        .filter(waitlist_entry::Column::TicketId.eq(ticket_id))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the member's entry");
    let handed_order = entry.order_id.expect("the ticket was handed to the member");
    assert_eq!(turn.len(), 1);
    for part in parts(&turn[0]) {
        assert!(part.contains("held for you until"), "{part}");
        assert!(part.contains("$35.00"), "{part}");
        assert!(part.contains(&format!("{PUBLIC_URL}/orders/{handed_order}")));
    }
}

#[tokio::test]
async fn a_message_enqueued_while_no_worker_runs_is_delivered_by_the_next_worker() {
    let app = TestApp::spawn().await;
    app.send_mail_to_maildev();
    let mut seller = shopper(&app, &address("seller")).await;
    let ticket = list_ticket(&mut seller, "Restart", json!(10)).await;
    let buyer_email = address("buyer");
    let mut buyer = shopper(&app, &buyer_email).await;
    let order = order_for(&mut buyer, &ticket).await;
    app.stop_worker();

    // The state change and its message, committed with no dispatcher running.
    let order_id: OrderId = id_of(&order).parse().unwrap();
    let links = Links::new(PUBLIC_URL);
    orders::release_order(&app.state.db, order_id, CancelReason::Expired, None, &links)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(messages_to(inbox(), &buyer_email).await.is_empty());
    app.start_worker();

    let ended = wait_for_message(inbox(), &buyer_email, "Your hold ended: Restart").await;
    assert_eq!(ended.len(), 1);
}

#[tokio::test]
async fn mail_held_back_while_smtp_is_down_is_retried_and_delivered_once_when_it_is_back() {
    let app = TestApp::spawn().await;
    let smtp_port = free_port().unwrap();
    app.send_mail_to(&format!("smtp://127.0.0.1:{smtp_port}"));
    let mut seller = shopper(&app, &address("seller")).await;
    let ticket = list_ticket(&mut seller, "Outage", json!(15)).await;
    let buyer_email = address("buyer");
    let mut buyer = shopper(&app, &buyer_email).await;
    let order = order_for(&mut buyer, &ticket).await;

    pay_with_a_good_card(&mut buyer, &order).await;
    let message_id = format!("<receipt.{}@boxoffice>", id_of(&order));
    let failing = eventually("failed attempts", Duration::from_secs(20), || {
        let (db, message_id) = (app.state.db.clone(), message_id.clone());
        async move {
            let row = outbox_row_with(&db, &message_id).await?;
            (row.attempts >= 2 && row.last_error.is_some()).then_some(row)
        }
    })
    .await;
    assert!(failing.sent_at.is_none());
    let maildev = start_maildev(smtp_port).await;

    let receipts =
        wait_for_message(&maildev.inbox_url(), &buyer_email, "Your receipt: Outage").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(receipts.len(), 1);
    assert_eq!(
        messages_to(&maildev.inbox_url(), &buyer_email).await.len(),
        1
    );
    let sent = outbox_row_with(&app.state.db, &message_id).await.unwrap();
    assert!(sent.sent_at.is_some());
}

async fn outbox_row_with(db: &DatabaseConnection, message_id: &str) -> Option<outbox_row::Model> {
    outbox_row::Entity::find()
        .filter(outbox_row::Column::MessageId.eq(message_id))
        .one(db)
        .await
        .unwrap()
}

/// A message about a made-up order, to `to`.
fn letter(to: &str) -> mail::Letter {
    let about = About {
        order_id: OrderId::new(),
        ticket_id: TicketId::new(),
        title: "Direct",
    };
    mail::hold_ended(&Links::new(PUBLIC_URL), to, about, false)
}

fn to_maildev() -> Delivery {
    Delivery::smtp(&shared_maildev().0.clone().into(), "shop@boxoffice.test").unwrap()
}

#[tokio::test]
async fn on_sqlite_a_message_enqueued_twice_is_one_row_and_is_delivered_once() {
    let sqlite = TestSqlite::create().await;
    let to = address("sqlite");
    let once = letter(&to);

    outbox::enqueue(&sqlite.db, once.clone(), Utc::now())
        .await
        .unwrap();
    outbox::enqueue(&sqlite.db, once, Utc::now()).await.unwrap();
    let sent = dispatch_once(&sqlite.db, &to_maildev(), &Pacing::default())
        .await
        .unwrap();

    assert_eq!(sent, 1);
    let arrived = wait_for_message(inbox(), &to, "Your hold ended: Direct").await;
    assert_eq!(arrived.len(), 1);
    let again = dispatch_once(&sqlite.db, &to_maildev(), &Pacing::default())
        .await
        .unwrap();
    assert_eq!(again, 0, "a sent message is not sent again");
}

#[tokio::test]
async fn on_postgres_two_dispatchers_polling_at_once_never_take_the_same_message() {
    let database = TestDatabase::create().await;
    for n in 0..40 {
        outbox::enqueue(
            &database.db,
            letter(&format!("pg-{n}@example.com")),
            Utc::now(),
        )
        .await
        .unwrap();
    }
    let lease = Duration::from_secs(60);

    let (a, b) = tokio::join!(
        outbox::take_due(&database.db, 30, lease, Utc::now()),
        outbox::take_due(&database.db, 30, lease, Utc::now()),
    );

    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 40, "every message taken, by one of them");
    assert!(
        a.iter()
            .all(|taken| b.iter().all(|other| other.id != taken.id))
    );
}

#[tokio::test]
async fn with_mail_switched_off_a_message_is_recorded_and_marked_not_sent() {
    let sqlite = TestSqlite::create().await;
    outbox::enqueue(&sqlite.db, letter(&address("off")), Utc::now())
        .await
        .unwrap();

    dispatch_once(&sqlite.db, &Delivery::Off, &Pacing::default())
        .await
        .unwrap();

    let rows = outbox_row::Entity::find().all(&sqlite.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].sent_at.is_none());
    assert_eq!(
        rows[0].last_error.as_deref(),
        Some(boxoffice_runtime::mail::NOT_SENT_OFF)
    );
}

#[tokio::test]
async fn a_message_taken_by_a_dispatcher_that_died_is_sent_by_another_once_its_lease_ends() {
    let sqlite = TestSqlite::create().await;
    let to = address("lease");
    let delivery = to_maildev();
    outbox::enqueue(&sqlite.db, letter(&to), Utc::now())
        .await
        .unwrap();
    let lease = Duration::from_secs(2);
    // Taken, then the dispatcher is killed before it sends.
    let taken = outbox::take_due(&sqlite.db, 10, lease, Utc::now())
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    let pacing = Pacing {
        lease,
        ..Pacing::default()
    };

    let while_leased = dispatch_once(&sqlite.db, &delivery, &pacing).await.unwrap();
    tokio::time::sleep(lease).await;
    let after = dispatch_once(&sqlite.db, &delivery, &pacing).await.unwrap();

    assert_eq!((while_leased, after), (0, 1));
    let arrived = wait_for_message(inbox(), &to, "Your hold ended: Direct").await;
    assert_eq!(arrived.len(), 1);
}
