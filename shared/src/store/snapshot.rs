//! Snapshots: one large value (the client directory) shared through the table. It is deflated,
//! base64'd (the store holds strings) and cut into chunks under DynamoDB's 400 KB item limit,
//! written under a new version; then one conditional write of the pointer makes that version
//! current, so a reader never sees half of one. Versions no pointer names expire by TTL.

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

/// Writes `data` as a new version of snapshot `name` and makes it current in place of `previous`
/// (the pointer read before the data was built, `None` for a first version); chunks and pointer
/// live until `expires_at`. `ConditionFailed` when another writer moved the pointer since
/// `previous` was read (its version stays current).
pub async fn publish(
    store: &dyn Store,
    name: &str,
    data: &[u8],
    built_at: u64,
    expires_at: u64,
    previous: Option<&Pointer>,
) -> Result<Pointer, StoreError> {
    let compressed = miniz_oxide::deflate::compress_to_vec(data, LEVEL);
    let text = STANDARD.encode(&compressed);
    let version = uuid::Uuid::new_v4().simple().to_string();
    // base64 is ASCII, so any byte boundary is a character boundary.
    let chunks: Vec<&[u8]> = text.as_bytes().chunks(CHUNK_CHARS).collect();
    // Collected first: a stream that maps with a closure borrowing `store` would not be `Send`.
    let writes: Vec<_> = chunks
        .iter()
        .enumerate()
        .map(|(index, chunk)| {
            let key = keys::snapshot_chunk(name, &version, index);
            let value = String::from_utf8_lossy(chunk).into_owned();
            async move { store.put_if_absent(&key, &value, expires_at).await }
        })
        .collect();
    stream::iter(writes).buffer_unordered(WRITES_IN_FLIGHT).try_collect::<Vec<()>>().await?;
    // The pointer as it will be stored: its record's next version, for a writer that moves it on.
    let record_version = previous.map_or(1, |previous| previous.record_version + 1);
    let pointer =
        Pointer { version, chunks: chunks.len(), built_at, compressed_bytes: compressed.len(), record_version };
    let value = serde_json::to_string(&pointer).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let key = keys::snapshot_pointer(name);
    match previous {
        None => store.put_if_absent(&key, &value, expires_at).await?,
        Some(previous) => store.update_if_version(&key, previous.record_version, &value, expires_at).await?,
    }
    Ok(pointer)
}

/// The data `pointer` names, read in one round of batched reads; `None` when a chunk is gone
/// (an old version past its expiry).
pub async fn load(store: &dyn Store, name: &str, pointer: &Pointer) -> Result<Option<Vec<u8>>, StoreError> {
    let chunk_keys: Vec<String> =
        (0..pointer.chunks).map(|i| keys::snapshot_chunk(name, &pointer.version, i)).collect();
    let mut found = store.get_many(&chunk_keys).await?;
    let mut text = String::with_capacity(pointer.chunks * CHUNK_CHARS);
    for key in &chunk_keys {
        let Some(chunk) = found.remove(key) else { return Ok(None) };
        text.push_str(&chunk.value);
    }
    let corrupt = || StoreError::Corrupt(format!("{name} snapshot {}", pointer.version));
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

        let first = publish(&store, "T", b"old", 1, until, None).await.unwrap();
        let second = publish(&store, "T", &data, 2, until, Some(&first)).await.unwrap();

        let pointer = current(&store, "T").await.unwrap().expect("a current version");
        assert_eq!((pointer.version.as_str(), pointer.built_at), (second.version.as_str(), 2));
        assert!(pointer.chunks > 1, "{pointer:?}");
        assert_eq!(load(&store, "T", &pointer).await.unwrap(), Some(data));
        assert_eq!(load(&store, "T", &first).await.unwrap().as_deref(), Some(&b"old"[..]), "until its expiry");
    }

    #[tokio::test]
    async fn a_version_with_a_chunk_gone_reads_as_absent() {
        let store = MemoryStore::new();
        let pointer = publish(&store, "T", b"data", 1, now_secs() + 60, None).await.unwrap();
        store.delete(&keys::snapshot_chunk("T", &pointer.version, 0)).await.unwrap();

        assert_eq!(load(&store, "T", &pointer).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_writer_that_read_the_pointer_before_another_published_loses() {
        let store = MemoryStore::new();
        let until = now_secs() + 60;
        let first = publish(&store, "T", b"first", 1, until, None).await.unwrap();
        let winner = publish(&store, "T", b"winner", 2, until, Some(&first)).await.unwrap();

        let late = publish(&store, "T", b"late", 3, until, Some(&first)).await;
        let second_first = publish(&store, "T", b"also first", 3, until, None).await;

        assert!(matches!(late, Err(StoreError::ConditionFailed)), "{late:?}");
        assert!(matches!(second_first, Err(StoreError::ConditionFailed)), "{second_first:?}");
        assert_eq!(current(&store, "T").await.unwrap().map(|p| p.version), Some(winner.version));
    }
}
