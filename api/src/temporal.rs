//! What the gateway asks of Temporal beyond its workflows: whether it answers.

use temporalio_client::Client;
use temporalio_common::protos::temporal::api::workflowservice::v1::GetSystemInfoRequest;

/// The frontend answers an RPC.
pub async fn is_ready(client: &Client) -> bool {
    client
        .connection()
        .workflow_service()
        .get_system_info(temporalio_client::tonic::Request::new(
            GetSystemInfoRequest::default(),
        ))
        .await
        .is_ok()
}
