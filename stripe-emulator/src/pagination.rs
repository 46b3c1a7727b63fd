//! Stripe's list endpoints: newest first, `limit`, cursor paging with `starting_after` /
//! `ending_before`, and `created` filters.

use serde_json::{Value, json};

use crate::errors::ApiError;
use crate::form::Params;

/// The parameters every list endpoint takes; endpoints add their own filters.
const LIST_PARAMS: &[&str] = &[
    "limit",
    "starting_after",
    "ending_before",
    "created",
    "expand",
];

/// A list endpoint's parameters from its query string: [`LIST_PARAMS`] and the endpoint's own
/// `filters`, anything else refused.
pub(crate) fn list_params(query: Option<String>, filters: &[&str]) -> Result<Params, ApiError> {
    let known: Vec<&str> = LIST_PARAMS.iter().chain(filters).copied().collect();
    Params::parse_known(query.unwrap_or_default().as_bytes(), &known)
}

/// An object that list endpoints can return.
pub(crate) trait Listable {
    fn id(&self) -> &str;
    /// Creation order, which is also list order.
    fn sequence(&self) -> u64;
    fn created(&self) -> i64;
    fn to_json(&self) -> Value;
}

/// One page of `items` (already filtered by the endpoint) as a Stripe list object.
/// `object_name` words cursor errors, e.g. "No such payment_intent: 'pi_…'".
pub(crate) fn page<'a, T: Listable + 'a>(
    items: impl Iterator<Item = &'a T>,
    params: &Params,
    url: &str,
    object_name: &str,
) -> Result<Value, ApiError> {
    let limit = params.integer("limit")?.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid_param(
            "limit",
            "This value must be greater than or equal to 1 and less than or equal to 100.",
        ));
    }
    let limit = usize::try_from(limit).unwrap_or(10);
    let created = CreatedFilter::from_params(params)?;

    let mut newest_first: Vec<&T> = items
        .filter(|item| created.admits(item.created()))
        .collect();
    newest_first.sort_by_key(|item| std::cmp::Reverse(item.sequence()));

    let position = |param: &str, id: &str| {
        newest_first
            .iter()
            .position(|item| item.id() == id)
            .ok_or_else(|| ApiError::no_such(object_name, id, param))
    };
    let (window, has_more): (&[&T], bool) = if let Some(cursor) = params.non_empty("starting_after")
    {
        let older = newest_first
            .get(position("starting_after", cursor)? + 1..)
            .unwrap_or_default();
        (&older[..older.len().min(limit)], older.len() > limit)
    } else if let Some(cursor) = params.non_empty("ending_before") {
        let newer = newest_first
            .get(..position("ending_before", cursor)?)
            .unwrap_or_default();
        (
            &newer[newer.len().saturating_sub(limit)..],
            newer.len() > limit,
        )
    } else {
        (
            &newest_first[..newest_first.len().min(limit)],
            newest_first.len() > limit,
        )
    };

    Ok(json!({
        "object": "list",
        "data": window.iter().map(|item| item.to_json()).collect::<Vec<_>>(),
        "has_more": has_more,
        "url": url,
    }))
}

/// `created=<ts>` or any of `created[gt|gte|lt|lte]=<ts>`.
#[derive(Debug, Default)]
struct CreatedFilter {
    gt: Option<i64>,
    gte: Option<i64>,
    lt: Option<i64>,
    lte: Option<i64>,
}

impl CreatedFilter {
    fn from_params(params: &Params) -> Result<Self, ApiError> {
        params.reject_unknown_within("created", &["gt", "gte", "lt", "lte"])?;
        let exact = params.integer("created")?;
        Ok(Self {
            gt: params.integer("created[gt]")?,
            gte: params.integer("created[gte]")?.or(exact),
            lt: params.integer("created[lt]")?,
            lte: params.integer("created[lte]")?.or(exact),
        })
    }

    fn admits(&self, created: i64) -> bool {
        self.gt.is_none_or(|bound| created > bound)
            && self.gte.is_none_or(|bound| created >= bound)
            && self.lt.is_none_or(|bound| created < bound)
            && self.lte.is_none_or(|bound| created <= bound)
    }
}
