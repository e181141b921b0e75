//! Finished answers kept while the snapshot does not change.
//!
//! The map asks for the same hexagons of the same view again and again: every user of a
//! jurisdiction opens the map on it, and panning back asks again. Building a province's
//! hexagons costs milliseconds of CPU; sending stored bytes costs microseconds. An answer
//! is kept for the snapshot generation it was built from and never served for another,
//! so a registration shows in the next read as before. Browsers revalidate with the
//! ETag (304 without a body) and get the bytes gzipped when they say they take gzip.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;

/// How many bytes of answers are kept at most; past it the oldest generation's answers
/// are dropped all at once (they are all of the current generation in practice).
const BUDGET: usize = 32 << 20;

/// One finished answer: its body, its media type, and its gzip form once asked for.
pub struct Answer {
    content_type: &'static str,
    body: Bytes,
    gzip: OnceLock<Bytes>,
    etag: HeaderValue,
}

impl Answer {
    /// The answer for a request: 304 when the browser holds it, gzip when it takes it.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let revalidating = request
            .get(header::IF_NONE_MATCH)
            .is_some_and(|tags| tags.as_bytes() == self.etag.as_bytes());
        let headers = [
            (header::ETAG, self.etag.clone()),
            // Always asked again, so a change shows at once; a 304 costs no body.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            ),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ];
        if revalidating {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        let content_type = (
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        if takes_gzip(request) {
            let gzip = self.gzip.get_or_init(|| gzip(&self.body)).clone();
            let encoding = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            (headers, [content_type, encoding], gzip).into_response()
        } else {
            (headers, [content_type], self.body.clone()).into_response()
        }
    }
}

/// Whether `Accept-Encoding` names gzip (and does not refuse it with q=0).
pub fn takes_gzip(request: &HeaderMap) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let refused = |p: &str| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            };
            parts
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case("gzip"))
                && !parts.any(refused)
        })
}

pub fn gzip(body: &[u8]) -> Bytes {
    // The fastest level: it still shrinks hexagon GeoJSON about eightfold, and a miss
    // pays for it while the user waits.
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 6), Compression::fast());
    encoder.write_all(body).expect("writing to memory");
    Bytes::from(encoder.finish().expect("writing to memory"))
}

/// A body written for one request, gzipped when the client takes it (as [`Answer`] does
/// for the answers it keeps).
pub fn body_for(request: &HeaderMap, content_type: &'static str, body: String) -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::VARY, HeaderValue::from_static("accept-encoding")),
    ];
    if takes_gzip(request) {
        let encoding = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        (headers, [encoding], gzip(body.as_bytes())).into_response()
    } else {
        (headers, body).into_response()
    }
}

/// Values computed from one generation of the snapshot, by key; a newer generation
/// drops them all. At most `budget` (in the units `put` is given sizes in) are kept.
pub struct Generational<V> {
    inner: Arc<Mutex<Kept<V>>>,
    budget: usize,
}

impl<V> Clone for Generational<V> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            budget: self.budget,
        }
    }
}

struct Kept<V> {
    generation: u64,
    size: usize,
    values: HashMap<String, V>,
}

impl<V: Clone> Generational<V> {
    pub fn new(budget: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Kept {
                generation: 0,
                size: 0,
                values: HashMap::new(),
            })),
            budget,
        }
    }

    /// The value kept for `key` at `generation`, if any.
    pub fn get(&self, generation: u64, key: &str) -> Option<V> {
        let kept = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (kept.generation == generation)
            .then(|| kept.values.get(key).cloned())
            .flatten()
    }

    /// Keeps `value` for `key` at `generation`, unless the kept values are of a newer
    /// generation (a slow reader of an older snapshot does not displace them).
    pub fn put(&self, generation: u64, key: String, value: V, size: usize) {
        let mut kept = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if generation < kept.generation || size > self.budget {
            return;
        }
        if generation > kept.generation || kept.size + size > self.budget {
            kept.generation = generation;
            kept.size = 0;
            kept.values.clear();
        }
        kept.size += size;
        kept.values.insert(key, value);
    }
}

/// Finished answers of one kind of request, by the request's normalized query.
#[derive(Clone)]
pub struct Answers {
    kept: Generational<Arc<Answer>>,
    /// Tells this process's ETags from another's (a restarted server counts anew).
    instance: u64,
}

impl Default for Answers {
    fn default() -> Self {
        let instance = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Self {
            kept: Generational::new(BUDGET),
            instance,
        }
    }
}

impl Answers {
    /// The answer kept for `key` at `generation`, if any.
    pub fn get(&self, generation: u64, key: &str) -> Option<Arc<Answer>> {
        self.kept.get(generation, key)
    }

    /// Keeps `body` as the answer for `key` at `generation` and returns it.
    pub fn put(
        &self,
        generation: u64,
        key: String,
        content_type: &'static str,
        body: Vec<u8>,
    ) -> Arc<Answer> {
        let etag = format!("\"{:x}-{generation:x}-{:x}\"", self.instance, fnv(&key));
        let answer = Arc::new(Answer {
            content_type,
            body: Bytes::from(body),
            gzip: OnceLock::new(),
            etag: HeaderValue::from_str(&etag).expect("hex digits and quotes"),
        });
        let size = answer.body.len();
        self.kept.put(generation, key, answer.clone(), size);
        answer
    }
}

/// A stable 64-bit hash of the key for the ETag (FNV-1a).
fn fnv(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn an_answer_is_served_only_for_the_generation_it_was_built_from() {
        let answers = Answers::default();
        answers.put(3, "res=6".into(), "application/json", b"{}".to_vec());
        assert!(answers.get(3, "res=6").is_some());
        assert!(answers.get(3, "res=7").is_none());
        assert!(answers.get(4, "res=6").is_none(), "a newer snapshot");
        // A slow request built from an older snapshot does not displace newer answers.
        answers.put(4, "res=6".into(), "application/json", b"[4]".to_vec());
        answers.put(3, "res=6".into(), "application/json", b"[3]".to_vec());
        assert_eq!(answers.get(4, "res=6").unwrap().body.as_ref(), b"[4]");
    }

    #[test]
    fn browsers_get_gzip_when_they_take_it_and_304_when_they_hold_the_answer() {
        let answers = Answers::default();
        let body = "{\"type\":\"Feature\"}".repeat(1000).into_bytes();
        let answer = answers.put(1, "k".into(), "application/geo+json", body.clone());

        let plain = answer.respond(&request(&[]));
        assert_eq!(plain.status(), 200);
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());

        let zipped = answer.respond(&request(&[("accept-encoding", "gzip, deflate, br")]));
        assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
        let gz = answer.gzip.get().unwrap();
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(gz.as_ref()),
            &mut unzipped,
        )
        .unwrap();
        assert_eq!(unzipped, body);
        assert!(gz.len() * 10 < body.len());

        assert!(!takes_gzip(&request(&[(
            "accept-encoding",
            "gzip;q=0, br"
        )])));
        assert!(!takes_gzip(&request(&[(
            "accept-encoding",
            "gzip; q=0.000"
        )])));
        assert!(takes_gzip(&request(&[(
            "accept-encoding",
            "br;q=1.0, GZIP;q=0.5"
        )])));

        let etag = plain.headers()[header::ETAG].to_str().unwrap().to_owned();
        let again = answer.respond(&request(&[("if-none-match", &etag)]));
        assert_eq!(again.status(), 304);
        let other = answers.put(2, "k".into(), "application/geo+json", body);
        assert_ne!(
            other.etag.to_str().unwrap(),
            etag,
            "a new generation, a new ETag"
        );
    }
}
