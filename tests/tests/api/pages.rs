//! The storefront's pages over real HTTP, as a browser without JavaScript uses them: forms that
//! POST, answer 303 and leave a flash for the page they redirect to, CSRF tokens, one session
//! shared with the JSON API, and the site's own error pages.

use boxoffice_activities::entities::{ticket, user};
use boxoffice_api::backpressure::TemporalGate;
use boxoffice_tests::TestServer;
use boxoffice_tests::fixtures::{buyer, id_of, listed_ticket, order_for};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

const PASSWORD: &str = "password123";

fn email(role: &str) -> String {
    format!("{role}-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// One browser: keeps cookies, does not follow redirects, so that each 303 can be checked.
struct Visitor {
    client: reqwest::Client,
    base_url: String,
}

/// A response, read whole.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header (status {})", self.status))
    }

    fn location(&self) -> &str {
        self.header(header::LOCATION)
    }

    fn content_type(&self) -> &str {
        self.header(header::CONTENT_TYPE)
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.body))
    }
}

impl Visitor {
    fn new(server: &TestServer) -> Self {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self {
            client,
            base_url: server.base_url.clone(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    async fn read(request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("send the request");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.expect("read the body");
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        Self::read(self.client.get(self.url(path))).await
    }

    /// A page that must be there.
    async fn page(&self, path: &str) -> Reply {
        let reply = self.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "GET {path}: {}", reply.body);
        assert_eq!(reply.content_type(), "text/html; charset=utf-8");
        reply
    }

    /// Posts exactly `fields`, as a form.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        Self::read(self.client.post(self.url(path)).form(fields)).await
    }

    /// Fills in the form at `action` on the page at `page`: its CSRF token plus `fields`.
    async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Reply {
        let token = csrf_token(&self.page(page).await.body);
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// The page a 303 sends the browser to.
    async fn follow(&self, reply: &Reply) -> Reply {
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        self.page(reply.location()).await
    }

    async fn get_json(&self, path: &str) -> Value {
        let reply = self.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "GET {path}: {}", reply.body);
        reply.json()
    }

    async fn post_json(&self, path: &str, body: Value) -> Reply {
        Self::read(self.client.post(self.url(path)).json(&body)).await
    }

    /// Signs up through the sign-up form and lands on the home page, signed in.
    async fn sign_up(&self, email: &str) -> Reply {
        let reply = self
            .submit(
                "/auth/signup",
                "/auth/signup",
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(reply.location(), "/");
        self.follow(&reply).await
    }

    /// Lists a ticket through the sell form; returns the path of its page.
    async fn sell(&self, title: &str, price: &str) -> String {
        let reply = self
            .submit(
                "/tickets/new",
                "/tickets/new",
                &[("title", title), ("price", price)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        reply.location().to_owned()
    }

    /// Orders the ticket with its Buy button; returns the order's id.
    async fn buy(&self, ticket_id: &str) -> String {
        let ticket_page = format!("/tickets/{ticket_id}");
        let reply = self
            .submit(&ticket_page, &format!("{ticket_page}/order"), &[])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        reply
            .location()
            .strip_prefix("/orders/")
            .unwrap_or_else(|| panic!("not an order page: {}", reply.location()))
            .to_owned()
    }
}

/// The value of the first `<input name="csrf_token" value="…">` of a page.
fn csrf_token(html: &str) -> String {
    input_value(html, "csrf_token")
        .unwrap_or_else(|| panic!("no CSRF token on the page: {html}"))
        .to_owned()
}

/// The `value` of the first input named `name`.
fn input_value<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let start = html.find(&format!("name=\"{name}\""))?;
    let tag = &html[start..start + html[start..].find('>')?];
    let value = &tag[tag.find("value=\"")? + "value=\"".len()..];
    Some(&value[..value.find('"')?])
}

/// The text of the element with `id`, when it is plain text.
fn text_of<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    text_after(html, &format!("id=\"{id}\""))
}

/// The text of the first element whose opening tag contains `marker`, when it is plain text.
fn text_after<'a>(html: &'a str, marker: &str) -> Option<&'a str> {
    let start = html.find(marker)?;
    let text = &html[start + html[start..].find('>')? + 1..];
    Some(&text[..text.find('<')?])
}

/// Text as the browser reads it: character references replaced by their characters.
fn decode_entities(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        text.push_str(&rest[..at]);
        let end = rest[at..].find(';').expect("a terminated reference") + at;
        let reference = &rest[at + 1..end];
        let decoded = match reference {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match reference
                    .strip_prefix("#x")
                    .or(reference.strip_prefix("#X"))
                {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => reference.trim_start_matches('#').parse(),
                };
                code.ok()
                    .and_then(char::from_u32)
                    .unwrap_or_else(|| panic!("unknown reference &{reference};"))
            }
        };
        text.push(decoded);
        rest = &rest[end + 1..];
    }
    text.push_str(rest);
    text
}

/// Every `href` or `src` on the page that starts with `prefix`.
fn links_to<'a>(html: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    for attribute in ["href=\"", "src=\""] {
        for (at, _) in html.match_indices(attribute) {
            let value = &html[at + attribute.len()..];
            let value = &value[..value.find('"').expect("a closed attribute")];
            if value.starts_with(prefix) {
                found.push(value);
            }
        }
    }
    found
}

/// The `<fieldset …>` opening tag of the page.
fn fieldset_tag(html: &str) -> &str {
    let start = html.find("<fieldset").expect("a fieldset");
    &html[start..start + html[start..].find('>').expect("a closed tag") + 1]
}

async fn users_in_the_database(server: &TestServer) -> u64 {
    user::Entity::find()
        .count(&server.app.state.db)
        .await
        .expect("count users")
}

async fn tickets_in_the_database(server: &TestServer) -> u64 {
    ticket::Entity::find()
        .count(&server.app.state.db)
        .await
        .expect("count tickets")
}

/// A seller's ticket, and a visitor signed up through the pages who has ordered it with Buy.
async fn visitor_with_a_held_order(server: &TestServer) -> (Visitor, String) {
    let (_, ticket) = listed_ticket(&server.app, "Concert", json!(25)).await;
    let visitor = Visitor::new(server);
    visitor.sign_up(&email("buyer")).await;
    let order_id = visitor.buy(id_of(&ticket)).await;
    (visitor, order_id)
}

// Home and tickets.

#[tokio::test]
async fn home_lists_the_tickets_for_sale_with_money_prices_and_links_to_their_pages() {
    let server = TestServer::spawn().await;
    let (_, big) = listed_ticket(&server.app, "Final, front row", json!(1234.5)).await;
    let (_, small) = listed_ticket(&server.app, "Matinee", json!(20)).await;

    let home = Visitor::new(&server).page("/").await;

    assert!(home.body.contains("Final, front row"), "{}", home.body);
    assert!(home.body.contains("$1,234.50"), "{}", home.body);
    assert!(home.body.contains("Matinee"), "{}", home.body);
    assert!(home.body.contains("$20.00"), "{}", home.body);
    let links = links_to(&home.body, "/tickets/");
    assert!(links.contains(&format!("/tickets/{}", id_of(&big)).as_str()));
    assert!(links.contains(&format!("/tickets/{}", id_of(&small)).as_str()));
}

#[tokio::test]
async fn the_home_page_visitors_share_loses_an_ordered_ticket_at_once_and_gets_it_back_on_cancel() {
    let server = TestServer::spawn().await;
    let (_, ticket) = listed_ticket(&server.app, "Opera", json!(30)).await;
    let shopper = Visitor::new(&server);
    // Seen once by a visitor, so the next view could be the page kept for visitors.
    assert!(shopper.page("/").await.body.contains("Opera"));

    let mut buyer = buyer(&server.app).await;
    let order = order_for(&mut buyer, &ticket).await;
    assert!(!Visitor::new(&server).page("/").await.body.contains("Opera"));

    let cancelled = buyer
        .delete(&format!("/api/orders/{}", id_of(&order)))
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::NO_CONTENT,
        "{}",
        cancelled.body
    );
    assert!(shopper.page("/").await.body.contains("Opera"));
}

#[tokio::test]
async fn a_signed_in_shopper_and_a_visitor_never_get_each_others_home_page() {
    let server = TestServer::spawn().await;
    listed_ticket(&server.app, "Opera", json!(30)).await;
    let visitor = Visitor::new(&server);
    let shopper = Visitor::new(&server);
    let address = email("shopper");
    assert!(visitor.page("/").await.body.contains("Sign up"));
    shopper.sign_up(&address).await;

    let as_shopper = shopper.page("/").await;
    let as_visitor = visitor.page("/").await;

    assert!(as_shopper.body.contains(&address), "{}", as_shopper.body);
    assert!(
        as_shopper.body.contains("csrf_token"),
        "{}",
        as_shopper.body
    );
    assert!(!as_visitor.body.contains(&address), "{}", as_visitor.body);
    // A form token is the visitor's own: the page visitors share must hold none.
    assert!(
        !as_visitor.body.contains("csrf_token"),
        "{}",
        as_visitor.body
    );
}

#[tokio::test]
async fn signing_out_shows_its_notice_on_the_home_page_though_visitors_share_one() {
    let server = TestServer::spawn().await;
    listed_ticket(&server.app, "Opera", json!(30)).await;
    Visitor::new(&server).page("/").await;
    let shopper = Visitor::new(&server);
    shopper.sign_up(&email("shopper")).await;

    let signed_out = shopper.submit("/auth/signout", "/auth/signout", &[]).await;
    assert_eq!(signed_out.location(), "/");
    let home = shopper.follow(&signed_out).await;

    assert!(home.body.contains("You are signed out."), "{}", home.body);
    assert!(home.body.contains("Opera"), "{}", home.body);
    assert!(!shopper.page("/").await.body.contains("You are signed out."));
}

#[tokio::test]
async fn a_title_with_markup_is_shown_as_text_on_home_and_on_its_page() {
    let server = TestServer::spawn().await;
    let title = "<script>alert(1)</script>";
    let seller = Visitor::new(&server);
    seller.sign_up(&email("seller")).await;
    let ticket_page = seller.sell(title, "10").await;
    let shopper = Visitor::new(&server);

    let home = shopper.page("/").await;
    let as_shopper = shopper.page(&ticket_page).await;
    let as_owner = seller.page(&ticket_page).await;

    for page in [&home, &as_shopper, &as_owner] {
        assert!(!page.body.contains("<script>alert"), "{}", page.body);
        assert!(page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"));
    }
    let shown = |html: &str, marker: &str| decode_entities(text_after(html, marker).expect(marker));
    assert_eq!(shown(&home.body, "class=\"ticket-title\""), title);
    assert_eq!(shown(&as_shopper.body, "class=\"ticket-heading\""), title);
    assert_eq!(
        shown(&as_shopper.body, "<title"),
        format!("{title} · boxoffice")
    );
    assert_eq!(
        decode_entities(input_value(&as_owner.body, "title").expect("the edit form")),
        title
    );
}

// Forms: POST, 303, and the flash.

#[tokio::test]
async fn signing_up_with_bad_input_shows_the_form_again_with_each_message_next_to_its_field() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);

    let reply = visitor
        .submit(
            "/auth/signup",
            "/auth/signup",
            &[("email", "not-an-email"), ("password", "s3cr3t")],
        )
        .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/auth/signup");
    let form = visitor.follow(&reply).await;
    assert_eq!(
        text_of(&form.body, "email-error"),
        Some("Email must be valid")
    );
    assert_eq!(
        text_of(&form.body, "password-error"),
        Some("Password must be between 8 and 128 characters")
    );
    assert_eq!(input_value(&form.body, "email"), Some("not-an-email"));
    assert_eq!(input_value(&form.body, "password"), Some(""));
    assert!(!form.body.contains("s3cr3t"), "{}", form.body);
    assert_eq!(users_in_the_database(&server).await, 0);
}

#[tokio::test]
async fn the_messages_of_a_rejected_form_are_shown_only_once() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    let reply = visitor
        .submit(
            "/auth/signup",
            "/auth/signup",
            &[("email", "not-an-email"), ("password", "s3cr3t")],
        )
        .await;
    let first = visitor.follow(&reply).await;
    assert!(
        text_of(&first.body, "email-error").is_some(),
        "{}",
        first.body
    );

    let again = visitor.page("/auth/signup").await;

    assert_eq!(text_of(&again.body, "email-error"), None, "{}", again.body);
    assert_eq!(text_of(&again.body, "password-error"), None);
    assert_eq!(input_value(&again.body, "email"), Some(""));
}

#[tokio::test]
async fn visiting_another_page_first_does_not_lose_a_rejected_forms_messages() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    visitor
        .submit(
            "/auth/signup",
            "/auth/signup",
            &[("email", "not-an-email"), ("password", "s3cr3t")],
        )
        .await;

    visitor.page("/").await;
    let form = visitor.page("/auth/signup").await;

    assert!(
        text_of(&form.body, "email-error").is_some(),
        "{}",
        form.body
    );
    assert_eq!(input_value(&form.body, "email"), Some("not-an-email"));
}

// CSRF and Origin.

#[tokio::test]
async fn a_form_without_the_csrf_token_is_refused_and_changes_nothing() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    visitor.page("/auth/signup").await;
    let address = email("someone");

    let reply = visitor
        .post(
            "/auth/signup",
            &[("email", address.as_str()), ("password", PASSWORD)],
        )
        .await;

    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.content_type(), "text/html; charset=utf-8");
    assert!(
        reply.body.contains("This form has expired"),
        "{}",
        reply.body
    );
    assert_eq!(users_in_the_database(&server).await, 0);
    let me = visitor.get_json("/api/users/currentuser").await;
    assert_eq!(me["currentUser"], Value::Null);
}

#[tokio::test]
async fn a_form_with_a_wrong_csrf_token_is_refused_and_changes_nothing() {
    let server = TestServer::spawn().await;
    let seller = Visitor::new(&server);
    seller.sign_up(&email("seller")).await;
    let token = csrf_token(&seller.page("/tickets/new").await.body);
    let (kept, last) = token.split_at(token.len() - 1);
    let forged = format!("{kept}{}", if last == "0" { "1" } else { "0" });

    let reply = seller
        .post(
            "/tickets/new",
            &[
                ("csrf_token", forged.as_str()),
                ("title", "Forged"),
                ("price", "10"),
            ],
        )
        .await;

    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.content_type(), "text/html; charset=utf-8");
    assert!(
        reply.body.contains("This form has expired"),
        "{}",
        reply.body
    );
    assert_eq!(tickets_in_the_database(&server).await, 0);
    assert_eq!(seller.get_json("/api/tickets").await, json!([]));
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_even_with_a_valid_token() {
    let server = TestServer::spawn().await;
    let seller = Visitor::new(&server);
    seller.sign_up(&email("seller")).await;
    let token = csrf_token(&seller.page("/tickets/new").await.body);

    let reply = Visitor::read(
        seller
            .client
            .post(seller.url("/tickets/new"))
            .header(header::ORIGIN, "https://evil.example")
            .form(&[
                ("csrf_token", token.as_str()),
                ("title", "Cross-site"),
                ("price", "10"),
            ]),
    )
    .await;

    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.content_type(), "text/html; charset=utf-8");
    assert_eq!(tickets_in_the_database(&server).await, 0);
}

#[tokio::test]
async fn a_form_posted_from_this_site_with_its_origin_is_accepted() {
    let server = TestServer::spawn().await;
    let seller = Visitor::new(&server);
    seller.sign_up(&email("seller")).await;
    let token = csrf_token(&seller.page("/tickets/new").await.body);

    let reply = Visitor::read(
        seller
            .client
            .post(seller.url("/tickets/new"))
            .header(header::ORIGIN, &server.base_url)
            .form(&[
                ("csrf_token", token.as_str()),
                ("title", "Same site"),
                ("price", "10"),
            ]),
    )
    .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(tickets_in_the_database(&server).await, 1);
}

// One session for pages and the JSON API.

#[tokio::test]
async fn signing_up_through_the_page_signs_in_the_json_api_too() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    let address = email("shopper");

    let home = visitor.sign_up(&address).await;

    assert!(home.body.contains(&address), "{}", home.body);
    let me = visitor.get_json("/api/users/currentuser").await;
    assert_eq!(me["currentUser"]["email"], address.as_str());
}

#[tokio::test]
async fn signing_in_through_the_json_api_signs_in_the_pages_too() {
    let server = TestServer::spawn().await;
    let address = email("shopper");
    server.app.signed_up(&address).await;
    let visitor = Visitor::new(&server);
    let before = visitor.page("/").await;
    assert!(!before.body.contains(&address));

    let signed_in = visitor
        .post_json(
            "/api/users/signin",
            json!({"email": address, "password": PASSWORD}),
        )
        .await;

    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    let home = visitor.page("/").await;
    assert!(
        home.body
            .contains(&format!("Signed in as <strong>{address}</strong>")),
        "{}",
        home.body
    );
}

// Signing in and coming back.

#[tokio::test]
async fn selling_while_signed_out_redirects_to_sign_in_with_the_way_back() {
    let server = TestServer::spawn().await;

    let reply = Visitor::new(&server).get("/tickets/new").await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/auth/signin?next=%2Ftickets%2Fnew");
}

#[tokio::test]
async fn signing_in_through_the_form_with_next_lands_on_that_page() {
    let server = TestServer::spawn().await;
    let address = email("seller");
    server.app.signed_up(&address).await;
    let visitor = Visitor::new(&server);
    let to_sign_in = visitor.get("/tickets/new").await;
    let sign_in_page = to_sign_in.location().to_owned();
    let form = visitor.page(&sign_in_page).await;
    assert_eq!(input_value(&form.body, "next"), Some("/tickets/new"));

    let reply = visitor
        .submit(
            &sign_in_page,
            "/auth/signin",
            &[
                ("next", "/tickets/new"),
                ("email", address.as_str()),
                ("password", PASSWORD),
            ],
        )
        .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), "/tickets/new");
    let sell = visitor.follow(&reply).await;
    assert!(sell.body.contains("Sell a ticket"), "{}", sell.body);
    assert!(sell.body.contains(&address));
}

#[tokio::test]
async fn an_off_site_next_is_ignored_after_signing_in() {
    let server = TestServer::spawn().await;
    let address = email("shopper");
    server.app.signed_up(&address).await;
    let visitor = Visitor::new(&server);
    let form = visitor.page("/auth/signin?next=//evil.example").await;
    assert_eq!(input_value(&form.body, "next"), None);

    let reply = visitor
        .submit(
            "/auth/signin",
            "/auth/signin",
            &[
                ("next", "//evil.example"),
                ("email", address.as_str()),
                ("password", PASSWORD),
            ],
        )
        .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), "/");
}

#[tokio::test]
async fn a_next_that_a_browser_would_read_as_another_site_is_ignored_after_signing_in() {
    let server = TestServer::spawn().await;
    let address = email("shopper");
    server.app.signed_up(&address).await;
    let visitor = Visitor::new(&server);
    let base = url::Url::parse(&server.base_url).expect("the base URL");

    // Browsers drop tabs and newlines from a URL, and read a backslash as a slash.
    for next in [
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
    ] {
        let reply = visitor
            .submit(
                "/auth/signin",
                "/auth/signin",
                &[
                    ("next", next),
                    ("email", address.as_str()),
                    ("password", PASSWORD),
                ],
            )
            .await;

        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "next {next:?}: {}",
            reply.body
        );
        let landed = base.join(reply.location()).expect("a URL");
        assert_eq!(landed.host_str(), base.host_str(), "next {next:?}");
        assert_eq!(landed.path(), "/", "next {next:?}");
    }
}

#[tokio::test]
async fn a_refused_sign_in_keeps_the_way_back() {
    let server = TestServer::spawn().await;
    let address = email("seller");
    server.app.signed_up(&address).await;
    let visitor = Visitor::new(&server);
    let sign_in_page = "/auth/signin?next=%2Ftickets%2Fnew";

    let refused = visitor
        .submit(
            sign_in_page,
            "/auth/signin",
            &[
                ("next", "/tickets/new"),
                ("email", address.as_str()),
                ("password", "not-the-password"),
            ],
        )
        .await;
    assert_eq!(refused.location(), "/auth/signin");
    let form = visitor.follow(&refused).await;
    assert!(form.body.contains("role=\"alert\""), "{}", form.body);
    assert_eq!(input_value(&form.body, "email"), Some(address.as_str()));
    assert_eq!(input_value(&form.body, "next"), Some("/tickets/new"));
    let next = input_value(&form.body, "next").expect("next").to_owned();
    let signed_in = visitor
        .submit(
            "/auth/signin",
            "/auth/signin",
            &[
                ("next", next.as_str()),
                ("email", address.as_str()),
                ("password", PASSWORD),
            ],
        )
        .await;

    assert_eq!(signed_in.location(), "/tickets/new");
}

// Selling and editing.

#[tokio::test]
async fn a_price_that_is_not_a_number_shows_the_sell_form_again_with_the_error_and_the_title() {
    let server = TestServer::spawn().await;
    let seller = Visitor::new(&server);
    seller.sign_up(&email("seller")).await;

    let reply = seller
        .submit(
            "/tickets/new",
            "/tickets/new",
            &[("title", "Opera"), ("price", "abc")],
        )
        .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/tickets/new");
    let form = seller.follow(&reply).await;
    assert_eq!(
        text_of(&form.body, "price-error"),
        Some("Price must be a number")
    );
    assert_eq!(text_of(&form.body, "title-error"), None);
    assert_eq!(input_value(&form.body, "title"), Some("Opera"));
    assert_eq!(input_value(&form.body, "price"), Some("abc"));
    assert_eq!(tickets_in_the_database(&server).await, 0);
}

#[tokio::test]
async fn selling_with_a_valid_price_lists_the_ticket_and_shows_its_page() {
    let server = TestServer::spawn().await;
    let seller = Visitor::new(&server);
    seller.sign_up(&email("seller")).await;

    let reply = seller
        .submit(
            "/tickets/new",
            "/tickets/new",
            &[("title", "Opera"), ("price", "$1234.5")],
        )
        .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let id = reply
        .location()
        .strip_prefix("/tickets/")
        .expect("the ticket's page")
        .to_owned();
    let page = seller.follow(&reply).await;
    assert!(
        page.body.contains("Your ticket is listed for sale."),
        "{}",
        page.body
    );
    assert!(page.body.contains("$1,234.50"));
    let listed = seller.get_json(&format!("/api/tickets/{id}")).await;
    assert_eq!(listed["title"], "Opera");
    assert_eq!(listed["price"], json!(1234.5));
}

#[tokio::test]
async fn the_owner_of_a_ticket_for_sale_sees_an_edit_form_with_it_filled_in() {
    let server = TestServer::spawn().await;
    let seller = Visitor::new(&server);
    seller.sign_up(&email("seller")).await;
    let ticket_page = seller.sell("Opera", "25").await;

    let page = seller.page(&ticket_page).await;

    assert!(page.body.contains("Edit your ticket"), "{}", page.body);
    assert!(!fieldset_tag(&page.body).contains("disabled"));
    assert_eq!(input_value(&page.body, "title"), Some("Opera"));
    assert_eq!(input_value(&page.body, "price"), Some("25.00"));
    assert_eq!(input_value(&page.body, "version"), Some("0"));
}

#[tokio::test]
async fn the_owner_edits_a_ticket_for_sale_through_its_page() {
    let server = TestServer::spawn().await;
    let seller = Visitor::new(&server);
    seller.sign_up(&email("seller")).await;
    let ticket_page = seller.sell("Opera", "25").await;

    let reply = seller
        .submit(
            &ticket_page,
            &ticket_page,
            &[("version", "0"), ("title", "Opera, box 4"), ("price", "30")],
        )
        .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), ticket_page);
    let page = seller.follow(&reply).await;
    assert!(
        page.body.contains("Your changes are saved."),
        "{}",
        page.body
    );
    let ticket = seller.get_json(&format!("/api{ticket_page}")).await;
    assert_eq!(ticket["title"], "Opera, box 4");
    assert_eq!(ticket["price"], json!(30));
}

/// A seller signed in on the pages whose ticket someone has ordered through the JSON API.
async fn seller_with_a_held_ticket(server: &TestServer) -> (Visitor, String) {
    let seller = Visitor::new(server);
    seller.sign_up(&email("seller")).await;
    let ticket_page = seller.sell("Opera", "25").await;
    let ticket = seller.get_json(&format!("/api{ticket_page}")).await;
    let mut someone = buyer(&server.app).await;
    order_for(&mut someone, &ticket).await;
    (seller, ticket_page)
}

#[tokio::test]
async fn while_a_ticket_is_held_its_owner_sees_the_edit_form_disabled() {
    let server = TestServer::spawn().await;
    let (seller, ticket_page) = seller_with_a_held_ticket(&server).await;

    let page = seller.page(&ticket_page).await;

    assert!(page.body.contains("On hold"), "{}", page.body);
    assert!(
        fieldset_tag(&page.body).contains("disabled"),
        "{}",
        fieldset_tag(&page.body)
    );
    assert!(page.body.contains("cannot be edited"));
}

#[tokio::test]
async fn editing_a_held_ticket_is_refused_with_the_reason_on_its_page_and_the_ticket_unchanged() {
    let server = TestServer::spawn().await;
    let (seller, ticket_page) = seller_with_a_held_ticket(&server).await;

    let reply = seller
        .submit(
            &ticket_page,
            &ticket_page,
            &[("version", "0"), ("title", "Changed"), ("price", "99")],
        )
        .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), ticket_page);
    let page = seller.follow(&reply).await;
    assert!(
        page.body.contains("Cannot edit a reserved ticket"),
        "{}",
        page.body
    );
    let ticket = seller.get_json(&format!("/api{ticket_page}")).await;
    assert_eq!(ticket["title"], "Opera");
    assert_eq!(ticket["price"], json!(25));
}

// Error pages.

fn assert_is_the_404_page(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    assert_eq!(reply.content_type(), "text/html; charset=utf-8");
    assert!(reply.body.contains("Page not found"), "{}", reply.body);
}

#[tokio::test]
async fn someone_elses_order_is_the_404_page() {
    let server = TestServer::spawn().await;
    let (_, ticket) = listed_ticket(&server.app, "Concert", json!(25)).await;
    let order = order_for(&mut buyer(&server.app).await, &ticket).await;
    let visitor = Visitor::new(&server);
    visitor.sign_up(&email("nosy")).await;

    let reply = visitor.get(&format!("/orders/{}", id_of(&order))).await;

    assert_is_the_404_page(&reply);
    assert!(!reply.body.contains("Concert"), "{}", reply.body);
}

#[tokio::test]
async fn an_order_that_does_not_exist_is_the_404_page() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    visitor.sign_up(&email("shopper")).await;

    let reply = visitor
        .get(&format!("/orders/{}", uuid::Uuid::new_v4()))
        .await;

    assert_is_the_404_page(&reply);
}

#[tokio::test]
async fn an_order_id_that_is_not_a_uuid_is_the_404_page() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    visitor.sign_up(&email("shopper")).await;

    let reply = visitor.get("/orders/not-a-uuid").await;

    assert_is_the_404_page(&reply);
}

#[tokio::test]
async fn an_unknown_page_is_the_html_404_page() {
    let server = TestServer::spawn().await;

    let reply = Visitor::new(&server).get("/no/such/page").await;

    assert_is_the_404_page(&reply);
}

#[tokio::test]
async fn a_failure_on_our_side_is_the_sites_500_page_without_details() {
    use sea_orm::ConnectionTrait;
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    // The database loses a table: reading the tickets for home fails.
    server
        .app
        .database
        .db
        .execute_unprepared("DROP TABLE tickets CASCADE")
        .await
        .unwrap();

    let reply = visitor.get("/").await;

    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        reply.content_type().starts_with("text/html"),
        "{}",
        reply.content_type()
    );
    assert!(
        reply.body.contains("Something went wrong"),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("class=\"site-header\""),
        "{}",
        reply.body
    );
    assert!(
        !reply.body.contains("tickets\" does not exist"),
        "leaks the cause: {}",
        reply.body
    );
}

#[tokio::test]
async fn an_unknown_api_path_is_still_the_json_404() {
    let server = TestServer::spawn().await;

    let reply = Visitor::new(&server).get("/api/no/such/route").await;

    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.content_type(), "application/json");
    assert_eq!(
        reply.json(),
        json!({"errors": [{"message": "No such route"}]})
    );
}

// Buying, paying and cancelling.

#[tokio::test]
async fn buying_through_the_ticket_page_holds_the_ticket_and_shows_the_order() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;

    let page = visitor.page(&format!("/orders/{order_id}")).await;

    assert!(page.body.contains("data-state=\"held\""), "{}", page.body);
    assert!(page.body.contains("The ticket is held for you."));
    assert!(page.body.contains("Pay $25.00"));
    let order = visitor.get_json(&format!("/api/orders/{order_id}")).await;
    assert_eq!(order["status"], "created");
}

#[tokio::test]
async fn buying_while_the_shop_is_busy_says_so_on_the_ticket_page_and_holds_nothing() {
    let server = TestServer::spawn_customised(120, |state| {
        state.purchases.temporal_gate = TemporalGate::new(
            0,
            std::time::Duration::from_millis(50),
            std::time::Duration::from_millis(50),
        );
    })
    .await;
    let seller = Visitor::new(&server);
    seller.sign_up(&email("seller")).await;
    let ticket_path = seller.sell("Busy night", "25").await;
    let ticket_id = ticket_path.trim_start_matches("/tickets/");
    let shopper = Visitor::new(&server);
    shopper.sign_up(&email("shopper")).await;

    let reply = shopper
        .submit(&ticket_path, &format!("{ticket_path}/order"), &[])
        .await;

    assert_eq!(reply.location(), ticket_path);
    let page = shopper.follow(&reply).await;
    assert!(
        page.body
            .contains("The shop is busy; please try again in a few seconds"),
        "{}",
        page.body
    );
    let ticket = shopper.get_json(&format!("/api/tickets/{ticket_id}")).await;
    assert_eq!(ticket["orderId"], Value::Null);
}

/// Submits the order page's card form and follows its redirect back to the order page.
async fn pay_through_the_form(visitor: &Visitor, order_id: &str, fields: &[(&str, &str)]) -> Reply {
    let order_page = format!("/orders/{order_id}");
    let reply = visitor
        .submit(&order_page, &format!("{order_page}/pay"), fields)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), order_page);
    visitor.follow(&reply).await
}

#[tokio::test]
async fn paying_without_card_details_explains_they_are_needed_and_keeps_the_hold() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;

    let page = pay_through_the_form(&visitor, &order_id, &[]).await;

    assert_eq!(
        text_of(&page.body, "card-errors"),
        Some("Enter your card details to pay (this needs JavaScript).")
    );
    assert!(page.body.contains("data-state=\"held\""), "{}", page.body);
    let order = visitor.get_json(&format!("/api/orders/{order_id}")).await;
    assert_eq!(order["status"], "created");
}

#[tokio::test]
async fn paying_with_a_good_card_through_the_form_completes_the_order() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;

    let page =
        pay_through_the_form(&visitor, &order_id, &[("payment_method", "pm_card_visa")]).await;

    assert!(page.body.contains("data-state=\"paid\""), "{}", page.body);
    assert!(page.body.contains(">Paid<"));
    assert!(page.body.contains("Payment received. Enjoy the show!"));
    let order = visitor.get_json(&format!("/api/orders/{order_id}")).await;
    assert_eq!(order["status"], "complete");
}

#[tokio::test]
async fn a_declined_card_is_explained_on_the_order_page_and_the_order_stays_held() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;

    let page = pay_through_the_form(
        &visitor,
        &order_id,
        &[("payment_method", "pm_card_visa_chargeDeclined")],
    )
    .await;

    assert_eq!(
        text_of(&page.body, "card-errors"),
        Some("Your card was declined.")
    );
    assert!(page.body.contains("data-state=\"held\""), "{}", page.body);
    let order = visitor.get_json(&format!("/api/orders/{order_id}")).await;
    assert_eq!(order["status"], "created");
}

#[tokio::test]
async fn a_payment_method_stripe_does_not_know_is_explained_and_the_order_stays_held() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;

    let page = pay_through_the_form(
        &visitor,
        &order_id,
        &[("payment_method", "pm_does_not_exist")],
    )
    .await;

    let message = decode_entities(text_of(&page.body, "card-errors").expect("a card error"));
    assert!(message.contains("pm_does_not_exist"), "{message}");
    assert!(page.body.contains("data-state=\"held\""), "{}", page.body);
    let order = visitor.get_json(&format!("/api/orders/{order_id}")).await;
    assert_eq!(order["status"], "created");
}

#[tokio::test]
async fn cancelling_through_the_form_cancels_the_order() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;
    let order_page = format!("/orders/{order_id}");

    let reply = visitor
        .submit(&order_page, &format!("{order_page}/cancel"), &[])
        .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), order_page);
    let page = visitor.follow(&reply).await;
    assert!(
        page.body.contains("data-state=\"cancelled\""),
        "{}",
        page.body
    );
    assert!(page.body.contains(">Cancelled<"));
    let order = visitor.get_json(&format!("/api/orders/{order_id}")).await;
    assert_eq!(order["status"], "cancelled");
    assert_eq!(order["cancelReason"], "cancelled");
}

// Assets.

#[tokio::test]
async fn the_stylesheet_and_script_are_served_with_their_types_and_cached_for_good() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;
    let page = visitor.page(&format!("/orders/{order_id}")).await;
    let assets = links_to(&page.body, "/assets/");
    let stylesheet = assets
        .iter()
        .find(|path| path.ends_with(".css"))
        .expect("a stylesheet");
    let script = assets
        .iter()
        .find(|path| path.ends_with(".js"))
        .expect("a script");

    for (path, content_type) in [
        (stylesheet, "text/css; charset=utf-8"),
        (script, "text/javascript; charset=utf-8"),
    ] {
        let reply = visitor.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.content_type(), content_type, "{path}");
        assert_eq!(
            reply.header(header::CACHE_CONTROL),
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert!(!reply.body.is_empty(), "{path}");
    }
}
