//! Search attributes, so support staff can find orders in the Temporal UI and with
//! `temporal workflow list --query "OrderStatus = 'AwaitingPayment'"`. Ids only, never emails:
//! search attributes are not encrypted.

use temporalio_common::search_attributes::SearchAttributeKey;

pub const ORDER_ID: SearchAttributeKey<String> = SearchAttributeKey::keyword("OrderId");
pub const TICKET_ID: SearchAttributeKey<String> = SearchAttributeKey::keyword("TicketId");
pub const BUYER_ID: SearchAttributeKey<String> = SearchAttributeKey::keyword("BuyerId");
pub const ORDER_STATUS: SearchAttributeKey<String> = SearchAttributeKey::keyword("OrderStatus");
/// The staff member (a user id, never an e-mail) who refunded an order (`RefundWorkflow`).
pub const REFUNDED_BY: SearchAttributeKey<String> = SearchAttributeKey::keyword("RefundedBy");

/// Every custom attribute the saga uses; all are Keywords.
pub const KEYWORDS: [&str; 5] = [
    "OrderId",
    "TicketId",
    "BuyerId",
    "OrderStatus",
    "RefundedBy",
];
