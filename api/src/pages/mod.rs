//! The storefront's pages: thin handlers that read through the same domain functions as the JSON
//! API, build view-models and render them with `boxoffice-web`. Every POST redirects.

mod account;
pub mod context;
mod cookies;
mod csrf;
pub mod error;
pub mod flash;
mod forms;
mod listings;
mod orders;
mod shop;
mod support;

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use boxoffice_web::view::{Moment, Page};
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::ApiError;
use crate::state::AppState;
use context::PageContext;
use error::{ErrorPage, PageError};

/// Every page, the assets they link to, and the site's 404 for any other path outside `/api/`.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(shop::home))
        .route(
            "/auth/signup",
            get(account::signup_page).post(account::signup),
        )
        .route(
            "/auth/signin",
            get(account::signin_page).post(account::signin),
        )
        .route(
            "/auth/signout",
            get(account::signout_page).post(account::signout),
        )
        .route("/account", get(account::account_page))
        .route(
            "/verify",
            get(account::verify).post(account::request_verification),
        )
        .route(
            "/password-reset",
            get(account::forgot_password_page).post(account::forgot_password),
        )
        .route(
            "/password-reset/confirm",
            get(account::new_password_page).post(account::new_password),
        )
        .route("/tickets/new", get(shop::new_ticket_page).post(shop::sell))
        .route(
            "/tickets/{id}",
            get(shop::ticket_page).post(shop::edit_ticket),
        )
        .route("/tickets/{id}/order", axum::routing::post(shop::buy))
        .route(
            "/tickets/{id}/withdraw",
            axum::routing::post(shop::withdraw),
        )
        .route(
            "/tickets/{id}/waitlist",
            axum::routing::post(shop::join_waitlist),
        )
        .route(
            "/tickets/{id}/waitlist/leave",
            axum::routing::post(shop::leave_waitlist),
        )
        .route("/orders", get(orders::orders_page))
        .route("/listings", get(listings::listings_page))
        .route("/orders/{id}", get(orders::order_page))
        .route("/orders/{id}/pay", axum::routing::post(orders::pay))
        .route(
            "/orders/{id}/cancel",
            get(orders::cancel_page).post(orders::cancel),
        )
        .route("/support", get(support::support_page))
        .route(
            "/support/orders/{id}/refund",
            axum::routing::post(support::refund),
        );
    // Assets need no session, CSRF cookie or flash: they stay outside the page frame.
    let mut assets = Router::new().route(
        "/favicon.ico",
        get(|| serve_asset(&boxoffice_web::assets::ICON)),
    );
    for asset in boxoffice_web::assets::ALL {
        assets = assets.route(asset.path, get(move || serve_asset(asset)));
    }
    pages
        .fallback(not_found)
        .method_not_allowed_fallback(|| async { PageError::MethodNotAllowed })
        .layer(CatchPanicLayer::custom(|_| error::server_error()))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::frame,
        ))
        .merge(assets)
        .layer(axum::middleware::from_fn(crate::metrics::record_http))
        .with_state(state)
}

/// A moment as the pages show it: UTC, in words, and RFC 3339 for the reader's own time zone.
pub(crate) fn moment(at: chrono::DateTime<chrono::Utc>) -> Moment {
    Moment {
        iso: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        utc: at.format("%-d %b %Y, %H:%M UTC").to_string(),
    }
}

pub(crate) fn render(context: &PageContext, page: &Page) -> Html<String> {
    Html(boxoffice_web::render(&context.chrome(), page))
}

async fn serve_asset(asset: &'static boxoffice_web::assets::Asset) -> Response {
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            // The path carries a hash of the content, so it never changes under a cached copy.
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        asset.body,
    )
        .into_response()
}

/// No route: the JSON API answers in its own shape, everything else with the site's 404 page.
async fn not_found(request: Request) -> Response {
    if request.uri().path().starts_with("/api/") {
        ApiError::NoRoute.into_response()
    } else {
        ErrorPage::not_found().into_response()
    }
}

/// The `{id}` of a page path, the id of a record (`OrderId`, `TicketId`); anything but a UUID is a
/// page that does not exist.
pub struct PageId<Id>(pub Id);

impl<S: Send + Sync, Id: std::str::FromStr> FromRequestParts<S> for PageId<Id> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| PageError::NotFound)?;
        raw.parse().map(PageId).map_err(|_| PageError::NotFound)
    }
}
