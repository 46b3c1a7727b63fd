//! Connecting to Temporal.

use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions};
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
