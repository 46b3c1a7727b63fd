//! Connecting to Temporal, and registering what the saga needs of a namespace.

use std::collections::HashMap;

use temporalio_client::envconfig::{ConfigError, LoadClientConfigProfileOptions};
use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions};
use temporalio_common::envconfig::load_client_config_profile;

use boxoffice_workflows::search;
use temporalio_common::protos::temporal::api::enums::v1::IndexedValueType;
use temporalio_common::protos::temporal::api::operatorservice::v1::{
    AddSearchAttributesRequest, ListSearchAttributesRequest,
};

#[derive(Debug, thiserror::Error)]
pub enum TemporalConnectError {
    #[error("invalid Temporal client configuration: {0}")]
    Config(String),
    #[error("cannot reach Temporal at {address}: {message}")]
    Unreachable { address: String, message: String },
}

/// The namespace when neither a flag nor a profile names one.
pub const DEFAULT_NAMESPACE: &str = "default";

/// How to reach Temporal: the SDK's own client configuration — the environment
/// (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`, and
/// `TEMPORAL_PROFILE` / `TEMPORAL_CONFIG_FILE` for a `temporal.toml` profile), as the `temporal`
/// CLI and the other SDKs read it — with `address` and `namespace` from our flags on top. An API
/// key or a TLS setting turns TLS on (the system's roots unless a server CA is given); a client
/// certificate and key make it mutual TLS. `env` replaces the process environment (for tests).
pub fn client_config(
    address: Option<&str>,
    namespace: Option<&str>,
    env: Option<&HashMap<String, String>>,
) -> Result<(ConnectionOptions, ClientOptions), TemporalConnectError> {
    let config = |err: ConfigError| TemporalConnectError::Config(err.to_string());
    let mut profile = load_client_config_profile(LoadClientConfigProfileOptions::default(), env)
        .map_err(config)?;
    if let Some(address) = address {
        profile.address = Some(address.to_owned());
    }
    let namespace = namespace
        .map(str::to_owned)
        .or_else(|| profile.namespace.clone())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
    let mut connection = ConnectionOptions::try_from(profile).map_err(config)?;
    connection.identity = format!("boxoffice@{}", std::process::id());
    Ok((connection, ClientOptions::new(namespace).build()))
}

/// A namespace-bound client for `address` (`host:port` or a URL), configured as
/// [`client_config`] says.
pub async fn connect(address: &str, namespace: &str) -> Result<Client, TemporalConnectError> {
    connect_configured(Some(address), Some(namespace)).await
}

/// A namespace-bound client as [`client_config`] says; without `address`, the configuration's
/// own (a profile's, or `localhost:7233`).
pub async fn connect_configured(
    address: Option<&str>,
    namespace: Option<&str>,
) -> Result<Client, TemporalConnectError> {
    let (connection, options) = client_config(address, namespace, None)?;
    let target = connection.target.to_string();
    let unreachable = |message: String| TemporalConnectError::Unreachable {
        address: target.clone(),
        message,
    };
    let connection = Connection::connect(connection)
        .await
        .map_err(|err| unreachable(err.to_string()))?;
    Client::new(connection, options).map_err(|err| unreachable(err.to_string()))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_local_address_connects_in_plain_text() {
        let (connection, client) =
            client_config(Some("127.0.0.1:7233"), None, Some(&env(&[]))).unwrap();
        assert_eq!(connection.target.as_str(), "http://127.0.0.1:7233/");
        assert!(connection.tls_options.is_none() && connection.api_key.is_none());
        assert_eq!(client.namespace, "default");
    }

    #[test]
    fn the_namespace_comes_from_the_flag_then_the_configuration_then_default() {
        let vars = env(&[("TEMPORAL_NAMESPACE", "from-config")]);
        let namespace = |flag| client_config(None, flag, Some(&vars)).unwrap().1.namespace;
        assert_eq!(namespace(Some("from-flag")), "from-flag");
        assert_eq!(namespace(None), "from-config");
        let (_, client) = client_config(None, None, Some(&env(&[]))).unwrap();
        assert_eq!(client.namespace, DEFAULT_NAMESPACE);
    }

    #[test]
    fn an_api_key_connects_to_temporal_cloud_over_tls_with_the_system_roots() {
        let vars = env(&[
            ("TEMPORAL_ADDRESS", "shop.a1b2c.tmprl.cloud:7233"),
            ("TEMPORAL_API_KEY", "a-key"),
        ]);
        let (connection, _) = client_config(None, Some("shop.a1b2c"), Some(&vars)).unwrap();
        assert_eq!(
            connection.target.as_str(),
            "https://shop.a1b2c.tmprl.cloud:7233/"
        );
        assert_eq!(connection.api_key.as_deref(), Some("a-key"));
        let tls = connection.tls_options.expect("TLS");
        assert!(tls.server_root_ca_cert.is_none() && tls.client_tls_options.is_none());
    }

    #[test]
    fn a_client_certificate_and_key_make_mutual_tls_to_a_self_hosted_cluster() {
        let vars = env(&[
            ("TEMPORAL_TLS_CLIENT_CERT_DATA", "client cert"),
            ("TEMPORAL_TLS_CLIENT_KEY_DATA", "client key"),
            ("TEMPORAL_TLS_SERVER_CA_CERT_DATA", "our CA"),
            ("TEMPORAL_TLS_SERVER_NAME", "temporal.internal"),
        ]);
        let (connection, _) =
            client_config(Some("temporal.internal:7233"), Some("shop"), Some(&vars)).unwrap();
        assert_eq!(connection.target.scheme(), "https");
        let tls = connection.tls_options.expect("TLS");
        assert_eq!(tls.server_root_ca_cert.as_deref(), Some(&b"our CA"[..]));
        assert_eq!(tls.domain.as_deref(), Some("temporal.internal"));
        let client = tls.client_tls_options.expect("a client certificate");
        assert_eq!(client.client_cert, b"client cert");
        assert_eq!(client.client_private_key, b"client key");
    }

    #[test]
    fn a_certificate_without_its_key_is_refused() {
        let vars = env(&[("TEMPORAL_TLS_CLIENT_CERT_DATA", "client cert")]);
        let refused = client_config(Some("temporal.internal:7233"), Some("shop"), Some(&vars));
        assert!(matches!(refused, Err(TemporalConnectError::Config(_))));
    }
}
