//! Waiting lists: a fair queue per held ticket; when a hold ends unpaid, the ticket is held for the
//! first member who can take it, in an order of their own.

use std::time::Duration;

use axum::http::StatusCode;
use boxoffice_activities::entities::ticket;
use boxoffice_activities::mail::Links;
use boxoffice_activities::store::claims::{self, Claim, ClaimRequest};
use boxoffice_activities::store::orders::{self, Release};
use boxoffice_activities::store::tickets;
use boxoffice_activities::store::waitlists::HandOverRules;
use boxoffice_domain::saga::CancelReason;
use boxoffice_domain::{OrderId, UserId};
use boxoffice_tests::fixtures::{
    buyer, eventually, id_of, listed_ticket, order_for, ordered_ticket, pay, verified_buyer,
    verify_address,
};
use boxoffice_tests::{ApiClient, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// Holds short enough to watch several end.
const HOLD_SECS: u64 = 3;
const TURN: Duration = Duration::from_secs(20);

async fn join(shopper: &mut ApiClient<'_>, ticket: &Value) -> Value {
    let joined = shopper
        .post(
            &format!("/api/tickets/{}/waitlist", id_of(ticket)),
            json!({}),
        )
        .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.body);
    joined.body
}

async fn standing(shopper: &mut ApiClient<'_>, ticket: &Value) -> Value {
    shopper
        .get(&format!("/api/tickets/{}/waitlist", id_of(ticket)))
        .await
        .body
}

/// Waits until the ticket is handed to `member` and their order holds it; returns the order.
async fn handed_to(member: &ApiClient<'_>, ticket: &Value) -> Value {
    let path = format!("/api/tickets/{}/waitlist", id_of(ticket));
    eventually("the ticket to be handed over", TURN, || {
        let (mut member, path) = (member.clone(), path.clone());
        async move {
            let body = member.get(&path).await.body;
            let order_id = body["orderId"]
                .as_str()
                .filter(|_| body["state"] == "handedOver")?;
            let order = member.get(&format!("/api/orders/{order_id}")).await;
            (order.status == StatusCode::OK).then_some(order.body)
        }
    })
    .await
}

#[tokio::test]
async fn five_members_get_the_ticket_in_the_order_they_joined_through_two_expiries_and_a_sale() {
    let app = TestApp::spawn_with_hold(HOLD_SECS).await;
    let (_winner, ticket, first_order) = ordered_ticket(&app, "Final", json!(80)).await;
    let mut members = Vec::new();
    for expected in 1..=5 {
        let mut member = verified_buyer(&app).await;
        let place = join(&mut member, &ticket).await;
        assert_eq!(place, json!({"position": expected, "waiting": expected}));
        members.push(member);
    }

    // The winner's hold expires: the first member's turn.
    let order_1 = handed_to(&members[0], &ticket).await;
    let ended: chrono::DateTime<chrono::Utc> =
        first_order["expiresAt"].as_str().unwrap().parse().unwrap();
    let handed: chrono::DateTime<chrono::Utc> =
        order_1["expiresAt"].as_str().unwrap().parse().unwrap();
    let handed_at = handed - chrono::Duration::seconds(HOLD_SECS as i64);
    println!(
        "hand-over: the new hold began {} ms after the old one ended",
        (handed_at - ended).num_milliseconds()
    );
    assert_eq!(order_1["status"], "created");
    assert_eq!(order_1["ticket"]["id"], ticket["id"]);
    assert_eq!(standing(&mut members[1], &ticket).await["position"], 1);

    // Theirs expires too: the second member's turn; they pay.
    let order_2 = handed_to(&members[1], &ticket).await;
    let paid = pay(&mut members[1], &order_2, "pm_card_visa").await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);

    for member in &mut members[2..] {
        let left_behind = standing(member, &ticket).await;
        assert_eq!(left_behind["state"], "closed");
        assert_eq!(left_behind["note"], "The ticket was sold.");
    }
    let first = standing(&mut members[0], &ticket).await;
    assert_eq!(first["state"], "handedOver");
}

#[tokio::test]
async fn a_member_who_leaves_is_passed_over() {
    let app = TestApp::spawn_with_hold(HOLD_SECS).await;
    let (_seller, ticket) = listed_ticket(&app, "Play", json!(30)).await;
    let mut winner = buyer(&app).await;
    order_for(&mut winner, &ticket).await;
    let mut leaver = verified_buyer(&app).await;
    let mut stayer = verified_buyer(&app).await;
    join(&mut leaver, &ticket).await;
    join(&mut stayer, &ticket).await;

    let left = leaver
        .delete(&format!("/api/tickets/{}/waitlist", id_of(&ticket)))
        .await;
    assert_eq!(left.status, StatusCode::NO_CONTENT);
    assert_eq!(standing(&mut stayer, &ticket).await["position"], 1);

    handed_to(&stayer, &ticket).await;
    assert_eq!(standing(&mut leaver, &ticket).await["state"], "left");
}

#[tokio::test]
async fn a_member_at_the_hold_limit_is_skipped_with_a_note_and_the_next_one_gets_it() {
    // Long enough for the busy member to take four tickets before the winner's hold ends, whose
    // holds then outlast it.
    let app = TestApp::spawn_with_hold(8).await;
    let (mut seller, ticket) = listed_ticket(&app, "Derby", json!(20)).await;
    let mut winner = buyer(&app).await;
    order_for(&mut winner, &ticket).await;
    let mut busy = verified_buyer(&app).await;
    join(&mut busy, &ticket).await;
    let mut next = verified_buyer(&app).await;
    join(&mut next, &ticket).await;
    // The busy member takes four other tickets before the hold ends.
    for n in 0..4 {
        let other = seller
            .post(
                "/api/tickets",
                json!({"title": format!("Other {n}"), "price": 5}),
            )
            .await
            .body;
        order_for(&mut busy, &other).await;
    }

    let handed = eventually("the next member's turn", TURN, || {
        let mut next = next.clone();
        let ticket = ticket.clone();
        async move {
            let body = standing(&mut next, &ticket).await;
            (body["state"] == "handedOver").then_some(body)
        }
    })
    .await;
    assert!(handed["orderId"].is_string());
    let skipped = standing(&mut busy, &ticket).await;
    assert_eq!(skipped["state"], "skipped");
    assert!(
        skipped["note"]
            .as_str()
            .unwrap()
            .contains("the most one shopper may hold"),
        "{skipped}"
    );
}

#[tokio::test]
async fn fifty_shoppers_joining_at_once_get_places_one_to_fifty() {
    let app = TestApp::spawn().await;
    let (_seller, ticket) = listed_ticket(&app, "Cup final", json!(60)).await;
    let mut winner = buyer(&app).await;
    order_for(&mut winner, &ticket).await;
    let mut shoppers = app.signed_in_buyers(50).await;
    for shopper in &mut shoppers {
        verify_address(&app, shopper).await;
    }

    let joins = shoppers.into_iter().map(|mut shopper| {
        let ticket = ticket.clone();
        async move {
            join(&mut shopper, &ticket).await["position"]
                .as_u64()
                .unwrap()
        }
    });
    let mut places = futures::future::join_all(joins).await;

    places.sort_unstable();
    assert_eq!(places, (1..=50).collect::<Vec<u64>>());
}

#[tokio::test]
async fn one_cannot_wait_for_a_ticket_for_sale_ones_own_or_one_held_for_oneself() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "Opera", json!(45)).await;
    let mut shopper = buyer(&app).await;
    let path = format!("/api/tickets/{}/waitlist", id_of(&ticket));

    let for_sale = shopper.post(&path, json!({})).await;
    for_sale.assert_error(
        StatusCode::BAD_REQUEST,
        ["The ticket is for sale: buy it instead"],
    );
    order_for(&mut shopper, &ticket).await;
    let mine = shopper.post(&path, json!({})).await;
    assert_eq!(mine.error_messages(), ["The ticket is held for you"]);
    let own = seller.post(&path, json!({})).await;
    assert_eq!(
        own.error_messages(),
        ["You cannot wait for your own ticket"]
    );
    let mut other = verified_buyer(&app).await;
    assert_eq!(join(&mut other, &ticket).await["position"], 1);
    assert_eq!(
        join(&mut other, &ticket).await["position"],
        1,
        "joining twice is once"
    );
    let anonymous = app.anonymous().get(&path).await;
    assert_eq!(anonymous.body["waiting"], 1);
    assert_eq!(anonymous.body["position"], Value::Null);
}

/// The release hands the ticket over in its own transaction, then starts the member's saga. A
/// worker that dies in between leaves the release to be retried: the retry must find the same
/// hand-over (and start the same order), never make a second one.
#[tokio::test]
async fn a_release_retried_after_a_crash_hands_the_ticket_to_the_same_member_once() {
    let app = TestApp::spawn().await;
    let (_winner, ticket, order) = ordered_ticket(&app, "Ballet", json!(25)).await;
    let mut first = verified_buyer(&app).await;
    let mut second = verified_buyer(&app).await;
    join(&mut first, &ticket).await;
    join(&mut second, &ticket).await;
    app.stop_worker();
    let order_id = id_of(&order).parse().unwrap();
    let rules = HandOverRules {
        max_holds: 4,
        lease: Duration::from_secs(60),
        hold: Duration::from_secs(120),
    };

    let links = Links::default();
    // The same release, as the activity's retry would send it again.
    let release = || {
        orders::release_order(
            &app.state.db,
            order_id,
            CancelReason::Expired,
            Some(rules),
            &links,
        )
    };

    let released = release().await.unwrap();
    let retried = release().await.unwrap();

    let (
        Release::Released {
            handed_over: Some(once),
            ..
        },
        Release::Released {
            handed_over: Some(again),
            ..
        },
    ) = (released, retried)
    else {
        panic!("both calls name the hand-over");
    };
    assert_eq!(once, again);
    let first_view = standing(&mut first, &ticket).await;
    assert_eq!(first_view["state"], "handedOver");
    assert_eq!(first_view["orderId"], once.order_id.to_string());
    assert_eq!(standing(&mut second, &ticket).await["position"], 1);
}

/// The shopper's own id, as the API tells them.
async fn id_of_user(shopper: &mut ApiClient<'_>) -> UserId {
    let me = shopper.get("/api/users/currentuser").await.body;
    me["currentUser"]["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn twenty_parallel_joins_by_one_shopper_put_them_on_ten_lists_and_no_more() {
    let app = TestApp::spawn().await;
    // Twenty held tickets: five holders with four holds each, the most one buyer may hold.
    let mut held = Vec::new();
    for mut holder in app.signed_in_buyers(5).await {
        for i in 0..4 {
            let (_, ticket) = listed_ticket(&app, &format!("Show {i}"), json!(30)).await;
            order_for(&mut holder, &ticket).await;
            held.push(ticket);
        }
    }
    let mut shopper = app.signed_in_buyers(1).await.remove(0);
    verify_address(&app, &mut shopper).await;

    let joins = held.iter().map(|ticket| {
        let mut shopper = shopper.clone();
        let path = format!("/api/tickets/{}/waitlist", id_of(ticket));
        async move { shopper.post(&path, json!({})).await }
    });
    let answers = futures::future::join_all(joins).await;

    let joined = answers
        .iter()
        .filter(|answer| answer.status == StatusCode::CREATED)
        .count();
    assert_eq!(joined, 10);
    for refused in answers.iter().filter(|a| a.status != StatusCode::CREATED) {
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert_eq!(
            refused.error_messages(),
            ["You are on 10 waiting lists already; leave one first"]
        );
    }
}

#[tokio::test]
async fn a_hand_over_reads_a_long_list_page_by_page_to_the_first_member_who_can_take_it() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "Long queue", json!(40)).await;
    let mut holder = buyer(&app).await;
    let order = order_for(&mut holder, &ticket).await;
    let mut members = app.signed_in_buyers(60).await;
    let mut member_ids = Vec::new();
    for member in &mut members {
        verify_address(&app, member).await;
        join(member, &ticket).await;
        member_ids.push(id_of_user(member).await);
    }
    // The first 55 each hold another ticket (a live claim): the most the rules below allow, so
    // the turn passes them, over more than one page of the list, to the 56th.
    let seller_id = id_of_user(&mut seller).await;
    tickets::list_in_bulk(&app.state.db, seller_id, 55, chrono::Duration::zero())
        .await
        .unwrap();
    let others = ticket::Entity::find()
        .filter(ticket::Column::UserId.eq(seller_id))
        .filter(ticket::Column::OrderId.is_null())
        .all(&app.state.db)
        .await
        .unwrap();
    for (other, &buyer_id) in others.iter().zip(&member_ids[..55]) {
        let request = ClaimRequest {
            ticket_id: other.id,
            order_id: OrderId::new(),
            buyer_id,
            lease: Duration::from_secs(600),
            max_holds: 4,
        };
        let claim = claims::claim_ticket(&app.state.db, request).await.unwrap();
        assert!(matches!(claim, Claim::Won(_)));
    }
    app.stop_worker();
    let rules = HandOverRules {
        max_holds: 1,
        lease: Duration::from_secs(60),
        hold: Duration::from_secs(120),
    };

    let released = orders::release_order(
        &app.state.db,
        id_of(&order).parse().unwrap(),
        CancelReason::Expired,
        Some(rules),
        &Links::default(),
    )
    .await
    .unwrap();

    let Release::Released {
        handed_over: Some(handed_over),
        ..
    } = released
    else {
        panic!("the ticket was handed to nobody: {released:?}");
    };
    assert_eq!(handed_over.buyer_id, member_ids[55]);
    assert_eq!(standing(&mut members[0], &ticket).await["state"], "skipped");
    assert_eq!(
        standing(&mut members[54], &ticket).await["state"],
        "skipped"
    );
    assert_eq!(standing(&mut members[56], &ticket).await["position"], 1);
}
