//! A browser without JavaScript, for tests of the storefront's pages over real HTTP: it keeps
//! cookies and does not follow redirects (so each 303 can be checked), fills in forms with their
//! CSRF token, and reads what a page shows.

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use serde_json::Value;

use crate::TestServer;

pub const PASSWORD: &str = "password123";

/// A fresh address for someone in `role`.
pub fn email(role: &str) -> String {
    format!("{role}-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// One browser: keeps cookies, does not follow redirects, so that each 303 can be checked.
pub struct Visitor {
    pub client: reqwest::Client,
    base_url: String,
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header (status {})", self.status))
    }

    pub fn location(&self) -> &str {
        self.header(header::LOCATION)
    }

    /// Asserts that the reply sends the browser on (303) to `location`.
    #[track_caller]
    pub fn assert_redirects_to(&self, location: &str) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.body);
        assert_eq!(self.location(), location);
    }

    pub fn content_type(&self) -> &str {
        self.header(header::CONTENT_TYPE)
    }

    /// Asserts that the body contains `text`, showing the body when it does not.
    #[track_caller]
    pub fn assert_shows(&self, text: &str) {
        assert!(self.body.contains(text), "{text:?} not in: {}", self.body);
    }

    /// Asserts that the body does not contain `text`, showing the body when it does.
    #[track_caller]
    pub fn assert_does_not_show(&self, text: &str) {
        assert!(!self.body.contains(text), "{text:?} in: {}", self.body);
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.body))
    }
}

impl Visitor {
    pub fn new(server: &TestServer) -> Self {
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

    /// A new browser that has signed up through the pages as someone in `role`.
    pub async fn signed_up(server: &TestServer, role: &str) -> Self {
        let visitor = Self::new(server);
        visitor.sign_up(&email(role)).await;
        visitor
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn read(request: reqwest::RequestBuilder) -> Reply {
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

    pub async fn get(&self, path: &str) -> Reply {
        Self::read(self.client.get(self.url(path))).await
    }

    /// A page that must be there.
    pub async fn page(&self, path: &str) -> Reply {
        let reply = self.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "GET {path}: {}", reply.body);
        assert_eq!(reply.content_type(), "text/html; charset=utf-8");
        reply
    }

    /// Posts exactly `fields`, as a form.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        Self::read(self.client.post(self.url(path)).form(fields)).await
    }

    /// Fills in the form at `action` on the page at `page`: its CSRF token plus `fields`.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Reply {
        let token = csrf_token(&self.page(page).await.body);
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// The page a 303 sends the browser to.
    pub async fn follow(&self, reply: &Reply) -> Reply {
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        self.page(reply.location()).await
    }

    /// The page a 303 sends the browser to, which must be `location`.
    pub async fn follow_to(&self, reply: &Reply, location: &str) -> Reply {
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert_eq!(reply.location(), location);
        self.page(location).await
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let reply = self.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "GET {path}: {}", reply.body);
        reply.json()
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Reply {
        Self::read(self.client.post(self.url(path)).json(&body)).await
    }

    /// Submits the sign-up form with `email` and `password`, whatever they are.
    pub async fn submit_sign_up(&self, email: &str, password: &str) -> Reply {
        let fields = [("email", email), ("password", password)];
        self.submit("/auth/signup", "/auth/signup", &fields).await
    }

    /// Signs up through the sign-up form and lands on the home page, signed in.
    pub async fn sign_up(&self, email: &str) -> Reply {
        let reply = self.submit_sign_up(email, PASSWORD).await;
        assert_eq!(reply.location(), "/");
        self.follow(&reply).await
    }

    /// Submits the sell form with `title` and `price`, whatever they are.
    pub async fn submit_sell(&self, title: &str, price: &str) -> Reply {
        let fields = [("title", title), ("price", price)];
        self.submit("/tickets/new", "/tickets/new", &fields).await
    }

    /// Lists a ticket through the sell form; returns the path of its page.
    pub async fn sell(&self, title: &str, price: &str) -> String {
        let reply = self.submit_sell(title, price).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        reply.location().to_owned()
    }

    /// Orders the ticket with its Buy button; returns the order's id.
    pub async fn buy(&self, ticket_id: &str) -> String {
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
pub fn csrf_token(html: &str) -> String {
    input_value(html, "csrf_token")
        .unwrap_or_else(|| panic!("no CSRF token on the page: {html}"))
        .to_owned()
}

/// The `value` of the first input named `name`.
pub fn input_value<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let start = html.find(&format!("name=\"{name}\""))?;
    let tag = &html[start..start + html[start..].find('>')?];
    let value = &tag[tag.find("value=\"")? + "value=\"".len()..];
    Some(&value[..value.find('"')?])
}

/// The text of the element with `id`, when it is plain text.
pub fn text_of<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    text_after(html, &format!("id=\"{id}\""))
}

/// The text of the first element whose opening tag contains `marker`, when it is plain text.
pub fn text_after<'a>(html: &'a str, marker: &str) -> Option<&'a str> {
    let start = html.find(marker)?;
    let text = &html[start + html[start..].find('>')? + 1..];
    Some(&text[..text.find('<')?])
}

/// Text as the browser reads it: character references replaced by their characters.
pub fn decode_entities(html: &str) -> String {
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
pub fn links_to<'a>(html: &'a str, prefix: &str) -> Vec<&'a str> {
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
pub fn fieldset_tag(html: &str) -> &str {
    let start = html.find("<fieldset").expect("a fieldset");
    &html[start..start + html[start..].find('>').expect("a closed tag") + 1]
}
