//! The bundle file and its key: sealing and opening, nothing else (no store, no payload rules).
//! The layout is described in the module above ([`super`]).

use base64ct::{Base64UrlUnpadded, Encoding};
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{CoreError, Result};

/// First bytes of every bundle.
pub const MAGIC: &[u8; 8] = b"DVCHAND\0";
/// The bundle format this build writes and reads.
pub const VERSION: u16 = 1;
/// Bytes of the plaintext header (authenticated as associated data).
pub const HEADER_LEN: usize = 78;
/// Bytes of the authentication tag after the ciphertext.
pub const TAG_LEN: usize = 16;
/// Largest bundle accepted or made: the whole file.
pub const MAX_BUNDLE_BYTES: usize = 64 * 1024 * 1024;
/// Largest description part (the JSON of the profile, papers' metadata and dossiers).
pub const MAX_META_BYTES: usize = 4 * 1024 * 1024;

/// The key string's prefix: "DVC hand-off", key format 1 (for bundle format 1).
const KEY_PREFIX: &str = "DVCH1";
const KEY_CHECK_CONTEXT: &[u8] = b"dvc handoff key check v1";
const ID_LEN: usize = 16;
const KEY_LEN: usize = 32;
const CHECK_LEN: usize = 16;
const NONCE_LEN: usize = 24;
/// Unpadded base64url lengths of the id and the key.
const ID_B64_LEN: usize = 22;
const KEY_B64_LEN: usize = 43;

// Header offsets.
const AT_VERSION: usize = 8;
const AT_ID: usize = 10;
const AT_CHECK: usize = AT_ID + ID_LEN;
const AT_NONCE: usize = AT_CHECK + CHECK_LEN;
const AT_META_LEN: usize = AT_NONCE + NONCE_LEN;
const AT_BLOBS_LEN: usize = AT_META_LEN + 4;
const _: () = assert!(AT_BLOBS_LEN + 8 == HEADER_LEN);

fn bad(field: &str, reason: impl Into<String>, key: &'static str) -> CoreError {
    CoreError::invalid(field, reason, key)
}

pub(crate) fn too_large(reason: impl Into<String>) -> CoreError {
    bad("bundle", reason, "handoff.too_large")
}

fn truncated(reason: impl Into<String>) -> CoreError {
    bad("bundle", reason, "handoff.truncated")
}

fn corrupt(reason: impl Into<String>) -> CoreError {
    bad("bundle", reason, "handoff.corrupt")
}

fn wrong_key(reason: impl Into<String>) -> CoreError {
    bad("key", reason, "handoff.wrong_key")
}

fn b64<const N: usize>(bytes: &[u8], out: &mut [u8; N]) -> String {
    // The buffers are sized for the fixed inputs: encoding cannot fail.
    Base64UrlUnpadded::encode(bytes, out)
        .map(str::to_owned)
        .unwrap_or_default()
}

/// Decodes exactly `N` bytes from canonical unpadded base64url (re-encoding gives the input).
fn unb64<const N: usize>(s: &str) -> Option<Zeroizing<[u8; N]>> {
    let mut out = Zeroizing::new([0u8; N]);
    let n = Base64UrlUnpadded::decode(s, &mut out[..]).ok()?.len();
    if n != N {
        return None;
    }
    let mut again = Zeroizing::new([0u8; 64]);
    let canonical = Base64UrlUnpadded::encode(&out[..], &mut again[..]).ok()? == s;
    canonical.then_some(out)
}

/// A bundle's id and key: what the QR carries.
pub struct BundleKey {
    id: [u8; ID_LEN],
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl std::fmt::Debug for BundleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("BundleKey")
            .field("bundle_id", &self.bundle_id())
            .finish_non_exhaustive()
    }
}

impl BundleKey {
    /// A fresh random bundle id and key.
    pub fn random() -> Self {
        let mut id = [0u8; ID_LEN];
        rand::Rng::fill(&mut rand::rng(), &mut id[..]);
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        rand::Rng::fill(&mut rand::rng(), &mut key[..]);
        Self { id, key }
    }

    /// Reads a key string (`DVCH1.<id>.<key>`, surrounding spaces ignored).
    pub fn parse(s: &str) -> Result<Self> {
        let invalid = |why: &str| {
            bad(
                "key",
                format!("not a hand-off key: {why} (expected DVCH1.<bundle id>.<key>)"),
                "handoff.key_invalid",
            )
        };
        let s = s.trim();
        let mut parts = s.split('.');
        let prefix = parts.next().unwrap_or_default();
        if prefix != KEY_PREFIX {
            let other_version = prefix.len() > 4
                && prefix.starts_with("DVCH")
                && prefix[4..].bytes().all(|b| b.is_ascii_digit());
            if other_version {
                return Err(bad(
                    "key",
                    format!(
                        "the key is of format {}, this app reads format 1",
                        &prefix[4..]
                    ),
                    "handoff.unsupported_version",
                ));
            }
            return Err(invalid("wrong prefix"));
        }
        let (Some(id), Some(key), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid("it has not three parts"));
        };
        if id.len() != ID_B64_LEN || key.len() != KEY_B64_LEN {
            return Err(invalid("a part has the wrong length"));
        }
        let id = unb64::<ID_LEN>(id).ok_or_else(|| invalid("the bundle id is not base64url"))?;
        let key = unb64::<KEY_LEN>(key).ok_or_else(|| invalid("the key is not base64url"))?;
        Ok(Self { id: *id, key })
    }

    /// The key string (a secret: never logged).
    pub fn to_key_string(&self) -> Zeroizing<String> {
        let mut id = [0u8; ID_B64_LEN];
        let mut key = Zeroizing::new([0u8; KEY_B64_LEN]);
        let key_text = Zeroizing::new(b64(&self.key[..], &mut key));
        Zeroizing::new(format!(
            "{KEY_PREFIX}.{}.{}",
            b64(&self.id, &mut id),
            key_text.as_str()
        ))
    }

    /// The bundle id as text (unpadded base64url, 22 characters): not a secret.
    pub fn bundle_id(&self) -> String {
        bundle_id_text(&self.id)
    }

    /// Tells a wrong key from a damaged file without trying to decrypt.
    fn check(&self) -> [u8; CHECK_LEN] {
        let mut h = Sha256::new();
        h.update(KEY_CHECK_CONTEXT);
        h.update(self.id);
        h.update(&self.key[..]);
        let digest = h.finalize();
        let mut out = [0u8; CHECK_LEN];
        out.copy_from_slice(&digest[..CHECK_LEN]);
        out
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&*self.key).into())
    }
}

fn bundle_id_text(id: &[u8; ID_LEN]) -> String {
    let mut out = [0u8; ID_B64_LEN];
    b64(id, &mut out)
}

/// The plaintext of an opened bundle: the description, then the papers' bytes.
pub struct Plain {
    pub bundle_id: String,
    bytes: Zeroizing<Vec<u8>>,
    meta_len: usize,
}

impl std::fmt::Debug for Plain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plain")
            .field("bundle_id", &self.bundle_id)
            .field("meta_len", &self.meta_len)
            .field("blobs_len", &self.blobs().len())
            .finish()
    }
}

impl Plain {
    pub fn meta(&self) -> &[u8] {
        &self.bytes[..self.meta_len]
    }

    pub fn blobs(&self) -> &[u8] {
        &self.bytes[self.meta_len..]
    }
}

/// The header fields, read but not yet trusted (they are authenticated with the ciphertext).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    id: [u8; ID_LEN],
    check: [u8; CHECK_LEN],
    nonce: [u8; NONCE_LEN],
    meta_len: u64,
    blobs_len: u64,
}

fn array<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = b.get(at..at + N) {
        out.copy_from_slice(src);
    }
    out
}

/// Reads and checks the header: magic, version, then the sizes it claims against the limits and
/// against the file's length. Allocates nothing.
fn read_header(file: &[u8]) -> Result<Header> {
    if file.len() < MAGIC.len() {
        return Err(if MAGIC.starts_with(file) {
            truncated(format!(
                "the file ends after {} bytes, inside the bundle's header",
                file.len()
            ))
        } else {
            bad(
                "bundle",
                "not a hand-off bundle (wrong first bytes)",
                "handoff.not_a_bundle",
            )
        });
    }
    if !file.starts_with(MAGIC) {
        return Err(bad(
            "bundle",
            "not a hand-off bundle (wrong first bytes)",
            "handoff.not_a_bundle",
        ));
    }
    if file.len() < AT_ID {
        return Err(truncated(format!(
            "the file ends after {} bytes, inside the bundle's header",
            file.len()
        )));
    }
    let version = u16::from_be_bytes(array(file, AT_VERSION));
    if version != VERSION {
        return Err(bad(
            "bundle",
            format!("the bundle is of format {version}, this app reads format {VERSION}"),
            "handoff.unsupported_version",
        ));
    }
    if file.len() < HEADER_LEN {
        return Err(truncated(format!(
            "the file ends after {} bytes, inside the bundle's header ({HEADER_LEN} bytes)",
            file.len()
        )));
    }
    let h = Header {
        id: array(file, AT_ID),
        check: array(file, AT_CHECK),
        nonce: array(file, AT_NONCE),
        meta_len: u64::from(u32::from_be_bytes(array(file, AT_META_LEN))),
        blobs_len: u64::from_be_bytes(array(file, AT_BLOBS_LEN)),
    };
    if h.meta_len > MAX_META_BYTES as u64 {
        return Err(too_large(format!(
            "the bundle's header claims a description of {} bytes (at most {MAX_META_BYTES})",
            h.meta_len
        )));
    }
    let total = (HEADER_LEN as u64)
        .checked_add(h.meta_len)
        .and_then(|n| n.checked_add(h.blobs_len))
        .and_then(|n| n.checked_add(TAG_LEN as u64));
    let total = match total {
        Some(n) if n <= MAX_BUNDLE_BYTES as u64 => n,
        _ => {
            return Err(too_large(format!(
                "the bundle's header claims {} bytes of papers (a bundle is at most \
                 {MAX_BUNDLE_BYTES} bytes)",
                h.blobs_len
            )))
        }
    };
    let len = file.len() as u64;
    if len < total {
        return Err(truncated(format!(
            "the file has {len} of the {total} bytes its header announces"
        )));
    }
    if len > total {
        return Err(corrupt(format!(
            "the file has {} bytes more than its header announces",
            len - total
        )));
    }
    Ok(h)
}

/// Encrypts `meta` and the `blobs` (concatenated, in order) under a fresh nonce.
pub fn seal(key: &BundleKey, meta: &[u8], blobs: &[&[u8]]) -> Result<Vec<u8>> {
    if meta.len() > MAX_META_BYTES {
        return Err(too_large(format!(
            "the description of this person takes {} bytes (at most {MAX_META_BYTES})",
            meta.len()
        )));
    }
    let blobs_len: u64 = blobs.iter().map(|b| b.len() as u64).sum();
    let total = (HEADER_LEN + meta.len() + TAG_LEN) as u64 + blobs_len;
    if total > MAX_BUNDLE_BYTES as u64 {
        return Err(too_large(format!(
            "this person's papers add up to {blobs_len} bytes: more than a hand-off carries \
             ({MAX_BUNDLE_BYTES} bytes in all)"
        )));
    }
    let mut nonce = [0u8; NONCE_LEN];
    rand::Rng::fill(&mut rand::rng(), &mut nonce[..]);
    // `total` fits in usize: it is at most MAX_BUNDLE_BYTES.
    let mut file = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    file.extend_from_slice(MAGIC);
    file.extend_from_slice(&VERSION.to_be_bytes());
    file.extend_from_slice(&key.id);
    file.extend_from_slice(&key.check());
    file.extend_from_slice(&nonce);
    let meta_len = u32::try_from(meta.len()).map_err(|_| too_large("description too large"))?;
    file.extend_from_slice(&meta_len.to_be_bytes());
    file.extend_from_slice(&blobs_len.to_be_bytes());
    file.extend_from_slice(meta);
    for b in blobs {
        file.extend_from_slice(b);
    }
    let (header, body) = file.split_at_mut(HEADER_LEN);
    let tag = key
        .cipher()
        .encrypt_in_place_detached(XNonce::from_slice(&nonce), header, body)
        .map_err(|_| CoreError::invalid("bundle", "encryption failed", "errors.internal"))?;
    file.extend_from_slice(tag.as_slice());
    Ok(file)
}

/// Checks a bundle (limits, format, key) and decrypts it. The only allocation is the plaintext,
/// made once every size is known to fit [`MAX_BUNDLE_BYTES`] and the file's actual length.
pub fn open(file: &[u8], key: &BundleKey) -> Result<Plain> {
    if file.len() > MAX_BUNDLE_BYTES {
        return Err(too_large(format!(
            "the file has {} bytes; a hand-off bundle is at most {MAX_BUNDLE_BYTES}",
            file.len()
        )));
    }
    let h = read_header(file)?;
    if h.id != key.id {
        return Err(wrong_key(format!(
            "the key belongs to bundle {}, not to this one ({})",
            key.bundle_id(),
            bundle_id_text(&h.id)
        )));
    }
    if !bool::from(h.check.ct_eq(&key.check())) {
        return Err(wrong_key(
            "the key does not open this bundle (mistyped or wrong key)",
        ));
    }
    let (header, rest) = file.split_at(HEADER_LEN);
    let (ct, tag) = rest.split_at(rest.len() - TAG_LEN);
    let mut bytes = Zeroizing::new(ct.to_vec());
    key.cipher()
        .decrypt_in_place_detached(
            XNonce::from_slice(&h.nonce),
            header,
            &mut bytes[..],
            Tag::from_slice(tag),
        )
        .map_err(|_| corrupt("the bundle was altered or damaged (it does not authenticate)"))?;
    let meta_len = usize::try_from(h.meta_len).map_err(|_| corrupt("description size"))?;
    Ok(Plain {
        bundle_id: bundle_id_text(&h.id),
        bytes,
        meta_len,
    })
}

/// The bundle id a file's header names (unauthenticated; for logs and messages only).
pub fn peek_bundle_id(file: &[u8]) -> Option<String> {
    let id = file.get(AT_ID..AT_ID + ID_LEN)?;
    file.starts_with(MAGIC)
        .then(|| bundle_id_text(&array(id, 0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key_of(e: &CoreError) -> &'static str {
        e.message_key()
    }

    fn sample(key: &BundleKey) -> Vec<u8> {
        seal(
            key,
            br#"{"hello":"world"}"#,
            &[b"first paper", b"", b"second"],
        )
        .unwrap()
    }

    #[test]
    fn a_sealed_bundle_opens_with_its_key() {
        let key = BundleKey::random();
        let file = sample(&key);
        assert_eq!(file.len(), HEADER_LEN + 17 + 17 + TAG_LEN);
        let plain = open(&file, &key).unwrap();
        assert_eq!(plain.meta(), br#"{"hello":"world"}"#);
        assert_eq!(plain.blobs(), b"first papersecond");
        assert_eq!(plain.bundle_id, key.bundle_id());
        assert_eq!(peek_bundle_id(&file), Some(key.bundle_id()));
        // Nothing of the plaintext shows in the file.
        assert!(!file.windows(5).any(|w| w == b"hello"));
        assert!(!file.windows(6).any(|w| w == b"second"));
    }

    #[test]
    fn the_key_string_is_short_and_reads_back() {
        let key = BundleKey::random();
        let s = key.to_key_string();
        assert_eq!(s.len(), 5 + 1 + 22 + 1 + 43, "{}", s.len());
        assert!(s.starts_with("DVCH1."));
        assert!(s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_'));
        let back = BundleKey::parse(&format!("  {}\n", s.as_str())).unwrap();
        assert_eq!(back.id, key.id);
        assert_eq!(*back.key, *key.key);
        assert_eq!(back.bundle_id(), key.bundle_id());
        // Debug never shows the key.
        let dbg = format!("{key:?}");
        assert!(!dbg.contains(&s[28..]), "{dbg}");
    }

    #[test]
    fn malformed_keys_are_refused() {
        let good = BundleKey::random().to_key_string().to_string();
        let (prefix, rest) = good.split_at(6);
        let mut bad_char = good.to_string();
        bad_char.replace_range(10..11, "*");
        for k in [
            String::new(),
            "DVCH1".into(),
            "DVCH1..".into(),
            format!("DVCX1.{rest}"),
            format!("{prefix}{rest}.extra"),
            good[..good.len() - 1].to_string(),
            format!("{good}A"),
            bad_char,
            good.replace('.', ":"),
        ] {
            let e = BundleKey::parse(&k).unwrap_err();
            assert_eq!(key_of(&e), "handoff.key_invalid", "{k:?}: {e}");
        }
        let e = BundleKey::parse(&format!("DVCH2.{rest}")).unwrap_err();
        assert_eq!(key_of(&e), "handoff.unsupported_version", "{e}");
    }

    #[test]
    fn non_canonical_base64_is_refused() {
        // The last character of a 16-byte id carries 4 unused bits: set one of them.
        let key = BundleKey::random();
        let s = key.to_key_string();
        let id = &s[6..28];
        let last = id.as_bytes()[21];
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let pos = ALPHABET.iter().position(|&c| c == last).unwrap();
        let twin = ALPHABET[pos ^ 1] as char;
        let mut other = s.to_string();
        other.replace_range(27..28, &twin.to_string());
        let e = BundleKey::parse(&other).unwrap_err();
        assert_eq!(key_of(&e), "handoff.key_invalid", "{e}");
    }

    #[test]
    fn a_wrong_key_or_the_key_of_another_bundle_is_told_apart_from_damage() {
        let key = BundleKey::random();
        let file = sample(&key);
        let other = BundleKey::random();
        let e = open(&file, &other).unwrap_err();
        assert_eq!(key_of(&e), "handoff.wrong_key", "{e}");
        assert!(e.to_string().contains("belongs to bundle"), "{e}");
        // Same bundle id, another key (a mistyped key part).
        let mistyped = BundleKey {
            id: key.id,
            key: Zeroizing::new([9u8; KEY_LEN]),
        };
        let e = open(&file, &mistyped).unwrap_err();
        assert_eq!(key_of(&e), "handoff.wrong_key", "{e}");
        // The right key on an altered ciphertext.
        let mut altered = file.clone();
        altered[HEADER_LEN + 3] ^= 0x40;
        let e = open(&altered, &key).unwrap_err();
        assert_eq!(key_of(&e), "handoff.corrupt", "{e}");
    }

    #[test]
    fn every_single_flipped_byte_is_refused() {
        let key = BundleKey::random();
        let file = sample(&key);
        for i in 0..file.len() {
            for bit in [0x01u8, 0x80] {
                let mut f = file.clone();
                f[i] ^= bit;
                let e = open(&f, &key).expect_err("a flipped byte must not open");
                assert!(e.message_key().starts_with("handoff."), "{i}: {e}");
            }
        }
    }

    #[test]
    fn truncation_at_every_length_is_refused() {
        let key = BundleKey::random();
        let file = sample(&key);
        for n in 0..file.len() {
            let e = open(&file[..n], &key).unwrap_err();
            assert_eq!(key_of(&e), "handoff.truncated", "{n}: {e}");
        }
        // And a byte too many.
        let mut longer = file.clone();
        longer.push(0);
        assert_eq!(key_of(&open(&longer, &key).unwrap_err()), "handoff.corrupt");
    }

    #[test]
    fn foreign_files_and_versions_are_named_as_such() {
        let key = BundleKey::random();
        for f in [
            &b"%PDF-1.7 hello"[..],
            b"\xFF\xD8\xFF\xE0",
            b"DVCDOC1\0and more bytes",
        ] {
            assert_eq!(
                key_of(&open(f, &key).unwrap_err()),
                "handoff.not_a_bundle",
                "{f:?}"
            );
        }
        let mut v2 = sample(&key);
        v2[AT_VERSION..AT_ID].copy_from_slice(&2u16.to_be_bytes());
        let e = open(&v2, &key).unwrap_err();
        assert_eq!(key_of(&e), "handoff.unsupported_version", "{e}");
        // A later format is recognised even when its header is shorter than ours.
        assert_eq!(
            key_of(&open(&v2[..AT_ID + 1], &key).unwrap_err()),
            "handoff.unsupported_version"
        );
    }

    #[test]
    fn huge_size_claims_are_refused_before_anything_is_allocated() {
        let key = BundleKey::random();
        let file = sample(&key);
        // Claims that would need gigabytes (or overflow) if believed: refused from the header.
        for (meta, blobs) in [
            (u32::MAX, 0u64),
            (16, u64::MAX),
            (16, u64::MAX - 100),
            (16, 60 * 1024 * 1024 * 1024),
            (16, MAX_BUNDLE_BYTES as u64),
        ] {
            let mut f = file[..HEADER_LEN].to_vec();
            f[AT_META_LEN..AT_BLOBS_LEN].copy_from_slice(&meta.to_be_bytes());
            f[AT_BLOBS_LEN..HEADER_LEN].copy_from_slice(&blobs.to_be_bytes());
            let e = open(&f, &key).unwrap_err();
            assert_eq!(key_of(&e), "handoff.too_large", "{meta} {blobs}: {e}");
        }
        // A file over the cap is refused from its length alone.
        let big = vec![0u8; MAX_BUNDLE_BYTES + 1];
        assert_eq!(key_of(&open(&big, &key).unwrap_err()), "handoff.too_large");
        // Sealing refuses what could not be opened.
        let paper = vec![1u8; MAX_BUNDLE_BYTES];
        let e = seal(&key, b"{}", &[&paper]).unwrap_err();
        assert_eq!(key_of(&e), "handoff.too_large");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn round_trip(meta in proptest::collection::vec(any::<u8>(), 0..600),
                      blobs in proptest::collection::vec(
                          proptest::collection::vec(any::<u8>(), 0..300), 0..5)) {
            let key = BundleKey::random();
            let refs: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
            let file = seal(&key, &meta, &refs).unwrap();
            let plain = open(&file, &key).unwrap();
            prop_assert_eq!(plain.meta(), &meta[..]);
            prop_assert_eq!(plain.blobs(), &blobs.concat()[..]);
            let again = BundleKey::parse(&key.to_key_string()).unwrap();
            prop_assert!(open(&file, &again).is_ok());
        }

        #[test]
        fn any_flipped_bit_fails(meta in proptest::collection::vec(any::<u8>(), 0..200),
                                 at in any::<prop::sample::Index>(), bit in 0u8..8) {
            let key = BundleKey::random();
            let mut file = seal(&key, &meta, &[b"paper bytes"]).unwrap();
            let i = at.index(file.len());
            file[i] ^= 1 << bit;
            prop_assert!(open(&file, &key).is_err());
        }

        #[test]
        fn arbitrary_bytes_never_open_nor_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400),
                                                keep_magic in any::<bool>()) {
            let key = BundleKey::random();
            let mut f = bytes;
            if keep_magic && f.len() >= HEADER_LEN {
                f[..8].copy_from_slice(MAGIC);
                f[AT_VERSION..AT_ID].copy_from_slice(&VERSION.to_be_bytes());
                f[AT_ID..AT_CHECK].copy_from_slice(&key.id);
            }
            prop_assert!(open(&f, &key).is_err());
        }

        #[test]
        fn arbitrary_key_strings_never_panic(s in ".{0,120}") {
            let _ = BundleKey::parse(&s);
        }
    }
}
