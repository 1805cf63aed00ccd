//! A web service that validates its secrets when it starts (issue 5).
//!
//! - The manifest is found as the CLI finds it (`SECRETARY_MANIFEST`, else
//!   `secrets.toml` here or in a parent).
//! - With any secret missing or invalid, the service prints the full report (keys,
//!   descriptions, what is wrong; never a value) and exits 1 without listening.
//! - Otherwise it listens on `127.0.0.1:$PORT` (default 8000) and serves `GET /healthz`:
//!   the environment, how many secrets were validated, and where each came from. No
//!   values.
//!
//! ```sh
//! cd examples/faceless-youtube && cargo run -p secretary --example service
//! curl -s 127.0.0.1:8000/healthz
//! ```

#![expect(
    clippy::disallowed_macros,
    reason = "an example application reports its start-up failures as applications do, with eprintln"
)]

use std::collections::BTreeMap;
use std::process::ExitCode;

use axum::Json;
use axum::Router;
use axum::routing::get;
use secretary::SecretManager;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(serve())
}

async fn serve() -> ExitCode {
    let secrets = match SecretManager::discover().map(secretary::SecretManagerBuilder::build) {
        Ok(Ok(secrets)) => secrets,
        Ok(Err(error)) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let report = match secrets.validate().await {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: refusing to start: {error}");
            return ExitCode::from(1);
        }
    };
    // Where each secret came from: source name and locator, never the value.
    let sources: BTreeMap<String, serde_json::Value> = report
        .resolutions
        .iter()
        .map(|resolution| {
            let origin = resolution.origin.as_ref().map_or(
                serde_json::Value::Null,
                |o| serde_json::json!({ "source": o.source(), "locator": o.to_string() }),
            );
            (resolution.key().to_owned(), origin)
        })
        .collect();
    let validated = report.resolutions.len();
    let health = serde_json::json!({
        "status": "ok",
        "environment": secrets.environment(),
        "secrets_validated": validated,
        "sources": sources,
    });
    let app = Router::new().route("/healthz", get(move || async move { Json(health) }));
    let port = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse::<u16>().ok())
        .unwrap_or(8000);
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {error}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "listening on 127.0.0.1:{port} ({validated} secrets valid in `{}`)",
        secrets.environment()
    );
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}
