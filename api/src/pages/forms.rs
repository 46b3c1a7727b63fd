//! Posted forms: CSRF-checked fields, and what happens when the domain refuses them.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use boxoffice_domain::{OrderId, TicketId};
use boxoffice_web::view::CSRF_FIELD;
use serde_json::Value;

use crate::auth::{SessionKeys, SessionUser};
use crate::pages::PageId;
use crate::pages::context::PageContext;
use crate::pages::error::{PageError, Refusal};
use crate::pages::flash::{Flash, redirect_with};
use crate::state::AppState;

/// The fields of a form posted from one of our pages, its CSRF token checked.
#[derive(Debug, Clone, Default)]
pub struct Fields(BTreeMap<String, String>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A field as the JSON value the domain parsers take: a form sends only text.
    pub fn text(&self, name: &str) -> Option<Value> {
        self.get(name).map(|text| Value::String(text.to_owned()))
    }

    /// A money field ("19.99", "$19.99"): the text without its dollar sign, which the price
    /// parser reads as it reads the original's string prices.
    pub fn amount(&self, name: &str) -> Option<Value> {
        let text = self.get(name)?.trim().trim_start_matches('$');
        (!text.is_empty()).then(|| Value::String(text.to_owned()))
    }

    /// After the form: back to `location` with the notice when it worked, or (see
    /// [`Self::refused`]) with the input and why it did not.
    pub fn back_to(
        self,
        location: &str,
        done: Result<String, Refusal>,
        keys: &SessionKeys,
    ) -> Response {
        match done {
            Ok(notice) => redirect_with(location, Flash::notice(notice), keys),
            Err(refusal) => self.refused(location, refusal, keys),
        }
    }

    /// The form was refused: back to `location` with the input and the messages, or an error
    /// page when the thing it was about does not exist or it is not the user's input that is wrong.
    pub fn refused(
        self,
        location: &str,
        refusal: impl Into<Refusal>,
        keys: &SessionKeys,
    ) -> Response {
        let errors = match refusal.into() {
            Refusal::Messages(errors) => errors
                .into_iter()
                .map(|error| (error.field, error.message))
                .collect(),
            Refusal::NotFound => return PageError::NotFound.into_response(),
            Refusal::Internal(err) => return PageError::Internal(err).into_response(),
        };
        redirect_with(location, Flash::rejected(self.0, errors), keys)
    }
}

/// Extracts [`Fields`] from an urlencoded POST whose CSRF token matches the browser's cookie.
pub struct CsrfForm(pub Fields);

impl FromRequest<AppState> for CsrfForm {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let context = PageContext::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(|rejection| PageError::BadRequest(rejection.body_text()))?;
        let mut fields = BTreeMap::new();
        for (name, value) in pairs {
            // The first value of a repeated field wins, as in most frameworks.
            fields.entry(name).or_insert(value);
        }
        let token = fields.get(CSRF_FIELD).map_or("", String::as_str);
        if !context.verify_csrf(token, &state.sessions) {
            return Err(PageError::Forbidden);
        }
        Ok(Self(Fields(fields)))
    }
}

/// A record with a page of its own (`/tickets/{id}`, `/orders/{id}`), where the forms about it are
/// and to which they answer.
pub trait RecordPage {
    fn page(&self) -> String;
}

impl RecordPage for TicketId {
    fn page(&self) -> String {
        format!("/tickets/{self}")
    }
}

impl RecordPage for OrderId {
    fn page(&self) -> String {
        format!("/orders/{self}")
    }
}

/// A form posted from a record's page (Buy, Pay, Cancel, Edit…) by a signed-in user: the record's
/// id from the path (a 404 when it is no id), the [`CsrfForm`]'s fields, and the user (signed out:
/// a redirect to sign in that comes back to the page).
pub struct RecordForm<Id> {
    pub id: Id,
    pub user: SessionUser,
    pub fields: Fields,
    here: String,
    keys: Arc<SessionKeys>,
}

impl<Id> RecordForm<Id> {
    /// Back to the record's page: with `done`'s notice, or with the input and why it was refused.
    pub fn back(self, done: Result<String, impl Into<Refusal>>) -> Response {
        self.fields
            .back_to(&self.here, done.map_err(Into::into), &self.keys)
    }

    /// Back to the record's page with the input and why it was refused.
    pub fn refused(self, refusal: impl Into<Refusal>) -> Response {
        self.fields.refused(&self.here, refusal, &self.keys)
    }

    /// On to `location` (another page) with `notice`.
    pub fn on_to(self, location: &str, notice: &str) -> Response {
        redirect_with(location, Flash::notice(notice), &self.keys)
    }
}

impl<Id> FromRequest<AppState> for RecordForm<Id>
where
    Id: RecordPage + std::str::FromStr + Send,
{
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let PageId(id) = PageId::<Id>::from_request_parts(&mut parts, state).await?;
        let context = PageContext::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let CsrfForm(fields) = CsrfForm::from_request(request, state).await?;
        let here = id.page();
        let user = context.require_user(&here)?.clone();
        Ok(Self {
            id,
            user,
            fields,
            here,
            keys: Arc::clone(&state.sessions),
        })
    }
}
