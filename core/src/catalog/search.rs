//! Vietnamese catalog search.
//!
//! 1. The query is folded (lower case, no marks, đ→d) and split into tokens; the last token is a
//!    prefix while the user is still typing (no trailing space).
//! 2. Synonym rules from `synonyms.json` add query variants ("ho khau" → "thuong tru").
//! 3. A token that is not in the catalog vocabulary is expanded to the vocabulary terms within one
//!    edit (symmetric-delete lookup).
//! 4. The in-memory index ([`super::index`], built once per catalog generation) gives, for every
//!    token, the documents it matches in a title (name or alias) or in the body, exactly, as a
//!    prefix or through a typo.
//! 5. Each matched document gets a cheap upper bound of its score; documents are then scored
//!    fully in order of that bound until no remaining one can make the results: the share of the
//!    query (weighted by term rarity) found in the name or an alias counts fully, in the body a
//!    third; then how much of the name the query covers, a phrase bonus, and `popular` as a
//!    tie-breaker.
//!
//! `catalog_fts` (SQLite FTS5 over the same folded text) stays as the plain-`MATCH` baseline the
//! benchmark compares against.

use rusqlite::{params_from_iter, types::Value, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::index::{self, SearchIndex};
use super::model::{Level, ServiceLevel, Synonym};
use super::{is_slug, text};
use crate::error::{CoreError, Result};
use crate::store::Store;

/// Shortest query token that gets typo expansion.
pub(crate) const MIN_TYPO_LEN: usize = 3;
/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
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

/// How a query token may match an indexed term (term ids of the [`SearchIndex`]).
#[derive(Debug, Clone)]
struct Expanded {
    text: String,
    exact: Option<u32>,
    prefix: bool,
    /// Ids of the terms that start with `text` (empty unless `prefix`).
    range: (u32, u32),
    /// Vocabulary terms one edit away (only when the token itself is unknown).
    typos: Vec<u32>,
    /// Rarity weight (inverse document frequency).
    weight: f64,
}

/// Title match strengths by code: none, short prefix, typo, prefix, exact.
const TITLE_S: [f64; 5] = [0.0, 0.6, 0.7, 0.9, 1.0];
/// Body match strengths by code: none, typo, prefix, exact.
const BODY_S: [f64; 4] = [0.0, 0.7, 0.8, 1.0];
/// A body match counts this much of a title match.
const BODY_SHARE: f64 = 0.35;
/// Most a candidate's full score can exceed its coverage: specificity + phrase bonus.
const SPECIFICITY: f64 = 0.25;
const PHRASE: f64 = 0.1;
/// At most this many candidates get the full (title by title) score; they are taken in order of
/// their upper bound, and scoring stops early once no remaining one can enter the results.
const MAX_SCORED: usize = 250;

impl Expanded {
    fn new(idx: &SearchIndex, q: &QToken) -> Self {
        let exact = idx.term(&q.text);
        let range = if q.prefix {
            idx.prefix_range(&q.text)
        } else {
            (0, 0)
        };
        let mut df = exact.map(|t| idx.df(t));
        if df.is_none() && q.prefix {
            df = (range.0..range.1).take(50).map(|t| idx.df(t)).max();
        }
        let mut typos = Vec::new();
        if df.is_none()
            && q.text.chars().count() >= MIN_TYPO_LEN
            && !q.text.bytes().all(|b| b.is_ascii_digit())
        {
            typos = idx.typos(&q.text, 5);
            df = typos.iter().map(|&t| idx.df(t)).max();
        }
        // A word found nowhere weighs like a rare one: it lowers every score alike.
        let n_docs = idx.n_docs().max(1) as f64;
        let weight = (1.0 + n_docs / f64::from(df.unwrap_or(1).max(1))).ln();
        Self {
            text: q.text.clone(),
            exact,
            prefix: q.prefix,
            range,
            typos,
            weight,
        }
    }

    /// Title match code (index into [`TITLE_S`]) of this token against term `t`.
    fn title_code(&self, t: u32) -> u8 {
        if Some(t) == self.exact {
            4
        } else if self.prefix && self.range.0 <= t && t < self.range.1 {
            if self.text.len() >= 2 {
                3
            } else {
                1
            }
        } else if self.typos.contains(&t) {
            2
        } else {
            0
        }
    }
}

/// Slot of a document not matched by any token yet.
const UNSEEN: u32 = u32::MAX;
/// Slot of a matched document the filters exclude.
const FILTERED: u32 = u32::MAX - 1;

/// The match codes of every query token for the documents the query touches, stored only for
/// those (not for the whole catalog): candidate `s` has the title codes of the `width` unique
/// tokens at `codes[s * 2 * width..]`, then their body codes.
struct Hits {
    width: usize,
    /// Per document of the index: its candidate number, [`UNSEEN`] or [`FILTERED`].
    slot: Vec<u32>,
    /// Candidate number → document.
    touched: Vec<u32>,
    codes: Vec<u8>,
}

impl Hits {
    fn new(n_docs: usize, width: usize) -> Self {
        Self {
            width,
            slot: vec![UNSEEN; n_docs],
            touched: Vec::new(),
            codes: Vec::new(),
        }
    }

    /// The candidate number of document `d`, made on first sight; `None` if filtered out.
    fn candidate(&mut self, d: u32, pass: &dyn Fn(usize) -> bool) -> Option<usize> {
        let slot = self.slot.get_mut(d as usize)?;
        match *slot {
            FILTERED => None,
            UNSEEN => {
                if !pass(d as usize) {
                    *slot = FILTERED;
                    return None;
                }
                let s = self.touched.len();
                *slot = s as u32;
                self.touched.push(d);
                self.codes.resize(self.codes.len() + 2 * self.width, 0);
                Some(s)
            }
            s => Some(s as usize),
        }
    }

    fn raise(&mut self, s: usize, at: usize, code: u8) {
        if let Some(c) = self.codes.get_mut(s * 2 * self.width + at) {
            *c = (*c).max(code);
        }
    }

    /// Title codes then body codes of candidate `s`.
    fn of(&self, s: usize) -> (&[u8], &[u8]) {
        let w = self.width;
        let all = self.codes.get(s * 2 * w..(s + 1) * 2 * w).unwrap_or(&[]);
        all.split_at(all.len().min(w))
    }
}

/// Finds the documents token `k` matches (walking posting lists), noting the best code.
fn token_hits(
    idx: &SearchIndex,
    k: usize,
    e: &Expanded,
    pass: &dyn Fn(usize) -> bool,
    h: &mut Hits,
) {
    let body_at = h.width + k;
    let add = |docs: &[u32], at: usize, code: u8, h: &mut Hits| {
        for &d in docs {
            if let Some(s) = h.candidate(d, pass) {
                h.raise(s, at, code);
            }
        }
    };
    if let Some(t) = e.exact {
        add(idx.title_docs(t), k, 4, h);
    }
    if e.prefix {
        let code = if e.text.len() >= 2 { 3 } else { 1 };
        for t in e.range.0..e.range.1 {
            if Some(t) != e.exact {
                add(idx.title_docs(t), k, code, h);
            }
        }
    }
    for &t in &e.typos {
        add(idx.title_docs(t), k, 2, h);
    }
    if let Some(t) = e.exact {
        add(idx.body_docs(t), body_at, 3, h);
    }
    for &t in &e.typos {
        add(idx.body_docs(t), body_at, 1, h);
    }
    if e.prefix && e.text.len() >= 3 {
        for t in e.range.0..e.range.1 {
            if Some(t) != e.exact {
                add(idx.body_docs(t), body_at, 2, h);
            }
        }
    }
}

/// Reusable buffers of [`score_variant`].
#[derive(Default)]
struct ScoreBufs {
    covered: Vec<usize>,
    positions: Vec<usize>,
}

/// Full score of document `d` for one query variant (tokens as indexes into `uniq`): for the
/// name and each alias, the share of the query (weighted by rarity) found in it — in the body a
/// third — plus how much of that title the query covers and a phrase bonus; the best title wins.
fn score_variant(
    idx: &SearchIndex,
    d: usize,
    v: &[usize],
    uniq: &[Expanded],
    body_codes: &[u8],
    bufs: &mut ScoreBufs,
) -> f64 {
    let total: f64 = v.iter().map(|&k| uniq[k].weight).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let Some(doc) = idx.docs.get(d) else {
        return 0.0;
    };
    let mut best_title = 0.0f64;
    let ScoreBufs { covered, positions } = bufs;
    for (ti, title) in doc.titles.iter().enumerate() {
        let mut got = 0.0;
        covered.clear();
        positions.clear();
        for &k in v {
            let e = &uniq[k];
            let (mut code, mut pos) = (0u8, None);
            for (i, &t) in title.iter().enumerate() {
                let c = e.title_code(t);
                if TITLE_S[c as usize] > TITLE_S[code as usize] {
                    code = c;
                    pos = Some(i);
                }
            }
            let s_title = TITLE_S[code as usize];
            let s_body = BODY_S[body_codes.get(k).copied().unwrap_or(0) as usize];
            got += e.weight * s_title.max(s_body * BODY_SHARE);
            if let Some(p) = pos {
                if !covered.contains(&p) {
                    covered.push(p);
                }
                positions.push(p);
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
        let phrase = if v.len() >= 2
            && positions.len() == v.len()
            && positions.windows(2).all(|w| w[1] == w[0] + 1)
        {
            PHRASE
        } else {
            0.0
        };
        let alias_penalty = if ti == 0 { 0.0 } else { 0.02 };
        best_title = best_title.max(coverage + SPECIFICITY * specificity + phrase - alias_penalty);
    }
    best_title
}

fn popularity_bonus(popular: Option<u32>) -> f64 {
    popular.map_or(0.0, |r| 0.01 + 0.03 / f64::from(r.max(1)))
}

/// [`popularity_bonus`] of a rank stored as `u32::MAX` for "not popular".
fn rank_bonus(rank: u32) -> f64 {
    popularity_bonus((rank != u32::MAX).then_some(rank))
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
     p.level, p.service_level, p.popular";

fn hit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SearchHit> {
    Ok(SearchHit {
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
    })
}

/// A scored document: index into `SearchIndex::docs` and its rounded score.
#[derive(Debug, Clone, Copy)]
struct Ranked {
    doc: usize,
    score: f64,
}

/// The ranking order: an exact national code first, then score, popularity, name.
fn rank_order(idx: &SearchIndex, code_like: &str, a: &Ranked, b: &Ranked) -> std::cmp::Ordering {
    let (da, db) = (&idx.docs[a.doc], &idx.docs[b.doc]);
    let ca = da.code.as_deref() == Some(code_like);
    let cb = db.code.as_deref() == Some(code_like);
    cb.cmp(&ca)
        .then(b.score.total_cmp(&a.score))
        .then(
            da.popular
                .unwrap_or(u32::MAX)
                .cmp(&db.popular.unwrap_or(u32::MAX)),
        )
        .then(da.name.cmp(&db.name))
}

/// Ranks the index's documents for a tokenized query: the documents matching any variant of it
/// are bounded cheaply (each token's best match anywhere in the titles or the body), then scored
/// fully in order of that bound until none left can make the first `limit`.
fn rank(
    idx: &SearchIndex,
    tokens: &[QToken],
    code_like: &str,
    limit: usize,
    filters: &Filters<'_>,
) -> Vec<Ranked> {
    // Unique tokens over all variants, and each variant as indexes into them.
    let mut uniq: Vec<Expanded> = Vec::new();
    let mut vars: Vec<Vec<usize>> = Vec::new();
    for v in variants(tokens, &idx.rules) {
        let mut ks = Vec::with_capacity(v.len());
        for q in &v {
            let k = match uniq
                .iter()
                .position(|e| e.text == q.text && e.prefix == q.prefix)
            {
                Some(k) => k,
                None => {
                    uniq.push(Expanded::new(idx, q));
                    uniq.len() - 1
                }
            };
            ks.push(k);
        }
        vars.push(ks);
    }
    let field = match filters.field {
        Some(f) => match idx.field_id(f) {
            Some(id) => Some(id),
            None => return Vec::new(),
        },
        None => None,
    };
    let pass = |d: usize| {
        let doc = &idx.docs[d];
        field.is_none_or(|f| doc.field == f)
            && filters.level.is_none_or(|l| doc.level.as_str() == l)
            && filters
                .service_level
                .is_none_or(|s| doc.service_level.as_str() == s)
    };
    let width = uniq.len();
    let mut hits = Hits::new(idx.n_docs(), width);
    for (k, e) in uniq.iter().enumerate() {
        token_hits(idx, k, e, &pass, &mut hits);
    }
    // Upper bound of each touched document's score: its best variant's coverage (each token's
    // best match anywhere in the titles or the body) plus every bonus it could still get.
    let totals: Vec<f64> = vars
        .iter()
        .map(|v| v.iter().map(|&k| uniq[k].weight).sum())
        .collect();
    let longest = vars.iter().map(Vec::len).max().unwrap_or(0);
    let phrase = if longest >= 2 { PHRASE } else { 0.0 };
    let mut bounded: Vec<(f64, u32, u32)> = Vec::with_capacity(hits.touched.len());
    // Per candidate: each token's weighted best strength, then each variant's coverage.
    let mut tok = vec![0.0f64; width];
    let mut covers = vec![0.0f64; vars.len()];
    let strengths = |s: usize, tok: &mut [f64], covers: &mut [f64]| {
        let (title, body) = hits.of(s);
        for (k, ((t, b), e)) in title.iter().zip(body).zip(&uniq).enumerate() {
            let t = TITLE_S[*t as usize];
            let b = BODY_S[*b as usize] * BODY_SHARE;
            tok[k] = e.weight * t.max(b);
        }
        for ((c, v), total) in covers.iter_mut().zip(&vars).zip(&totals) {
            *c = if *total > 0.0 {
                v.iter().map(|&k| tok[k]).sum::<f64>() / total
            } else {
                0.0
            };
        }
    };
    for (s, &d) in hits.touched.iter().enumerate() {
        strengths(s, &mut tok, &mut covers);
        let cover = covers.iter().copied().fold(0.0f64, f64::max);
        if cover <= 0.0 {
            continue;
        }
        let i = d as usize;
        let shortest = idx.shortest.get(i).copied().unwrap_or(1).max(1);
        let spec = (longest as f64 / f64::from(shortest)).min(1.0);
        let pop = idx.popular.get(i).copied().unwrap_or(u32::MAX);
        let ub = cover + SPECIFICITY * spec + phrase + rank_bonus(pop);
        bounded.push((ub, d, s as u32));
    }
    let by_bound =
        |a: &(f64, u32, u32), b: &(f64, u32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if bounded.len() > MAX_SCORED {
        bounded.select_nth_unstable_by(MAX_SCORED, by_bound);
        bounded.truncate(MAX_SCORED);
    }
    bounded.sort_unstable_by(by_bound);
    // An exact national code is always scored first (it goes first if it matches at all).
    let code_match = if code_like.contains('.') {
        hits.touched
            .iter()
            .enumerate()
            .find(|(_, &d)| idx.docs[d as usize].code.as_deref() == Some(code_like))
            .map(|(s, &d)| (d, s as u32))
    } else {
        None
    };
    if let Some((d, s)) = code_match {
        bounded.retain(|b| b.1 != d);
        bounded.insert(0, (f64::INFINITY, d, s));
    }
    let mut out: Vec<Ranked> = Vec::new();
    // The `limit` best scores so far, best first: once a bound is below the last, no document
    // after it (bounds descend) can enter the results.
    let mut top: Vec<f64> = Vec::with_capacity(limit + 1);
    let mut by_cover: Vec<(f64, usize)> = Vec::with_capacity(vars.len());
    let mut bufs = ScoreBufs::default();
    for &(ub, d, s) in &bounded {
        if top.len() >= limit && ub + 0.001 < top[limit - 1] {
            break;
        }
        let (i, s) = (d as usize, s as usize);
        // Variants best covered first; one whose coverage plus every bonus cannot beat the best
        // so far is skipped.
        strengths(s, &mut tok, &mut covers);
        by_cover.clear();
        by_cover.extend(
            covers
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0.0)
                .map(|(vi, c)| (*c, vi)),
        );
        by_cover.sort_by(|a, b| b.0.total_cmp(&a.0));
        let body = hits.of(s).1;
        let mut best = 0.0f64;
        for &(cover, vi) in &by_cover {
            if cover + SPECIFICITY + PHRASE < best {
                break;
            }
            best = best.max(score_variant(idx, i, &vars[vi], &uniq, body, &mut bufs));
        }
        if best <= 0.0 {
            continue;
        }
        let score = ((best + popularity_bonus(idx.docs[i].popular)) * 1000.0).round() / 1000.0;
        out.push(Ranked { doc: i, score });
        let at = top.partition_point(|x| *x >= score);
        top.insert(at, score);
        top.truncate(limit);
    }
    out.sort_by(|a, b| rank_order(idx, code_like, a, b));
    out.truncate(limit);
    out
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
    let idx = index::get(c)?;
    let ranked = rank(&idx, &tokens, query.trim(), limit, filters);
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {HIT_COLUMNS} FROM catalog_procedure p WHERE p.rowid = ?1"
    ))?;
    let mut out = Vec::with_capacity(ranked.len());
    for r in ranked {
        let rowid = idx.docs[r.doc].rowid;
        // The index and the rows come from the same generation, read under one lock; a row
        // missing now would mean another process changed the catalog in between: skip it.
        if let Some(mut hit) = stmt.query_row([rowid], hit_row).optional()? {
            hit.score = r.score;
            out.push(hit);
        }
    }
    Ok(out)
}

fn popular(c: &Connection, limit: usize, filters: &Filters<'_>) -> Result<Vec<SearchHit>> {
    let mut args = Vec::new();
    let filter_sql = filters.sql(&mut args);
    let sql = format!(
        "SELECT {HIT_COLUMNS} FROM catalog_procedure p WHERE 1 = 1{filter_sql}
         ORDER BY p.popular IS NULL, p.popular, p.name LIMIT {limit}"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), hit_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row?);
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
