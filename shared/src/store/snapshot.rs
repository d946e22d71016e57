//! Snapshots: one large value (the client directory) shared through the table. It is deflated,
//! base64'd (the store holds strings) and cut into chunks under DynamoDB's 400 KB item limit,
//! written under a new version; then one conditional write of the pointer makes that version
//! current, so a reader never sees half of one. Versions no pointer names expire by TTL.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, keys};

/// Characters per chunk: the item limit (400 KB) counts the key and attribute names too.
const CHUNK_CHARS: usize = 350_000;
/// Chunks written at once.
const WRITES_IN_FLIGHT: usize = 8;
/// Deflate level: the refresher compresses once, every instance inflates.
const LEVEL: u8 = 6;
/// Largest inflated snapshot accepted: a guard against a corrupt item, far above 50,000 clients.
const MAX_INFLATED_BYTES: usize = 512 << 20;

/// The current version of a snapshot: where its chunks are and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    /// Names the chunks of this version.
    pub version: String,
    /// How many chunks the version was cut into.
    pub chunks: usize,
    /// Unix seconds at which the data was taken.
    pub built_at: u64,
    /// Size of the deflated data, before base64.
    pub compressed_bytes: usize,
    /// Smaller values written with the version (the directory's event facts), by name: their chunks.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attached: BTreeMap<String, usize>,
    /// The pointer record's own version, for the next conditional write.
    #[serde(skip)]
    record_version: u64,
}

/// The pointer of snapshot `name`, if one is live.
pub async fn current(store: &dyn Store, name: &str) -> Result<Option<Pointer>, StoreError> {
    let key = keys::snapshot_pointer(name);
    let Some(item) = store.get(&key).await? else { return Ok(None) };
    let mut pointer: Pointer =
        serde_json::from_str(&item.value).map_err(|_| StoreError::Corrupt(format!("{name} snapshot pointer")))?;
    pointer.record_version = item.version;
    Ok(Some(pointer))
}

/// Writes `data`, and each of `attached` under its name, as a new version of snapshot `name`, and
/// makes it current in place of `previous` (the pointer read before the data was built, `None` for
/// a first version); chunks and pointer live until `expires_at`. `ConditionFailed` when another
/// writer moved the pointer since `previous` was read (its version stays current).
pub async fn publish(
    store: &dyn Store,
    name: &str,
    data: &[u8],
    attached: &[(&str, &[u8])],
    built_at: u64,
    expires_at: u64,
    previous: Option<&Pointer>,
) -> Result<Pointer, StoreError> {
    let version = uuid::Uuid::new_v4().simple().to_string();
    let (chunks, compressed_bytes) = write_chunks(store, name, &version, data, expires_at).await?;
    let mut parts = BTreeMap::new();
    for (part, value) in attached {
        let (count, _) = write_chunks(store, name, &part_version(&version, part), value, expires_at).await?;
        parts.insert((*part).to_owned(), count);
    }
    // The pointer as it will be stored: its record's next version, for a writer that moves it on.
    let record_version = previous.map_or(1, |previous| previous.record_version + 1);
    let pointer = Pointer { version, chunks, built_at, compressed_bytes, attached: parts, record_version };
    let value = serde_json::to_string(&pointer).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let key = keys::snapshot_pointer(name);
    match previous {
        None => store.put_if_absent(&key, &value, expires_at).await?,
        Some(previous) => store.update_if_version(&key, previous.record_version, &value, expires_at).await?,
    }
    Ok(pointer)
}

/// Where an attached value's chunks live: beside its version's.
fn part_version(version: &str, part: &str) -> String {
    format!("{version}.{part}")
}

/// Deflates `data` and writes it in chunks under `version`: how many, and the deflated size.
async fn write_chunks(
    store: &dyn Store,
    name: &str,
    version: &str,
    data: &[u8],
    expires_at: u64,
) -> Result<(usize, usize), StoreError> {
    let compressed = miniz_oxide::deflate::compress_to_vec(data, LEVEL);
    let text = STANDARD.encode(&compressed);
    // base64 is ASCII, so any byte boundary is a character boundary.
    let chunks: Vec<&[u8]> = text.as_bytes().chunks(CHUNK_CHARS).collect();
    // Collected first: a stream that maps with a closure borrowing `store` would not be `Send`.
    let writes: Vec<_> = chunks
        .iter()
        .enumerate()
        .map(|(index, chunk)| {
            let key = keys::snapshot_chunk(name, version, index);
            let value = String::from_utf8_lossy(chunk).into_owned();
            async move { store.put_if_absent(&key, &value, expires_at).await }
        })
        .collect();
    stream::iter(writes).buffer_unordered(WRITES_IN_FLIGHT).try_collect::<Vec<()>>().await?;
    Ok((chunks.len(), compressed.len()))
}

/// The data `pointer` names, read in one round of batched reads; `None` when a chunk is gone
/// (an old version past its expiry).
pub async fn load(store: &dyn Store, name: &str, pointer: &Pointer) -> Result<Option<Vec<u8>>, StoreError> {
    read_chunks(store, name, &pointer.version, pointer.chunks).await
}

/// The value attached to `pointer`'s version under `part`; `None` when the version has none (it
/// was written before such values were) or its chunks are gone.
pub async fn load_attached(
    store: &dyn Store,
    name: &str,
    pointer: &Pointer,
    part: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    let Some(&chunks) = pointer.attached.get(part) else { return Ok(None) };
    read_chunks(store, name, &part_version(&pointer.version, part), chunks).await
}

async fn read_chunks(
    store: &dyn Store,
    name: &str,
    version: &str,
    count: usize,
) -> Result<Option<Vec<u8>>, StoreError> {
    let chunk_keys: Vec<String> = (0..count).map(|i| keys::snapshot_chunk(name, version, i)).collect();
    let mut found = store.get_many(&chunk_keys).await?;
    let mut text = String::with_capacity(count * CHUNK_CHARS);
    for key in &chunk_keys {
        let Some(chunk) = found.remove(key) else { return Ok(None) };
        text.push_str(&chunk.value);
    }
    let corrupt = || StoreError::Corrupt(format!("{name} snapshot {version}"));
    let compressed = STANDARD.decode(text).map_err(|_| corrupt())?;
    let data =
        miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_INFLATED_BYTES).map_err(|_| corrupt())?;
    Ok(Some(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::now_secs;
    use crate::store::MemoryStore;

    #[tokio::test]
    async fn a_published_version_reads_back_whole_and_replaces_the_last() {
        let store = MemoryStore::new();
        let until = now_secs() + 60;
        // Random bytes do not deflate: several chunks.
        let data: Vec<u8> = (0..1_000_000).map(|_| rand::random::<u8>()).collect();
        assert_eq!(current(&store, "T").await.unwrap(), None);

        let first = publish(&store, "T", b"old", &[], 1, until, None).await.unwrap();
        let second = publish(&store, "T", &data, &[("facts", b"small")], 2, until, Some(&first)).await.unwrap();

        let pointer = current(&store, "T").await.unwrap().expect("a current version");
        assert_eq!((pointer.version.as_str(), pointer.built_at), (second.version.as_str(), 2));
        assert!(pointer.chunks > 1, "{pointer:?}");
        assert_eq!(load(&store, "T", &pointer).await.unwrap(), Some(data));
        let facts = load_attached(&store, "T", &pointer, "facts").await.unwrap();
        assert_eq!(facts.as_deref(), Some(&b"small"[..]), "an attached value reads back beside its version");
        assert_eq!(load_attached(&store, "T", &first, "facts").await.unwrap(), None, "a version without one");
        assert_eq!(load(&store, "T", &first).await.unwrap().as_deref(), Some(&b"old"[..]), "until its expiry");
    }

    #[tokio::test]
    async fn a_version_with_a_chunk_gone_reads_as_absent() {
        let store = MemoryStore::new();
        let pointer = publish(&store, "T", b"data", &[], 1, now_secs() + 60, None).await.unwrap();
        store.delete(&keys::snapshot_chunk("T", &pointer.version, 0)).await.unwrap();

        assert_eq!(load(&store, "T", &pointer).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_writer_that_read_the_pointer_before_another_published_loses() {
        let store = MemoryStore::new();
        let until = now_secs() + 60;
        let first = publish(&store, "T", b"first", &[], 1, until, None).await.unwrap();
        let winner = publish(&store, "T", b"winner", &[], 2, until, Some(&first)).await.unwrap();

        let late = publish(&store, "T", b"late", &[], 3, until, Some(&first)).await;
        let second_first = publish(&store, "T", b"also first", &[], 3, until, None).await;

        assert!(matches!(late, Err(StoreError::ConditionFailed)), "{late:?}");
        assert!(matches!(second_first, Err(StoreError::ConditionFailed)), "{second_first:?}");
        assert_eq!(current(&store, "T").await.unwrap().map(|p| p.version), Some(winner.version));
    }
}
