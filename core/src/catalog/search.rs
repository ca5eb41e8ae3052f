//! Vietnamese catalog search.
//!
//! 1. The query is folded (lower case, no marks, đ→d) and split into tokens; the last token is a
//!    prefix while the user is still typing (no trailing space).
//! 2. Synonym rules from `synonyms.json` add query variants ("ho khau" → "thuong tru").
//! 3. A token that is not in the catalog vocabulary is expanded to the vocabulary terms within one
//!    edit (symmetric-delete lookup in `catalog_term_del`).
//! 4. FTS5 (`catalog_fts`, folded text) finds candidates for any of those terms, best bm25 first
//!    (name and aliases weigh more than the body).
//! 5. Candidates are re-ranked: the share of the query (weighted by term rarity) found in the name
//!    or an alias counts fully, in the body a third; then how much of the name the query covers, a
//!    phrase bonus, and `popular` as a tie-breaker.

use std::collections::{HashMap, HashSet};

use rusqlite::{params_from_iter, types::Value, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::model::{Level, ServiceLevel, Synonym};
use super::{is_slug, text};
use crate::error::{CoreError, Result};
use crate::store::Store;

/// Shortest query token that gets typo expansion.
pub(crate) const MIN_TYPO_LEN: usize = 3;
/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// How many FTS candidates are re-ranked.
const CANDIDATES: i64 = 150;
/// At most this many variants (original + synonym rewrites) per query.
const MAX_VARIANTS: usize = 8;

/// What to search for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchParams {
    pub query: String,
    pub limit: Option<usize>,
    pub field: Option<String>,
    pub level: Option<String>,
    pub service_level: Option<String>,
}

/// One result, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub id: String,
    pub code: Option<String>,
    pub name: String,
    pub name_en: String,
    pub summary: String,
    pub summary_en: String,
    pub field: String,
    pub level: String,
    pub service_level: String,
    pub popular: Option<u32>,
    pub score: f64,
}

/// A stored synonym rule, folded: a query containing the tokens of `from` also searches `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Rule {
    pub from: Vec<String>,
    pub to: Vec<String>,
}

/// Folds the data's synonym entries into one-way rules (a group becomes every ordered pair).
pub(crate) fn synonym_rules(syn: &[Synonym]) -> Vec<Rule> {
    let mut out = Vec::new();
    let mut push = |from: &str, to: &str| {
        let (from, to) = (text::tokens(from), text::tokens(to));
        if !from.is_empty() && !to.is_empty() && from != to {
            let r = Rule { from, to };
            if !out.contains(&r) {
                out.push(r);
            }
        }
    };
    for s in syn {
        match s {
            Synonym::Group { terms } => {
                for a in terms {
                    for b in terms {
                        push(a, b);
                    }
                }
            }
            Synonym::OneWay { from, to } => {
                for t in to {
                    push(from, t);
                }
            }
        }
    }
    out
}

/// A query token and whether it may still be growing (the last token while typing).
#[derive(Debug, Clone, PartialEq)]
struct QToken {
    text: String,
    prefix: bool,
}

fn variants(tokens: &[QToken], rules: &[Rule]) -> Vec<Vec<QToken>> {
    let mut out = vec![tokens.to_vec()];
    for rule in rules {
        let k = rule.from.len();
        if k == 0 || k > tokens.len() {
            continue;
        }
        for start in 0..=tokens.len() - k {
            let hit = tokens[start..start + k]
                .iter()
                .zip(&rule.from)
                .all(|(q, f)| {
                    q.text == *f || (q.prefix && f.starts_with(&q.text) && q.text.len() >= 2)
                });
            if hit {
                let mut v: Vec<QToken> = tokens[..start].to_vec();
                v.extend(rule.to.iter().map(|t| QToken {
                    text: t.clone(),
                    prefix: false,
                }));
                v.extend(tokens[start + k..].iter().cloned());
                if !out.contains(&v) && out.len() < MAX_VARIANTS {
                    out.push(v);
                }
            }
        }
    }
    out
}

/// How a query token may match a document token.
#[derive(Debug, Clone)]
struct Expanded {
    exact: String,
    prefix: bool,
    /// Vocabulary terms one edit away (only when the token itself is unknown).
    typos: Vec<String>,
    /// Rarity weight (inverse document frequency).
    weight: f64,
}

impl Expanded {
    /// Match strength of this token against a document token: 1 exact/prefix, 0.7 typo.
    fn strength(&self, doc_token: &str) -> f64 {
        if doc_token == self.exact {
            1.0
        } else if self.prefix && doc_token.starts_with(&self.exact) {
            if self.exact.len() >= 2 {
                0.9
            } else {
                0.6
            }
        } else if self.typos.iter().any(|t| t == doc_token) {
            0.7
        } else {
            0.0
        }
    }
}

struct Vocab<'c> {
    conn: &'c Connection,
    n_docs: f64,
    cache: HashMap<(String, bool), Expanded>,
}

impl<'c> Vocab<'c> {
    fn df(&self, term: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT df FROM catalog_term WHERE term = ?1")?
            .query_row([term], |r| r.get(0))
            .optional()?)
    }

    fn prefix_df(&self, prefix: &str) -> Result<Option<i64>> {
        let hi = format!("{prefix}\u{10FFFF}");
        Ok(self
            .conn
            .prepare_cached(
                "SELECT max(df) FROM (SELECT df FROM catalog_term WHERE term >= ?1 AND term < ?2
                 LIMIT 50)",
            )?
            .query_row([prefix, hi.as_str()], |r| r.get(0))
            .optional()?
            .flatten())
    }

    fn typos(&self, token: &str) -> Result<Vec<(String, i64)>> {
        let keys = text::deletions(token);
        let sql = format!(
            "SELECT DISTINCT d.term, t.df FROM catalog_term_del d JOIN catalog_term t ON t.term = d.term
             WHERE d.del IN ({}) ORDER BY t.df DESC LIMIT 40",
            vec!["?"; keys.len()].join(",")
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(keys.iter()), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (term, df) = row?;
            if term != token && text::within_one_edit(&term, token) {
                out.push((term, df));
            }
            if out.len() >= 5 {
                break;
            }
        }
        Ok(out)
    }

    fn idf(&self, df: i64) -> f64 {
        (1.0 + self.n_docs / (df.max(1) as f64)).ln()
    }

    fn expand(&mut self, q: &QToken) -> Result<Expanded> {
        let key = (q.text.clone(), q.prefix);
        if let Some(e) = self.cache.get(&key) {
            return Ok(e.clone());
        }
        let mut df = self.df(&q.text)?;
        if df.is_none() && q.prefix {
            df = self.prefix_df(&q.text)?;
        }
        let mut typos = Vec::new();
        if df.is_none()
            && q.text.chars().count() >= MIN_TYPO_LEN
            && !q.text.bytes().all(|b| b.is_ascii_digit())
        {
            let found = self.typos(&q.text)?;
            df = found.iter().map(|(_, d)| *d).max();
            typos = found.into_iter().map(|(t, _)| t).collect();
        }
        // A word found nowhere weighs like a rare one: it lowers every score alike.
        let weight = self.idf(df.unwrap_or(1));
        let e = Expanded {
            exact: q.text.clone(),
            prefix: q.prefix,
            typos,
            weight,
        };
        self.cache.insert(key, e.clone());
        Ok(e)
    }
}

struct Candidate {
    hit: SearchHit,
    name: Vec<String>,
    aliases: Vec<Vec<String>>,
    /// The body's distinct folded terms, sorted, space-separated (as stored).
    body: String,
}

/// Sorted body terms for lookups without allocating each term.
struct BodyTerms<'a>(Vec<&'a str>);

impl BodyTerms<'_> {
    fn contains(&self, t: &str) -> bool {
        self.0.binary_search(&t).is_ok()
    }

    fn has_prefix(&self, p: &str) -> bool {
        let i = self.0.partition_point(|x| *x < p);
        self.0.get(i).is_some_and(|x| x.starts_with(p))
    }
}

fn words(s: &str) -> Vec<String> {
    s.split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Best strength of `e` over a token list, and the positions that reached it.
fn best_in(e: &Expanded, doc: &[String]) -> (f64, Option<usize>) {
    let mut best = (0.0, None);
    for (i, t) in doc.iter().enumerate() {
        let s = e.strength(t);
        if s > best.0 {
            best = (s, Some(i));
        }
    }
    best
}

/// Score of one candidate for one query variant.
fn score_variant(c: &Candidate, body: &BodyTerms<'_>, q: &[Expanded]) -> f64 {
    let total: f64 = q.iter().map(|e| e.weight).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let mut titles: Vec<&Vec<String>> = vec![&c.name];
    titles.extend(c.aliases.iter());
    let mut best_title = 0.0f64;
    for title in &titles {
        let mut got = 0.0;
        let mut covered = HashSet::new();
        let mut positions = Vec::new();
        for e in q {
            let (s_title, pos) = best_in(e, title);
            let s_body = if body.contains(&e.exact) {
                1.0
            } else if e.typos.iter().any(|t| body.contains(t)) {
                0.7
            } else if e.prefix && e.exact.len() >= 3 && body.has_prefix(&e.exact) {
                0.8
            } else {
                0.0
            };
            let s = s_title.max(s_body * 0.35);
            got += e.weight * s;
            if s_title > 0.0 {
                if let Some(p) = pos {
                    covered.insert(p);
                    positions.push(p);
                }
            }
        }
        let coverage = got / total;
        // How much of the title the query explains: "khai sinh" fits "Đăng ký khai sinh" better
        // than a long linked-service name that also contains it.
        let specificity = if title.is_empty() {
            0.0
        } else {
            covered.len() as f64 / title.len() as f64
        };
        let phrase = if q.len() >= 2
            && positions.len() == q.len()
            && positions.windows(2).all(|w| w[1] == w[0] + 1)
        {
            0.1
        } else {
            0.0
        };
        let alias_penalty = if std::ptr::eq(*title, &c.name) {
            0.0
        } else {
            0.02
        };
        best_title = best_title.max(coverage + 0.25 * specificity + phrase - alias_penalty);
    }
    best_title
}

fn popularity_bonus(popular: Option<u32>) -> f64 {
    popular.map_or(0.0, |r| 0.01 + 0.03 / f64::from(r.max(1)))
}

fn check_params(p: &SearchParams) -> Result<(usize, Option<&'static str>, Option<&'static str>)> {
    if p.query.chars().count() > MAX_QUERY_CHARS {
        return Err(CoreError::invalid(
            "query",
            format!("longer than {MAX_QUERY_CHARS} characters"),
            "catalog.query_too_long",
        ));
    }
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(CoreError::invalid(
            "limit",
            "must be between 1 and 100",
            "catalog.filter_invalid",
        ));
    }
    let level = match p.level.as_deref() {
        None | Some("") => None,
        Some(l) => Some(
            Level::parse(l)
                .ok_or_else(|| {
                    CoreError::invalid(
                        "level",
                        "must be commune, province, ministry or other",
                        "catalog.filter_invalid",
                    )
                })?
                .as_str(),
        ),
    };
    let service_level = match p.service_level.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            ServiceLevel::parse(s)
                .ok_or_else(|| {
                    CoreError::invalid(
                        "service_level",
                        "must be full or partial",
                        "catalog.filter_invalid",
                    )
                })?
                .as_str(),
        ),
    };
    if let Some(f) = p.field.as_deref().filter(|f| !f.is_empty()) {
        if !is_slug(f) {
            return Err(CoreError::invalid(
                "field",
                "expected a field id (lowercase-with-dashes)",
                "catalog.filter_invalid",
            ));
        }
    }
    Ok((limit, level, service_level))
}

/// Searches the stored catalog. An empty query lists the popular procedures (then the rest by
/// name), so the search screen has suggestions before anything is typed.
pub fn search(store: &Store, p: &SearchParams) -> Result<Vec<SearchHit>> {
    let (limit, level, service_level) = check_params(p)?;
    let field = p.field.as_deref().filter(|f| !f.is_empty());
    store.read(|c| {
        if let Some(f) = field {
            let known: Option<i64> = c
                .query_row(
                    "SELECT 1 FROM catalog_ref WHERE kind = 'field' AND id = ?1",
                    [f],
                    |r| r.get(0),
                )
                .optional()?;
            if known.is_none() {
                return Err(CoreError::invalid(
                    "field",
                    "no such field in the catalog",
                    "catalog.filter_invalid",
                ));
            }
        }
        let filters = Filters {
            field,
            level,
            service_level,
        };
        run(c, &p.query, limit, &filters)
    })
}

struct Filters<'a> {
    field: Option<&'a str>,
    level: Option<&'static str>,
    service_level: Option<&'static str>,
}

impl Filters<'_> {
    fn sql(&self, args: &mut Vec<Value>) -> String {
        let mut sql = String::new();
        for (col, v) in [
            ("field", self.field),
            ("level", self.level),
            ("service_level", self.service_level),
        ] {
            if let Some(v) = v {
                args.push(Value::Text(v.to_string()));
                sql.push_str(&format!(" AND p.{col} = ?{}", args.len()));
            }
        }
        sql
    }
}

const HIT_COLUMNS: &str = "p.id, p.code, p.name, p.name_en, p.summary, p.summary_en, p.field, \
     p.level, p.service_level, p.popular, p.name_folded, p.aliases_folded, p.body_terms";

fn candidate(r: &rusqlite::Row<'_>) -> rusqlite::Result<Candidate> {
    let aliases: String = r.get(11)?;
    let body: String = r.get(12)?;
    Ok(Candidate {
        hit: SearchHit {
            id: r.get(0)?,
            code: r.get(1)?,
            name: r.get(2)?,
            name_en: r.get(3)?,
            summary: r.get(4)?,
            summary_en: r.get(5)?,
            field: r.get(6)?,
            level: r.get(7)?,
            service_level: r.get(8)?,
            popular: r.get(9)?,
            score: 0.0,
        },
        name: words(&r.get::<_, String>(10)?),
        aliases: aliases
            .split('|')
            .map(words)
            .filter(|a| !a.is_empty())
            .collect(),
        body,
    })
}

fn load_rules(c: &Connection) -> Result<Vec<Rule>> {
    let mut stmt =
        c.prepare_cached("SELECT body FROM catalog_ref WHERE kind = 'synonym' ORDER BY id")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for body in rows {
        if let Ok(rule) = serde_json::from_str(&body?) {
            out.push(rule);
        }
    }
    Ok(out)
}

fn run(c: &Connection, query: &str, limit: usize, filters: &Filters<'_>) -> Result<Vec<SearchHit>> {
    let raw = text::tokens(query);
    let typing = !query.ends_with(char::is_whitespace);
    let n = raw.len();
    let tokens: Vec<QToken> = raw
        .into_iter()
        .enumerate()
        .map(|(i, t)| QToken {
            text: t,
            prefix: typing && i + 1 == n,
        })
        .collect();
    if tokens.is_empty() {
        return popular(c, limit, filters);
    }
    let n_docs: i64 = c
        .prepare_cached("SELECT count(*) FROM catalog_procedure")?
        .query_row([], |r| r.get(0))?;
    let mut vocab = Vocab {
        conn: c,
        n_docs: n_docs.max(1) as f64,
        cache: HashMap::new(),
    };
    let rules = load_rules(c)?;
    let mut expanded: Vec<Vec<Expanded>> = Vec::new();
    for v in variants(&tokens, &rules) {
        let mut ev = Vec::with_capacity(v.len());
        for q in &v {
            ev.push(vocab.expand(q)?);
        }
        expanded.push(ev);
    }
    // FTS candidates: any of the terms, exact, prefix or typo alternative.
    let mut terms: Vec<String> = Vec::new();
    for e in expanded.iter().flatten() {
        let t = if e.prefix {
            format!("\"{}\"*", e.exact)
        } else {
            format!("\"{}\"", e.exact)
        };
        if !terms.contains(&t) {
            terms.push(t);
        }
        for ty in &e.typos {
            let t = format!("\"{ty}\"");
            if !terms.contains(&t) {
                terms.push(t);
            }
        }
    }
    let mut args: Vec<Value> = vec![Value::Text(terms.join(" OR "))];
    let filter_sql = filters.sql(&mut args);
    let sql = format!(
        "SELECT {HIT_COLUMNS} FROM catalog_fts f JOIN catalog_procedure p ON p.rowid = f.rowid
         WHERE catalog_fts MATCH ?1{filter_sql}
         ORDER BY bm25(catalog_fts, 10.0, 8.0, 1.0) LIMIT {CANDIDATES}"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), candidate)?;
    let mut scored = Vec::new();
    for row in rows {
        let mut cand = row?;
        let body = BodyTerms(cand.body.split(' ').filter(|t| !t.is_empty()).collect());
        let s = expanded
            .iter()
            .map(|q| score_variant(&cand, &body, q))
            .fold(0.0f64, f64::max);
        if s <= 0.0 {
            continue;
        }
        cand.hit.score = ((s + popularity_bonus(cand.hit.popular)) * 1000.0).round() / 1000.0;
        scored.push(cand.hit);
    }
    // Exact national code: first.
    let code_like = query.trim();
    scored.sort_by(|a, b| {
        let ca = a.code.as_deref() == Some(code_like);
        let cb = b.code.as_deref() == Some(code_like);
        cb.cmp(&ca)
            .then(b.score.total_cmp(&a.score))
            .then(
                a.popular
                    .unwrap_or(u32::MAX)
                    .cmp(&b.popular.unwrap_or(u32::MAX)),
            )
            .then(a.name.cmp(&b.name))
    });
    scored.truncate(limit);
    Ok(scored)
}

fn popular(c: &Connection, limit: usize, filters: &Filters<'_>) -> Result<Vec<SearchHit>> {
    let mut args = Vec::new();
    let filter_sql = filters.sql(&mut args);
    let sql = format!(
        "SELECT {HIT_COLUMNS} FROM catalog_procedure p WHERE 1 = 1{filter_sql}
         ORDER BY p.popular IS NULL, p.popular, p.name LIMIT {limit}"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), candidate)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row?.hit);
    }
    Ok(out)
}

/// Plain FTS5 `MATCH` over the same index (folded query, terms ANDed, bm25 order): the benchmark's
/// baseline.
pub fn plain_fts(store: &Store, query: &str, limit: usize) -> Result<Vec<String>> {
    let q = text::tokens(query)
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(" ");
    if q.is_empty() {
        return Ok(Vec::new());
    }
    store.read(|c| {
        let mut stmt = c.prepare_cached(
            "SELECT p.id FROM catalog_fts f JOIN catalog_procedure p ON p.rowid = f.rowid
             WHERE catalog_fts MATCH ?1 ORDER BY rank LIMIT ?2",
        )?;
        let rows = stmt.query_map(rusqlite::params![q, limit as i64], |r| r.get(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?);
        }
        Ok(out)
    })
}
