//! Assembling the app (API + console + layers) and serving it with graceful shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath};
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use dvc_protocol::{ErrorBody, ErrorCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutBody;
use tower_http::trace::TraceLayer;

use crate::blobstore::{BlobStore, FsBlobStore};
use crate::clock::Clock;
use crate::config::{Config, HttpLimits};
use crate::db::{Db, DbError};
use crate::notify::{Notifier, Notifiers};
use crate::state::AppState;

/// Start-up failures.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Database.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Blob directory or socket.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Opens storage, migrates, and builds the state, with `otp` sending one-time codes (and no
/// status messages).
pub async fn build_state(
    db: Db,
    blobs_dir: &Path,
    cfg: Config,
    clock: Arc<dyn Clock>,
    otp: Arc<dyn Notifier>,
) -> Result<AppState, StartError> {
    build_state_with(db, blobs_dir, cfg, clock, Notifiers::otp_only(otp)).await
}

/// Opens storage, migrates, and builds the state with these message senders.
pub async fn build_state_with(
    db: Db,
    blobs_dir: &Path,
    cfg: Config,
    clock: Arc<dyn Clock>,
    notify: Notifiers,
) -> Result<AppState, StartError> {
    let blobs = FsBlobStore::open(blobs_dir).map_err(|source| StartError::Io {
        context: format!("blob directory {}", blobs_dir.display()),
        source,
    })?;
    build_state_on(db, Arc::new(blobs), cfg, clock, notify).await
}

/// Migrates and builds the state on an opened blob store (the filesystem or S3: see
/// [`crate::blobstore::BlobLocation::open`]).
pub async fn build_state_on(
    db: Db,
    blobs: Arc<dyn BlobStore>,
    cfg: Config,
    clock: Arc<dyn Clock>,
    notify: Notifiers,
) -> Result<AppState, StartError> {
    db.migrate().await?;
    let seq = db.max_event_seq().await?;
    Ok(AppState::new(db, blobs, cfg, clock, notify, seq))
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(ErrorBody::new(ErrorCode::Internal, "internal error")),
    )
        .into_response()
}

fn is_console(uri: &axum::http::Uri) -> bool {
    uri.path() == "/console" || uri.path().starts_with("/console/")
}

/// No route: a console page under `/console`, else the API's `404.1`.
async fn not_found(uri: axum::http::Uri) -> Response {
    if is_console(&uri) {
        crate::console::unrouted(StatusCode::NOT_FOUND)
    } else {
        crate::api::not_found().await.into_response()
    }
}

/// A known path with another method: a console page under `/console`, else the API's `405.1`.
async fn method_not_allowed(uri: axum::http::Uri) -> Response {
    if is_console(&uri) {
        crate::console::unrouted(StatusCode::METHOD_NOT_ALLOWED)
    } else {
        crate::api::method_not_allowed().await.into_response()
    }
}

/// The whole HTTP app.
pub fn app(state: AppState) -> Router {
    let (api, _) = crate::api::router();
    let api = api.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        crate::api::api_layer,
    ));
    let console = crate::console::router(&state)
        .layer(axum::middleware::from_fn(crate::console::headers_layer));
    let openapi_json =
        serde_json::to_string(&crate::api::openapi()).unwrap_or_else(|_| "{}".into());
    Router::new()
        .merge(api)
        .route(
            dvc_protocol::paths::OPENAPI,
            axum::routing::get(move || {
                let body = openapi_json.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        body,
                    )
                }
            }),
        )
        .merge(console)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_timeout,
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                // Route templates only: never the concrete URI (ids) or query (search text).
                let route = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default();
                tracing::info_span!("http", method = %req.method(), route = %route)
            }),
        )
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

/// A server running in this process (tests, benchmarks).
pub struct RunningServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its state.
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// `http://addr`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Graceful shutdown: stop accepting, wake long-polls, finish in-flight requests.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.handle.await.map_err(std::io::Error::other)?
    }
}

/// Serves `state` on `listener` until `shutdown` resolves.
///
/// Our own accept loop rather than `axum::serve`, for what that one does not offer: a header-read
/// timeout (which also closes idle kept-alive connections), a pause limit on request bodies, and a
/// cap on open connections ([`crate::config::HttpLimits`]). The per-request timeout is a layer of
/// [`app`]. At the cap the loop stops accepting, so further clients wait in the kernel's listen
/// queue instead of being served slowly.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.cfg.http;
    let router = app(state.clone());
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let cleanup = tokio::spawn(crate::cleanup::run_periodically(
        state.clone(),
        stop_rx.clone(),
    ));
    // Event commits of the other processes on the same PostgreSQL wake this one's long-polls.
    let events_listener = {
        let st = state.clone();
        tokio::spawn(crate::feed::listen(
            state.db.clone(),
            FeedOf(st),
            stop_rx.clone(),
        ))
    };
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break, // the semaphore is never closed
            },
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        while connections.try_join_next().is_some() {}
        let _ = stream.set_nodelay(true);
        connections.spawn(serve_connection(
            stream,
            remote,
            router.clone(),
            limits,
            stop_rx.clone(),
            slot,
        ));
    }
    tracing::info!("shutting down: finishing in-flight requests");
    drop(listener);
    state.feed.shut_down();
    let _ = stop_tx.send(true);
    while connections.join_next().await.is_some() {}
    let _ = cleanup.await;
    let _ = events_listener.await;
    Ok(())
}

/// The state's feed, owned (for the listener task).
struct FeedOf(AppState);

impl std::ops::Deref for FeedOf {
    type Target = crate::feed::Feed;
    fn deref(&self) -> &crate::feed::Feed {
        &self.0.feed
    }
}

/// One HTTP/1.1 connection, until the client leaves, a timeout fires or the server stops (then
/// the request in flight is finished first).
async fn serve_connection(
    stream: tokio::net::TcpStream,
    remote: SocketAddr,
    router: Router,
    limits: HttpLimits,
    mut stop: tokio::sync::watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
        let mut req = req.map(|body| Body::new(TimeoutBody::new(limits.body_idle_timeout, body)));
        req.extensions_mut().insert(ConnectInfo(remote));
        router.clone().oneshot(req)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut stopping = *stop.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(err) = result {
                    // Timeouts, resets, malformed requests: the client's business, not ours.
                    tracing::debug!(error = %err, "connection closed with an error");
                }
                break;
            }
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_err() || *stop.borrow() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Routes whose answer may legitimately take long: the event long-poll (its wait is bounded by
/// [`dvc_protocol::events::MAX_WAIT_S`]).
const LONG_POLL_PATHS: &[&str] = &[dvc_protocol::paths::EVENTS];

/// Answers `503.1` when a request takes longer than [`HttpLimits::request_timeout`] (the long-poll
/// excepted). A push (`POST /v1/push`) is covered only until its answer starts, once its head is
/// read; its streamed rest has its own limits (the body pause, [`crate::api::push::IDLE_TIMEOUT`]
/// and [`crate::api::push::max_duration`]). The handler is dropped: every handler is safe to stop at an await point (writes are
/// single transactions; an upload chunk not yet recorded is cut off at the next write).
async fn request_timeout(
    axum::extract::State(st): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if LONG_POLL_PATHS.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    match tokio::time::timeout(st.cfg.http.request_timeout, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!("request timed out");
            crate::error::ApiError::new(
                ErrorCode::Unavailable,
                "the request took too long; try again",
            )
            .into_response()
        }
    }
}

/// Binds `addr` (port 0 for any) and serves in the background.
pub async fn spawn(addr: &str, state: AppState) -> Result<RunningServer, StartError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Io {
            context: format!("bind {addr}"),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Io {
        context: "local addr".into(),
        source,
    })?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let st = state.clone();
    let handle = tokio::spawn(serve(listener, st, async move {
        let _ = rx.await;
    }));
    Ok(RunningServer {
        addr,
        state,
        stop: Some(tx),
        handle,
    })
}
