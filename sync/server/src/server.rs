//! Assembling the app (API + console + layers) and serving it with graceful shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::extract::MatchedPath;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use dvc_protocol::{ErrorBody, ErrorCode};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::blobstore::FsBlobStore;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{Db, DbError};
use crate::otp::OtpSender;
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

/// Opens storage, migrates, and builds the state.
pub async fn build_state(
    db: Db,
    blobs_dir: &Path,
    cfg: Config,
    clock: Arc<dyn Clock>,
    otp: Arc<dyn OtpSender>,
) -> Result<AppState, StartError> {
    db.migrate().await?;
    let blobs = FsBlobStore::open(blobs_dir).map_err(|source| StartError::Io {
        context: format!("blob directory {}", blobs_dir.display()),
        source,
    })?;
    let seq = db.max_event_seq().await?;
    Ok(AppState::new(db, Arc::new(blobs), cfg, clock, otp, seq))
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(ErrorBody::new(ErrorCode::Internal, "internal error")),
    )
        .into_response()
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
        .fallback(crate::api::not_found)
        .method_not_allowed_fallback(crate::api::method_not_allowed)
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
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let st = state.clone();
    let router = app(state);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        st.feed.shut_down();
    })
    .await
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
