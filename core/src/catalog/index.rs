//! The in-memory search index: the catalog's vocabulary (sorted, so a prefix is a range of term
//! ids), document frequencies, posting lists for titles (name + aliases) and bodies, the typo
//! neighbourhoods (symmetric delete, hashed) and the synonym rules, built once from the stored rows
//! and cached per catalog generation.
//!
//! Every catalog update writes a fresh random `search_generation` into `catalog_meta`; a search
//! reads it (one indexed row) and reuses the cached index built for it, so an import — in this
//! process or another — invalidates the cache without anyone having to remember to.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rusqlite::{Connection, OptionalExtension};

use super::model::{Level, ServiceLevel};
use super::search::{Rule, MIN_TYPO_LEN};
use super::text;
use crate::error::Result;

/// Indexes kept in memory at once (an app has one store; tests and the benchmark have several).
const CACHE_SLOTS: usize = 4;

static CACHE: Mutex<Vec<Arc<SearchIndex>>> = Mutex::new(Vec::new());

/// SQL that gives the catalog a new search generation (run by every catalog update).
pub(crate) const NEW_GENERATION_SQL: &str = "INSERT INTO catalog_meta (key, value)
     VALUES ('search_generation', lower(hex(randomblob(16))))
     ON CONFLICT(key) DO UPDATE SET value = excluded.value";

/// One procedure as the ranker sees it.
#[derive(Debug)]
pub(crate) struct Doc {
    pub rowid: i64,
    pub name: String,
    pub code: Option<String>,
    pub field: u32,
    pub level: Level,
    pub service_level: ServiceLevel,
    pub popular: Option<u32>,
    /// Term ids of the name (`titles[0]`) and of each alias.
    pub titles: Vec<Box<[u32]>>,
}

/// Posting lists in one flat array: the documents of term `t` are `docs[off[t]..off[t + 1]]`,
/// ascending.
#[derive(Debug, Default)]
struct Postings {
    off: Vec<u32>,
    docs: Vec<u32>,
}

impl Postings {
    fn build(n_terms: usize, per_doc: &[Vec<u32>]) -> Self {
        let mut count = vec![0u32; n_terms + 1];
        for terms in per_doc {
            for &t in terms {
                count[t as usize + 1] += 1;
            }
        }
        for i in 1..count.len() {
            count[i] += count[i - 1];
        }
        let mut docs = vec![0u32; count[n_terms] as usize];
        let mut next = count.clone();
        for (d, terms) in per_doc.iter().enumerate() {
            for &t in terms {
                let slot = &mut next[t as usize];
                docs[*slot as usize] = d as u32;
                *slot += 1;
            }
        }
        Self { off: count, docs }
    }

    fn of(&self, term: u32) -> &[u32] {
        let t = term as usize;
        match (self.off.get(t), self.off.get(t + 1)) {
            (Some(&a), Some(&b)) => self.docs.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// The whole index of one catalog generation.
#[derive(Debug)]
pub(crate) struct SearchIndex {
    generation: Option<String>,
    /// Sorted; a term's id is its position.
    terms: Vec<String>,
    df: Vec<u32>,
    title: Postings,
    body: Postings,
    /// (hash of a one-deletion key, term id), sorted: terms within one edit share a key.
    dels: Vec<(u64, u32)>,
    pub rules: Vec<Rule>,
    pub docs: Vec<Doc>,
    /// Per document, side by side so the ranker's bound pass over thousands of candidates reads
    /// two small arrays instead of every `Doc` and its titles: the word count of its shortest
    /// title (at least 1) and its popularity rank (`u32::MAX` when not popular).
    pub shortest: Vec<u32>,
    pub popular: Vec<u32>,
    fields: Vec<String>,
}

fn key_hash(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
}

/// Interns terms while reading rows; ids are renumbered in sorted order at the end.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
}

impl Interner {
    fn id(&mut self, t: &str) -> u32 {
        if let Some(&i) = self.ids.get(t) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.insert(t.to_string(), i);
        i
    }
}

impl SearchIndex {
    /// Reads the stored catalog (procedures and synonym rules) into a new index.
    pub(crate) fn build(c: &Connection, generation: Option<String>) -> Result<Self> {
        let started = Instant::now();
        let mut interner = Interner::default();
        let mut fields: Vec<String> = Vec::new();
        let mut docs = Vec::new();
        let mut bodies: Vec<Vec<u32>> = Vec::new();
        {
            let mut stmt = c.prepare(
                "SELECT rowid, name, code, field, level, service_level, popular, name_folded,
                        aliases_folded, body_terms
                 FROM catalog_procedure ORDER BY rowid",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let field: String = r.get(3)?;
                let field = match fields.iter().position(|f| *f == field) {
                    Some(i) => i as u32,
                    None => {
                        fields.push(field);
                        fields.len() as u32 - 1
                    }
                };
                // Rows are written by the import, which only stores valid levels; an unknown one
                // (a newer app's catalog) is treated as "other" rather than failing every search.
                let level = Level::parse(&r.get::<_, String>(4)?).unwrap_or(Level::Other);
                let service_level =
                    ServiceLevel::parse(&r.get::<_, String>(5)?).unwrap_or(ServiceLevel::Partial);
                let name_folded: String = r.get(7)?;
                let aliases: String = r.get(8)?;
                let body: String = r.get(9)?;
                let mut titles: Vec<Box<[u32]>> = Vec::new();
                titles.push(words(&name_folded).map(|t| interner.id(t)).collect());
                for a in aliases.split('|') {
                    let ids: Box<[u32]> = words(a).map(|t| interner.id(t)).collect();
                    if !ids.is_empty() {
                        titles.push(ids);
                    }
                }
                bodies.push(words(&body).map(|t| interner.id(t)).collect());
                docs.push(Doc {
                    rowid: r.get(0)?,
                    name: r.get(1)?,
                    code: r.get(2)?,
                    field,
                    level,
                    service_level,
                    popular: r.get(6)?,
                    titles,
                });
            }
        }
        // Renumber terms in sorted order.
        let mut sorted: Vec<(String, u32)> = interner.ids.into_iter().collect();
        sorted.sort_unstable();
        let mut remap = vec![0u32; sorted.len()];
        for (new, (_, old)) in sorted.iter().enumerate() {
            remap[*old as usize] = new as u32;
        }
        let terms: Vec<String> = sorted.into_iter().map(|(t, _)| t).collect();
        let n_terms = terms.len();
        let mut df = vec![0u32; n_terms];
        // stamp[t] == d: term t already counted for document d.
        let mut stamp = vec![u32::MAX; n_terms];
        let mut title_terms: Vec<Vec<u32>> = Vec::with_capacity(docs.len());
        for (d, (doc, body)) in docs.iter_mut().zip(bodies.iter_mut()).enumerate() {
            let d = d as u32;
            let mut mine = Vec::new();
            for title in doc.titles.iter_mut() {
                for t in title.iter_mut() {
                    *t = remap[*t as usize];
                    if stamp[*t as usize] != d {
                        stamp[*t as usize] = d;
                        df[*t as usize] += 1;
                        mine.push(*t);
                    }
                }
            }
            mine.sort_unstable();
            title_terms.push(mine);
            for t in body.iter_mut() {
                *t = remap[*t as usize];
            }
            body.sort_unstable();
            body.dedup();
            for &t in body.iter() {
                if stamp[t as usize] != d {
                    stamp[t as usize] = d;
                    df[t as usize] += 1;
                }
            }
        }
        let title = Postings::build(n_terms, &title_terms);
        let body = Postings::build(n_terms, &bodies);
        let mut dels = Vec::new();
        for (id, term) in terms.iter().enumerate() {
            if term.chars().count() + 1 >= MIN_TYPO_LEN && !term.bytes().all(|b| b.is_ascii_digit())
            {
                for k in text::deletions(term) {
                    dels.push((key_hash(&k), id as u32));
                }
            }
        }
        dels.sort_unstable();
        dels.dedup();
        let rules = load_rules(c)?;
        let shortest = docs
            .iter()
            .map(|d| d.titles.iter().map(|t| t.len()).min().unwrap_or(0).max(1) as u32)
            .collect();
        let popular = docs.iter().map(|d| d.popular.unwrap_or(u32::MAX)).collect();
        tracing::debug!(
            docs = docs.len(),
            terms = n_terms,
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "catalog search index built"
        );
        Ok(Self {
            generation,
            terms,
            df,
            title,
            body,
            dels,
            rules,
            docs,
            shortest,
            popular,
            fields,
        })
    }

    pub(crate) fn n_docs(&self) -> usize {
        self.docs.len()
    }

    pub(crate) fn term(&self, t: &str) -> Option<u32> {
        self.terms
            .binary_search_by(|x| x.as_str().cmp(t))
            .ok()
            .map(|i| i as u32)
    }

    pub(crate) fn term_text(&self, id: u32) -> &str {
        self.terms.get(id as usize).map_or("", String::as_str)
    }

    pub(crate) fn df(&self, id: u32) -> u32 {
        self.df.get(id as usize).copied().unwrap_or(0)
    }

    /// The ids of the terms that start with `p`: a range, since ids follow sort order.
    pub(crate) fn prefix_range(&self, p: &str) -> (u32, u32) {
        let lo = self.terms.partition_point(|x| x.as_str() < p);
        let hi = lo + self.terms[lo..].partition_point(|x| x.starts_with(p));
        (lo as u32, hi as u32)
    }

    /// Vocabulary terms within one edit of `token` (not `token` itself), most frequent first.
    pub(crate) fn typos(&self, token: &str, max: usize) -> Vec<u32> {
        let mut found: Vec<u32> = Vec::new();
        for k in text::deletions(token) {
            let h = key_hash(&k);
            let from = self.dels.partition_point(|(x, _)| *x < h);
            for &(_, id) in self.dels[from..].iter().take_while(|(x, _)| *x == h) {
                if !found.contains(&id) {
                    let term = self.term_text(id);
                    if term != token && text::within_one_edit(term, token) {
                        found.push(id);
                    }
                }
            }
        }
        found.sort_by(|a, b| {
            self.df(*b)
                .cmp(&self.df(*a))
                .then_with(|| self.term_text(*a).cmp(self.term_text(*b)))
        });
        found.truncate(max);
        found
    }

    pub(crate) fn title_docs(&self, term: u32) -> &[u32] {
        self.title.of(term)
    }

    pub(crate) fn body_docs(&self, term: u32) -> &[u32] {
        self.body.of(term)
    }

    /// The interned id of a field, or `None` when no procedure has it.
    pub(crate) fn field_id(&self, f: &str) -> Option<u32> {
        self.fields.iter().position(|x| x == f).map(|i| i as u32)
    }
}

fn load_rules(c: &Connection) -> Result<Vec<Rule>> {
    let mut stmt =
        c.prepare_cached("SELECT body FROM catalog_ref WHERE kind = 'synonym' ORDER BY id")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for body in rows {
        match serde_json::from_str(&body?) {
            Ok(rule) => out.push(rule),
            Err(e) => tracing::warn!(error = %e, "stored synonym rule skipped"),
        }
    }
    Ok(out)
}

fn generation(c: &Connection) -> Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT value FROM catalog_meta WHERE key = 'search_generation'")?
            .query_row([], |r| r.get(0))
            .optional()?,
    )
}

fn cache() -> std::sync::MutexGuard<'static, Vec<Arc<SearchIndex>>> {
    // The cache holds finished indexes only; a panic elsewhere cannot leave one half-built.
    CACHE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The index of the stored catalog: cached for its generation, or built now.
pub(crate) fn get(c: &Connection) -> Result<Arc<SearchIndex>> {
    if let Some(g) = generation(c)? {
        let mut slots = cache();
        if let Some(i) = slots
            .iter()
            .position(|x| x.generation.as_deref() == Some(g.as_str()))
        {
            let hit = slots.remove(i);
            slots.push(Arc::clone(&hit));
            return Ok(hit);
        }
    }
    // Read the generation and the rows in one read transaction so they agree even if another
    // process imports meanwhile.
    let tx = if c.is_autocommit() {
        Some(c.unchecked_transaction()?)
    } else {
        None
    };
    let generation = generation(c)?;
    let index = Arc::new(SearchIndex::build(c, generation.clone())?);
    if let Some(tx) = tx {
        tx.commit()?;
    }
    match generation {
        Some(_) => {
            let mut slots = cache();
            slots.push(Arc::clone(&index));
            let excess = slots.len().saturating_sub(CACHE_SLOTS);
            slots.drain(..excess);
        }
        // A catalog stored before generations existed: `import_bundled` stamps one on the next
        // start; until then every search builds its own index (correct, only slower).
        None => tracing::warn!("catalog has no search generation; index not cached"),
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::import_bundled;
    use crate::store::Store;

    #[test]
    fn postings_prefixes_typos_and_cache() {
        let store = Store::open_in_memory().unwrap();
        import_bundled(&store).unwrap();
        let idx = store.read(get).unwrap();
        assert!(idx.n_docs() > 30);
        let chieu = idx.term("chieu").unwrap();
        let (lo, hi) = idx.prefix_range("chie");
        assert!(lo <= chieu && chieu < hi);
        assert!((lo..hi).all(|t| idx.term_text(t).starts_with("chie")));
        let (a, b) = idx.prefix_range("zzzzq");
        assert_eq!(a, b);
        assert!(!idx.title_docs(chieu).is_empty());
        assert!(idx.title_docs(chieu).windows(2).all(|w| w[0] < w[1]));
        assert!(idx.df(chieu) as usize >= idx.title_docs(chieu).len());
        let typos: Vec<&str> = idx
            .typos("chiue", 5)
            .into_iter()
            .map(|t| idx.term_text(t))
            .collect();
        assert!(typos.contains(&"chieu"), "{typos:?}");
        assert!(idx
            .typos("chieu", 5)
            .iter()
            .all(|&t| idx.term_text(t) != "chieu"));
        // Same generation → same index; a new import → a new one.
        let again = store.read(get).unwrap();
        assert!(Arc::ptr_eq(&idx, &again));
        store
            .write(|tx| tx.execute(NEW_GENERATION_SQL, []))
            .unwrap();
        let fresh = store.read(get).unwrap();
        assert!(!Arc::ptr_eq(&idx, &fresh));
    }
}
