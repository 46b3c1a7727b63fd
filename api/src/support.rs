//! The support desk: staff find a customer's orders (by e-mail, order id or ticket id) and refund
//! a paid one through its `RefundWorkflow`. Staff rights are read from the database on every
//! request, so a revoked member loses them at once; to everyone else the desk does not exist.

use std::time::Duration;

use boxoffice_activities::entities::user;
use boxoffice_activities::refund::RefundRequest;
use boxoffice_activities::store::StoreError;
use boxoffice_activities::store::support::{self, SupportOrder, SupportQuery};
use boxoffice_activities::store::users;
use boxoffice_domain::{OrderId, TicketId};
use boxoffice_workflows::refund::start::{self as refund_start, RefundError};
use boxoffice_workflows::{PurchaseWorkflow, RefundOutcome, workflow_id};
use sea_orm::DatabaseConnection;
use serde_json::Value;
use temporalio_client::{Client, WorkflowQueryOptions};

use crate::auth::SessionUser;
use crate::domain::{Email, FieldError, Invalid};

/// How long a search waits for an order's saga to name the card it charged.
const CARD_LOOKUP: Duration = Duration::from_secs(2);

/// The most characters a refund's reason may have.
pub const MAX_REASON_CHARS: usize = 500;

#[derive(Clone)]
pub struct Support {
    pub reader: DatabaseConnection,
    pub temporal: Client,
    /// The task queue the refunds run on (the purchase saga's).
    pub task_queue: String,
    /// The Temporal UI's base URL, for links to workflows.
    pub temporal_ui_url: Option<String>,
}

/// Not signed in, or not staff: the desk answers as if it did not exist.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("No such route")]
pub struct NotStaff;

/// Why a search or refund did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SupportError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The refund was refused, saying why.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Temporal(anyhow::Error),
}

/// An order as the desk shows it: the order, and links to its workflows in the Temporal UI.
#[derive(Debug, Clone)]
pub struct DeskOrder {
    pub found: SupportOrder,
    /// "visa ending 4242", as the order's saga says, when it could say in time.
    pub card: Option<String>,
    pub workflow_url: Option<String>,
    pub refund_workflow_url: Option<String>,
}

impl Support {
    /// The signed-in user if they are staff now.
    pub async fn staff(&self, user: Option<&SessionUser>) -> Result<user::Model, NotStaff> {
        let user = user.ok_or(NotStaff)?;
        match users::find_user(&self.reader, user.id).await {
            Ok(Some(found)) if found.staff => Ok(found),
            Ok(_) => Err(NotStaff),
            Err(err) => {
                tracing::warn!(error = %err, "could not look up staff rights; refusing");
                Err(NotStaff)
            }
        }
    }

    /// The orders `query` finds, newest first, each with the card its saga charged.
    pub async fn search(&self, query: &SupportQuery) -> Result<Vec<DeskOrder>, SupportError> {
        let found = support::find_orders(&self.reader, query).await?;
        let lookups = found.iter().map(|order| self.card_of(order));
        let cards = futures::future::join_all(lookups).await;
        Ok(found
            .into_iter()
            .zip(cards)
            .map(|(found, card)| self.desk_order(found, card))
            .collect())
    }

    /// One order, as the desk shows it.
    pub async fn order(&self, order_id: OrderId) -> Result<Option<DeskOrder>, SupportError> {
        Ok(self
            .search(&SupportQuery::Order(order_id))
            .await?
            .into_iter()
            .next())
    }

    /// Refunds the order as `staff` for `reason`, through its `RefundWorkflow`; waits for it.
    pub async fn refund(
        &self,
        staff: &user::Model,
        order_id: OrderId,
        reason: &str,
    ) -> Result<RefundOutcome, SupportError> {
        let reason =
            parse_reason(Some(&Value::String(reason.to_owned()))).map_err(Invalid::from)?;
        let request = RefundRequest {
            order_id,
            staff_id: staff.id,
            reason,
        };
        tracing::info!(%order_id, staff_id = %staff.id, workflow_id = %refund_start::workflow_id(order_id), "refund requested");
        refund_start::refund(&self.temporal, &self.task_queue, request)
            .await
            .map_err(|err| match err {
                RefundError::Refused(reason) => SupportError::Refused(reason),
                other => SupportError::Temporal(other.into()),
            })
    }

    /// The card a paid order was charged to: recorded with its payment, or, for payments made
    /// before cards were recorded, as its saga tells (`None` when it cannot say in time).
    async fn card_of(&self, found: &SupportOrder) -> Option<String> {
        let payment = found.payment.as_ref()?;
        if let Some(card) = &payment.card {
            return Some(card.clone());
        }
        let handle = self
            .temporal
            .get_workflow_handle::<PurchaseWorkflow>(workflow_id(found.order.id));
        let status = handle.query(
            PurchaseWorkflow::status,
            (),
            WorkflowQueryOptions::default(),
        );
        match tokio::time::timeout(CARD_LOOKUP, status).await {
            Ok(Ok(status)) => status.card,
            _ => None,
        }
    }

    fn desk_order(&self, found: SupportOrder, card: Option<String>) -> DeskOrder {
        let refund_workflow_url = found
            .order
            .refund_state
            .as_ref()
            .and_then(|_| self.workflow_url(&refund_start::workflow_id(found.order.id)));
        DeskOrder {
            workflow_url: self.workflow_url(&workflow_id(found.order.id)),
            refund_workflow_url,
            found,
            card,
        }
    }

    /// The workflow's page in the Temporal UI.
    fn workflow_url(&self, workflow_id: &str) -> Option<String> {
        let base = self.temporal_ui_url.as_deref()?.trim_end_matches('/');
        let namespace = &self.temporal.options().namespace;
        Some(format!(
            "{base}/namespaces/{namespace}/workflows/{workflow_id}"
        ))
    }
}

/// `?email=…`, `?orderId=…` or `?ticketId=…`: exactly one.
pub fn parse_query(
    email: Option<&str>,
    order_id: Option<&str>,
    ticket_id: Option<&str>,
) -> Result<SupportQuery, Invalid> {
    fn given(value: Option<&str>) -> Option<&str> {
        value.map(str::trim).filter(|v| !v.is_empty())
    }
    match (given(email), given(order_id), given(ticket_id)) {
        (Some(email), None, None) => Email::parse(Some(&Value::String(email.to_owned())))
            .map(|email| SupportQuery::Email(email.as_str().to_owned()))
            .map_err(Invalid::from),
        (None, Some(id), None) => id
            .parse::<OrderId>()
            .map(SupportQuery::Order)
            .map_err(|_| FieldError::new("orderId", "orderId must be a valid id").into()),
        (None, None, Some(id)) => id
            .parse::<TicketId>()
            .map(SupportQuery::Ticket)
            .map_err(|_| FieldError::new("ticketId", "ticketId must be a valid id").into()),
        _ => Err(Invalid(vec![FieldError {
            message: "Search by exactly one of email, orderId or ticketId".to_owned(),
            field: None,
        }])),
    }
}

/// A refund's reason: required, at most [`MAX_REASON_CHARS`] characters.
pub fn parse_reason(raw: Option<&Value>) -> Result<String, FieldError> {
    let reason = match raw {
        Some(Value::String(text)) => text.trim(),
        None | Some(Value::Null) => "",
        Some(_) => return Err(FieldError::new("reason", "reason must be a string")),
    };
    if reason.is_empty() {
        return Err(FieldError::new("reason", "A reason is required"));
    }
    if reason.chars().count() > MAX_REASON_CHARS
        || reason.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(FieldError::new(
            "reason",
            format!(
                "A reason is at most {MAX_REASON_CHARS} characters, without control characters"
            ),
        ));
    }
    Ok(reason.to_owned())
}
