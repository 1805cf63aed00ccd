//! A cached `SecretManager::get` from 8 threads at once (issue 5). Target: median under
//! 100 ns per call, and at least 10x faster than the Python accessor of the same shape
//! (`bench/get_python.py`, a `functools.lru_cache`d method), run by `bench/get.sh`.
//!
//!     cargo bench -p secretary --bench get

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    reason = "a benchmark; iteration counts are far below 2^52"
)]

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use secretary::{SecretManager, Variables};

fn cached_get(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/faceless-youtube"
    );
    std::fs::copy(
        format!("{example}/secrets.toml"),
        dir.path().join("secrets.toml"),
    )
    .unwrap();
    let vars = Variables::from_pairs([
        ("DATABASE_URL", "postgresql://app:pw@db:5432/app"),
        ("POSTGRES_USER", "app"),
        ("POSTGRES_PASSWORD", "a-long-password"),
        ("SECRET_KEY", "0123456789abcdef0123456789abcdef"),
        ("ENVIRONMENT", "development"),
    ]);
    let secrets = SecretManager::from_path(dir.path().join("secrets.toml"))
        .unwrap()
        .variables(vars)
        .build()
        .unwrap();
    secrets.blocking().validate().unwrap();
    assert!(secrets.blocking().get("database_url").is_ok());

    c.bench_function(
        "cached get in tokio tasks, 8 threads at once (time per call)",
        |b| {
            b.iter_custom(|iterations| {
                let per_thread = iterations.div_ceil(8);
                let start = Instant::now();
                std::thread::scope(|scope| {
                    for _ in 0..8 {
                        scope.spawn(|| {
                            let runtime = tokio::runtime::Builder::new_current_thread()
                                .build()
                                .unwrap();
                            runtime.block_on(async {
                                for _ in 0..per_thread {
                                    let value = secrets.get("database_url").await.unwrap();
                                    std::hint::black_box(&value);
                                }
                            });
                        });
                    }
                });
                let calls = per_thread * 8;
                start.elapsed().mul_f64(iterations as f64 / calls as f64)
            });
        },
    );
    let blocking = secrets.blocking();
    c.bench_function(
        "cached blocking().get, 8 threads at once (time per call)",
        |b| {
            b.iter_custom(|iterations| {
                on_8_threads(iterations, || {
                    let value = blocking.get("database_url").unwrap();
                    std::hint::black_box(&value);
                })
            });
        },
    );
}

/// Runs `call` `iterations` times in all, spread over 8 threads at once, and gives the
/// wall time of all the calls over their number (8 threads sharing the machine's cores),
/// which criterion divides by `iterations`.
fn on_8_threads(iterations: u64, call: impl Fn() + Sync) -> std::time::Duration {
    let per_thread = iterations.div_ceil(8);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..per_thread {
                    call();
                }
            });
        }
    });
    let calls = per_thread * 8;
    start.elapsed().mul_f64(iterations as f64 / calls as f64)
}

criterion_group!(benches, cached_get);
criterion_main!(benches);
