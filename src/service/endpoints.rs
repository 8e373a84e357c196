//! `/healthz`, `/readyz` and `/metrics` over plain HTTP/1 (hyper), for systemd watchdogs,
//! load balancers and Prometheus.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::readiness::Readiness;

/// How long `/metrics` waits for the outbox figures before answering without them.
const BACKLOG_WAIT: Duration = Duration::from_secs(2);
/// The text format prometheus-client writes (OpenMetrics), which Prometheus reads.
const METRICS_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The endpoints could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address is taken or not this machine's.
    #[error(
        "kan niet luisteren op {addr}: {source}; kies een ander adres met [service] listen of WANDELGANG_LISTEN, of \"\" voor uit / \
         cannot listen on {addr}: {source}; choose another address with [service] listen or WANDELGANG_LISTEN, or \"\" for off"
    )]
    Bind {
        /// The configured address.
        addr: SocketAddr,
        /// Why binding failed.
        source: std::io::Error,
    },
}

/// Binds `addr` at once (a taken port stops the start with a clear message), then answers in
/// the background until the returned task is aborted. Returns the bound address (useful with
/// port 0) and the task.
pub async fn serve(
    addr: SocketAddr,
    readiness: Readiness,
) -> Result<(SocketAddr, JoinHandle<()>), ServeError> {
    let bind = |source| ServeError::Bind { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(bind)?;
    let bound = listener.local_addr().map_err(bind)?;
    let task = tokio::spawn(accept(listener, Arc::new(readiness)));
    Ok((bound, task))
}

async fn accept(listener: TcpListener, readiness: Arc<Readiness>) {
    // Connection tasks live in the JoinSet, so aborting this task ends them too.
    let mut conns = tokio::task::JoinSet::new();
    loop {
        let tcp = match listener.accept().await {
            Ok((tcp, _)) => tcp,
            Err(e) => {
                // Out of file descriptors, say: wait a little rather than spin.
                tracing::warn!(%e, "health endpoint could not accept a connection");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let readiness = readiness.clone();
        conns.spawn(async move {
            let io = hyper_util::rt::TokioIo::new(tcp);
            let svc = hyper::service::service_fn(move |req| {
                let readiness = readiness.clone();
                async move { Ok::<_, Infallible>(answer(&readiness, &req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, svc)
                .await;
        });
        while conns.try_join_next().is_some() {}
    }
}

fn reply(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

async fn answer(readiness: &Readiness, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    const TEXT: &str = "text/plain; charset=utf-8";
    if req.method() != Method::GET {
        return reply(
            StatusCode::METHOD_NOT_ALLOWED,
            TEXT,
            "GET only\n".to_string(),
        );
    }
    match req.uri().path() {
        "/healthz" => reply(StatusCode::OK, TEXT, "ok\n".to_string()),
        "/readyz" => {
            let report = readiness.check().await;
            let status = match report.is_ready() {
                true => StatusCode::OK,
                false => StatusCode::SERVICE_UNAVAILABLE,
            };
            reply(status, TEXT, report.body())
        }
        "/metrics" => {
            let now = chrono::Utc::now();
            let backlog = tokio::time::timeout(BACKLOG_WAIT, readiness.store.backlog(now))
                .await
                .ok()
                .and_then(Result::ok);
            let text = readiness.metrics.render(backlog.as_ref(), now);
            reply(StatusCode::OK, METRICS_TYPE, text)
        }
        _ => reply(
            StatusCode::NOT_FOUND,
            TEXT,
            "not found; try /healthz, /readyz or /metrics\n".to_string(),
        ),
    }
}
