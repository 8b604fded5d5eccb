//! A small HTTP/1.1 client over hyper's pooled client, and the response
//! shape both sides use.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client as Pooled;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::cart::Error;

/// How long any one exchange may take before it counts as failed.
const TIMEOUT: Duration = Duration::from_secs(3);

/// A pooled client; cheap to clone.
#[derive(Clone)]
pub(crate) struct Client {
    inner: Pooled<HttpConnector, Full<Bytes>>,
}

/// A response, read whole.
pub(crate) struct Reply {
    /// The status.
    pub(crate) status: StatusCode,
    /// The headers.
    pub(crate) headers: hyper::HeaderMap,
    /// The body.
    pub(crate) body: Bytes,
}

/// Why an exchange failed.
#[derive(Debug)]
pub(crate) enum SendError {
    /// Nothing accepted the connection: the instance is not listening.
    Refused,
    /// Anything else (reset, timeout, bad response).
    Other(Error),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Refused => f.write_str("connection refused"),
            SendError::Other(e) => write!(f, "{e}"),
        }
    }
}

impl Client {
    /// A client with a small idle pool per host.
    pub(crate) fn new() -> Client {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_millis(500)));
        let inner = Pooled::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(5))
            .build(connector);
        Client { inner }
    }

    /// Sends one request and reads the whole response.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<Reply, SendError> {
        let mut request = Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request =
            request.body(Full::new(Bytes::from(body))).map_err(|e| SendError::Other(e.into()))?;
        let exchange = async {
            let response = self.inner.request(request).await.map_err(|e| {
                if e.is_connect() { SendError::Refused } else { SendError::Other(e.into()) }
            })?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(|e| SendError::Other(e.into()))?.to_bytes();
            Ok(Reply { status: parts.status, headers: parts.headers, body })
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| Err(SendError::Other("timed out".into())))
    }
}

impl Reply {
    /// A header as text, if present.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text.
    pub(crate) fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or("")
    }
}
