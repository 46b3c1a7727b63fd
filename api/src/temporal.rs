//! Connecting to Temporal.

use std::collections::HashMap;
use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions};

use boxoffice_workflows::search;
use temporalio_common::protos::temporal::api::enums::v1::IndexedValueType;
use temporalio_common::protos::temporal::api::operatorservice::v1::{
    AddSearchAttributesRequest, ListSearchAttributesRequest,
};
use temporalio_common::protos::temporal::api::workflowservice::v1::GetSystemInfoRequest;
use url::Url;

pub const TASK_QUEUE: &str = "purchase";

#[derive(Debug, thiserror::Error)]
pub enum TemporalConnectError {
    #[error("invalid Temporal address {0:?}")]
    Address(String),
    #[error("cannot reach Temporal at {address}: {message}")]
    Unreachable { address: String, message: String },
}

/// A namespace-bound client for `address` (`host:port` or a URL).
pub async fn connect(address: &str, namespace: &str) -> Result<Client, TemporalConnectError> {
    let url = if address.contains("://") {
        Url::parse(address)
    } else {
        Url::parse(&format!("http://{address}"))
    }
    .map_err(|_| TemporalConnectError::Address(address.to_owned()))?;
    let unreachable = |message: String| TemporalConnectError::Unreachable {
        address: address.to_owned(),
        message,
    };
    let connection = Connection::connect(
        ConnectionOptions::new(url)
            .identity(format!("boxoffice@{}", std::process::id()))
            .build(),
    )
    .await
    .map_err(|err| unreachable(err.to_string()))?;
    Client::new(connection, ClientOptions::new(namespace).build())
        .map_err(|err| unreachable(err.to_string()))
}

/// The frontend answers an RPC.
pub async fn is_ready(client: &Client) -> bool {
    client
        .connection()
        .workflow_service()
        .get_system_info(tonic::Request::new(GetSystemInfoRequest::default()))
        .await
        .is_ok()
}

/// Registers the saga's search attributes (all Keywords) where missing, through the operator
/// service, so no one has to run a CLI step before the first order.
pub async fn ensure_search_attributes(client: &Client) -> Result<(), tonic::Status> {
    let namespace = client.options().namespace.clone();
    let mut operator = client.connection().operator_service();
    let existing = operator
        .list_search_attributes(tonic::Request::new(ListSearchAttributesRequest {
            namespace: namespace.clone(),
        }))
        .await?
        .into_inner()
        .custom_attributes;
    let missing: HashMap<String, i32> = search::KEYWORDS
        .iter()
        .filter(|name| !existing.contains_key(**name))
        .map(|name| ((*name).to_owned(), IndexedValueType::Keyword as i32))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    tracing::info!(attributes = ?missing.keys().collect::<Vec<_>>(), "registering search attributes");
    match operator
        .add_search_attributes(tonic::Request::new(AddSearchAttributesRequest {
            search_attributes: missing,
            namespace,
        }))
        .await
    {
        // Another process registered them first.
        Err(status) if status.code() == tonic::Code::AlreadyExists => Ok(()),
        other => other.map(|_| ()),
    }
}
