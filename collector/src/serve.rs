//! The HTTP server loop: the router over hyper, with the bounds an outsider
//! cannot get round. A request's headers must arrive within
//! `HEADER_TIMEOUT`, which also closes a kept-alive connection that sends
//! nothing more; at most `MAX_CONNECTIONS` are open at once, and one past
//! them is closed at once, so idle sockets never use up the process's file
//! descriptors (the common limit is 1,024) and lock every client out.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Time for a request's headers to arrive (and for an idle connection to send its next request).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections open at once: well under the common 1,024 file descriptors,
/// leaving room for the store's files.
pub const MAX_CONNECTIONS: usize = 768;

/// Serves `app` on `listener` until `shutdown` completes; then idle
/// connections close at once and the requests in progress are finished
/// (waiting at most `HEADER_TIMEOUT` for them).
pub async fn serve(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()>) {
    let open = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of descriptors or a connection reset while queued: try again shortly.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            drop(stream); // at the limit: closed now rather than left waiting
            continue;
        };
        let app = app.clone();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let _open = permit;
            let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                // The peer address is what per-IP rate limits count.
                request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                app.clone().oneshot(request.map(axum::body::Body::new))
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopping.changed() => {
                    // Finishes the request in progress, if any, then closes.
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    let _ = stop.send(true);
    let all = u32::try_from(MAX_CONNECTIONS).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(HEADER_TIMEOUT, open.acquire_many(all)).await;
}
