//! A ticket's waiting list: `POST` to join, `DELETE` to leave, `GET` to see where you stand.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use boxoffice_domain::TicketId;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{CurrentUser, IdPath, Json, SignedIn};
use crate::waitlist::{WaitlistView, Waitlists};

/// Your place after joining.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Joined {
    /// 1 is next.
    pub position: u64,
    pub waiting: u64,
}

#[utoipa::path(post, path = "/api/tickets/{id}/waitlist", tag = "tickets", params(("id" = Uuid, Path)),
    responses((status = 201, description = "(ext) On the ticket's waiting list (joining twice is joining once): when the hold ends unpaid, the first member gets the ticket held for them", body = Joined),
        (status = 400, description = "Your e-mail address is not verified yet (`POST /api/users/verify` sends the link), or your own ticket, a ticket for sale or sold, one held for you, or 10 lists already", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 429, description = "30 waiting lists joined by this buyer this hour; see `Retry-After`", body = ErrorBody)))]
pub async fn join(
    State(waitlists): State<Waitlists>,
    SignedIn(user): SignedIn,
    IdPath(id): IdPath<TicketId>,
) -> Result<(StatusCode, Json<Joined>), ApiError> {
    let place = waitlists.join(id, user.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(Joined {
            position: place.position,
            waiting: place.waiting,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/tickets/{id}/waitlist", tag = "tickets", params(("id" = Uuid, Path)),
    responses((status = 204, description = "(ext) Off the ticket's waiting list"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn leave(
    State(waitlists): State<Waitlists>,
    SignedIn(user): SignedIn,
    IdPath(id): IdPath<TicketId>,
) -> Result<StatusCode, ApiError> {
    waitlists.leave(id, user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/tickets/{id}/waitlist", tag = "tickets", params(("id" = Uuid, Path)),
    responses((status = 200, description = "(ext) How many wait, and (signed in) where you stand", body = WaitlistView),
        (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(
    State(waitlists): State<Waitlists>,
    CurrentUser(user): CurrentUser,
    IdPath(id): IdPath<TicketId>,
) -> Result<Json<WaitlistView>, ApiError> {
    let view = waitlists.view(id, user.map(|user| user.id)).await?;
    Ok(Json(view))
}
