//! The storefront's pages over real HTTP, as a browser without JavaScript uses them: forms that
//! POST, answer 303 and leave a flash for the page they redirect to, CSRF tokens, one session
//! shared with the JSON API, and the site's own error pages. One module per part of the shop; the
//! browser itself is `boxoffice_tests::visitor`.

mod account;
mod email_links;
mod errors;
mod forms;
mod home;
mod orders;
mod support;
mod tickets;

use boxoffice_activities::entities::{ticket, user};
use boxoffice_tests::TestServer;
use boxoffice_tests::fixtures::{id_of, listed_ticket};
use boxoffice_tests::visitor::Visitor;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

pub(crate) async fn users_in_the_database(server: &TestServer) -> u64 {
    user::Entity::find()
        .count(&server.app.state.db)
        .await
        .expect("count users")
}

pub(crate) async fn tickets_in_the_database(server: &TestServer) -> u64 {
    ticket::Entity::find()
        .count(&server.app.state.db)
        .await
        .expect("count tickets")
}

/// A seller's ticket, and a visitor signed up through the pages who has ordered it with Buy.
pub(crate) async fn visitor_with_a_held_order(server: &TestServer) -> (Visitor, String) {
    let (_, ticket) = listed_ticket(&server.app, "Concert", json!(25)).await;
    let visitor = Visitor::signed_up(server, "buyer").await;
    let order_id = visitor.buy(id_of(&ticket)).await;
    (visitor, order_id)
}
