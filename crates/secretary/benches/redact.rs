//! Redaction throughput (issue 4): 1 GiB of log-like text with 100 secret values
//! (32-character URL-safe tokens, one occurrence every ~4 KiB), pushed through
//! `Redactor::writer` in 64 KiB writes, as `run --redact` and `redact` do.
//! Target: at least 1 GB/s.
//!
//!     cargo bench -p secretary --bench redact

#![allow(missing_docs, clippy::unwrap_used, reason = "a benchmark")]

use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secretary::redact::Redactor;

/// A small deterministic generator, so every run sees the same input.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

fn fixture() -> (Vec<(String, String)>, Vec<u8>) {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const WORDS: [&str; 10] = [
        "GET",
        "/api/v1/items",
        "200",
        "INFO",
        "user=42",
        "took",
        "12ms",
        "request_id=abc123",
        "POST",
        "WARN",
    ];
    let mut rng = Lcg(7);
    let secrets: Vec<(String, String)> = (0..100)
        .map(|i| {
            let value = (0..32)
                .map(|_| char::from(ALPHABET[(rng.next() % 64) as usize]))
                .collect();
            (format!("key_{i:03}"), value)
        })
        .collect();
    // 1 MiB of lines, 2% of them carrying a value.
    let mut block = Vec::with_capacity(1 << 20);
    while block.len() < 1 << 20 {
        for _ in 0..12 {
            block.extend_from_slice(WORDS[(rng.next() % 10) as usize].as_bytes());
            block.push(b' ');
        }
        if rng.next() % 50 == 0 {
            block.extend_from_slice(b"token=");
            block.extend_from_slice(secrets[(rng.next() % 100) as usize].1.as_bytes());
        }
        block.push(b'\n');
    }
    block.truncate(1 << 20);
    (secrets, block)
}

fn redaction(c: &mut Criterion) {
    let (secrets, block) = fixture();
    let redactor = Redactor::new(secrets.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut group = c.benchmark_group("redact");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(1 << 30));
    group.bench_function("1 GiB, 100 values, 64 KiB writes", |b| {
        b.iter(|| {
            let mut writer = redactor.writer(std::io::sink());
            for _ in 0..1024 {
                for chunk in block.chunks(64 * 1024) {
                    writer.write_all(chunk).unwrap();
                }
            }
            writer.finish().unwrap();
        });
    });
    group.finish();
}

criterion_group!(benches, redaction);
criterion_main!(benches);
