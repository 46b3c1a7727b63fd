//! HTTP handlers: parse, call one domain function, map the result.

pub mod health;
pub mod listings;
pub mod orders;
pub mod payments;
pub mod support;
pub mod tickets;
pub mod users;
pub mod waitlist;
pub mod webhooks;

use axum::http::{HeaderMap, HeaderValue, header};
use std::fmt::Display;
use std::str::FromStr;

use serde::Deserialize;

use crate::domain::Invalid;
use crate::listing;

/// `?after=<id>&limit=<n>` of a paginated list; both optional.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// (ext) The id of the last row of the previous page (from the `Link` header).
    #[param(value_type = Option<Uuid>)]
    pub after: Option<String>,
    /// (ext) How many rows, 1–100; default 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

impl PageQuery {
    pub fn request<Id: FromStr>(
        &self,
    ) -> Result<boxoffice_activities::store::PageRequest<Id>, Invalid> {
        listing::page_request(self.after.as_deref(), self.limit.as_deref())
    }
}

/// `Link: <path?after=…&limit=…>; rel="next"` when there is a next page (`path` may carry a
/// query of its own, a search's).
pub fn next_link(path: &str, next_after: Option<impl Display>, limit: u64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(after) = next_after {
        let separator = if path.contains('?') { '&' } else { '?' };
        let link = format!("<{path}{separator}after={after}&limit={limit}>; rel=\"next\"");
        if let Ok(value) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, value);
        }
    }
    headers
}
