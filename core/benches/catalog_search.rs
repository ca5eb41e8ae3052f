//! Catalog search latency: our search (folding, synonyms, typo expansion, re-ranking) next to plain
//! FTS5 `MATCH` on the same index as the baseline, over the real catalog and over a generated
//! 10,000-procedure catalog; plus import time. `cargo bench -p dvc-core --bench catalog_search`
//! (or `./x bench`) prints the table; under `cargo test` it runs one tiny iteration.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use dvc_core::catalog::{self, CatalogUpdate, Procedure, SearchParams};
use dvc_core::store::Store;

const QUERIES: &[&str] = &[
    "lam ho chieu",
    "nhập hộ khẩu",
    "đổi bằng lái",
    "so do",
    "phat nguoi",
    "ly lich tu phap",
    "dang ky ket hon",
    "tro cap that nghiep",
    "lap cong to dien",
    "khai sinh",
    "gia han bhyt",
    "dang ky tam tru",
    "ho chiue",
    "thaat nghiep",
    "xin phep xay nha",
    "ket ho",
    "cccd",
    "chung thuc chu ky",
    "mai tang phi",
    "dang ky xe may",
    "tach so do cho con",
    "rut bhxh 1 lan",
    "sang ten xe",
    "doi cccd",
    "che do thai san",
    // as typed, letter by letter: short prefixes match many terms
    "d",
    "ho c",
    "dang k",
];

/// Tiny deterministic generator (xorshift64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.next() % v.len() as u64) as usize]
    }
}

/// The real procedures plus variants of them (names and aliases mixed with words from the real
/// catalog) up to `n` in all.
fn generated(real: &[Procedure], n: usize) -> Vec<Procedure> {
    let words: Vec<String> = real
        .iter()
        .flat_map(|p| {
            p.name
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = real.to_vec();
    let mut i = 0;
    while out.len() < n {
        let base = &real[i % real.len()];
        let mut p = base.clone();
        p.id = format!("{}-gen-{i}", base.id);
        p.code = None;
        p.popular = None;
        let extra: Vec<&str> = (0..3).map(|_| rng.pick(&words).as_str()).collect();
        p.name = format!("{} {}", extra.join(" "), rng.pick(&words));
        p.aliases = (0..3)
            .map(|_| format!("{} {}", rng.pick(&words), rng.pick(&words)))
            .collect();
        p.summary = format!("{} {}", base.summary, extra.join(" "));
        out.push(p);
        i += 1;
    }
    out
}

fn load(procs: &[Procedure]) -> (Store, Duration) {
    let store = Store::open_in_memory().unwrap();
    catalog::import_bundled(&store).unwrap();
    let t = Instant::now();
    catalog::apply_update(
        &store,
        &CatalogUpdate {
            version: "9999.1".into(),
            verified_at: "2026-11-23".into(),
            source: "bench",
            replace_all: true,
            upsert: procs.to_vec(),
            delete: vec![],
            refs: None,
        },
    )
    .unwrap();
    (store, t.elapsed())
}

fn percentiles(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    (at(0.5), at(0.95), at(1.0))
}

fn measure(rounds: usize, mut f: impl FnMut(&str)) -> (f64, f64, f64) {
    for q in QUERIES {
        f(q); // warm caches and prepared statements
    }
    let mut times = Vec::with_capacity(rounds * QUERIES.len());
    let mut per_query = vec![Vec::with_capacity(rounds); QUERIES.len()];
    for _ in 0..rounds {
        for (i, q) in QUERIES.iter().enumerate() {
            let t = Instant::now();
            f(q);
            let e = t.elapsed();
            times.push(e);
            per_query[i].push(e);
        }
    }
    // The slowest queries by median, to show where the tail comes from.
    let mut slow: Vec<(f64, &str)> = per_query
        .into_iter()
        .zip(QUERIES)
        .map(|(v, q)| (percentiles(v).0, *q))
        .collect();
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    let slow: Vec<String> = slow
        .iter()
        .take(3)
        .map(|(ms, q)| format!("{q:?} {ms:.3}"))
        .collect();
    println!("  slowest (median ms): {}", slow.join(", "));
    percentiles(times)
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let rounds = if bench { 30 } else { 1 };
    let real = catalog::bundled().unwrap().procedures.clone();
    let big_n = if bench { 10_000 } else { 200 };
    let mut rows = Vec::new();
    for (label, procs) in [
        ("real", real.clone()),
        ("generated", generated(&real, big_n)),
    ] {
        let n = procs.len();
        let (store, import) = load(&procs);
        // The first search after an import builds the in-memory index.
        let t = Instant::now();
        catalog::search(
            &store,
            &SearchParams {
                query: "ho chieu".into(),
                ..Default::default()
            },
        )
        .unwrap();
        let first = t.elapsed();
        let ours = measure(rounds, |q| {
            let hits = catalog::search(
                &store,
                &SearchParams {
                    query: q.into(),
                    limit: Some(20),
                    ..Default::default()
                },
            )
            .unwrap();
            std::hint::black_box(hits);
        });
        let plain = measure(rounds, |q| {
            std::hint::black_box(catalog::plain_fts(&store, q, 20).unwrap());
        });
        rows.push((label, n, import, first, ours, plain));
    }
    println!();
    println!(
        "catalog search ({} queries × {rounds} rounds; milliseconds)",
        QUERIES.len()
    );
    println!(
        "{:<10} {:>7} {:>10} {:>12} {:>9} {:>9} {:>9} {:>12} {:>12}",
        "catalog",
        "procs",
        "import",
        "1st search",
        "ours p50",
        "ours p95",
        "ours max",
        "FTS5 p50",
        "FTS5 p95"
    );
    for (label, n, import, first, (o50, o95, omax), (p50, p95, _)) in rows {
        println!(
            "{label:<10} {n:>7} {:>10.1} {:>12.3} {o50:>9.3} {o95:>9.3} {omax:>9.3} {p50:>12.3} \
             {p95:>12.3}",
            import.as_secs_f64() * 1000.0,
            first.as_secs_f64() * 1000.0
        );
    }
    println!(
        "import: one transaction (procedure rows + FTS5 rows); 1st search: builds the in-memory \
         index (cached per catalog generation)"
    );
    println!("goal: ours p95 ≤ 1 ms at 10,000 procedures (FTS5 = plain MATCH, terms ANDed, bm25)");
}
