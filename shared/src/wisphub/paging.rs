//! Paged lists: limit/offset pages with bounded concurrency (WispHub's `next` links are `http://`,
//! so offsets are ours), each row decoded on its own so one malformed record never fails a list.

use futures::{StreamExt, TryStreamExt, stream};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use super::client::{decode, first_byte};
use super::model::lenient_count;
use super::{Route, UpstreamError, WispHub};

impl WispHub {
    /// Every record of a paged list: the first page tells the count, the other offsets are computed
    /// by us (WispHub's `next` is an `http://` link) and fetched with bounded concurrency.
    /// A record that does not decode is skipped and logged.
    pub async fn list<T: DeserializeOwned + Send>(
        &self,
        route: &Route,
        filters: &[(&str, String)],
    ) -> Result<Vec<T>, UpstreamError> {
        self.list_kept(route, filters, Some).await
    }

    /// Like `list`, but each record is passed through `keep` as its page arrives and only what it
    /// returns is held, so a 50,000-client list never sits in memory whole in its wire form.
    #[tracing::instrument(name = "wisphub_list", target = "wisphub", skip_all, fields(route = route.template()))]
    pub async fn list_kept<T: DeserializeOwned, U: Send>(
        &self,
        route: &Route,
        filters: &[(&str, String)],
        keep: impl Fn(T) -> Option<U> + Sync,
    ) -> Result<Vec<U>, UpstreamError> {
        let size = self.settings().page_size.max(1);
        let keep = &keep;
        let (count, returned, mut kept) = self.page(route, filters, size, 0, keep).await?;
        // WispHub may cap `limit` silently: step by what it really returned.
        let step = if returned < size && returned < count { returned.max(1) } else { size };
        let offsets: Vec<usize> = (1..count.div_ceil(step)).map(|page| page * step).collect();
        let mut pages = stream::iter(offsets)
            .map(|offset| async move { self.page(route, filters, step, offset, keep).await.map(|(_, _, rows)| rows) })
            .buffered(self.settings().concurrency);
        while let Some(rows) = pages.try_next().await? {
            kept.extend(rows);
        }
        // Callers may hold a list for minutes: give back the growth slack.
        kept.shrink_to_fit();
        Ok(kept)
    }

    /// The records of a filtered list that really match: WispHub ignores filters it does not know
    /// (and then sends its whole list), so each record is checked.
    pub async fn find<T: DeserializeOwned + Send>(
        &self,
        route: &Route,
        filters: &[(&str, String)],
        matches: impl Fn(&T) -> bool + Sync,
    ) -> Result<Vec<T>, UpstreamError> {
        self.list_kept(route, filters, |record| matches(&record).then_some(record)).await
    }

    /// One page: the list's total count, how many rows WispHub returned and the rows kept.
    async fn page<T: DeserializeOwned, U>(
        &self,
        route: &Route,
        filters: &[(&str, String)],
        limit: usize,
        offset: usize,
        keep: &impl Fn(T) -> Option<U>,
    ) -> Result<(usize, usize, Vec<U>), UpstreamError> {
        let mut query = filters.to_vec();
        query.push(("limit", limit.to_string()));
        query.push(("offset", offset.to_string()));
        let page = self.get_decoded(route, &query, |body| decode_page(route, body, keep)).await?;
        page.ok_or(UpstreamError::BadStatus(404))
    }
}

/// A DRF page, its rows left undecoded until `decode_page`.
#[derive(Deserialize)]
struct RawPage<'a> {
    #[serde(default)]
    count: Value,
    #[serde(borrow)]
    results: Option<Vec<&'a RawValue>>,
}

/// The count, the number of rows and the kept rows of one page body. Each row is decoded on its
/// own; a malformed one is logged by field path (never its content) and skipped.
fn decode_page<T: DeserializeOwned, U>(
    route: &Route,
    body: &[u8],
    keep: &impl Fn(T) -> Option<U>,
) -> Result<(usize, usize, Vec<U>), UpstreamError> {
    // Some list routes answer a bare array instead of a page (serde's untagged enums cannot hold raw rows).
    let (count, rows) = if first_byte(body) == Some(b'[') {
        let rows: Vec<&RawValue> = decode(body)?;
        (rows.len(), rows)
    } else {
        let page: RawPage = decode(body)?;
        let rows = page.results.ok_or_else(|| UpstreamError::Garbage("a page without results".into()))?;
        (lenient_count(&page.count).unwrap_or(rows.len()), rows)
    };
    let returned = rows.len();
    let kept = rows
        .into_iter()
        .enumerate()
        .filter_map(|(index, row)| {
            match serde_path_to_error::deserialize::<_, T>(&mut serde_json::Deserializer::from_str(row.get())) {
                Ok(record) => keep(record),
                Err(e) => {
                    tracing::warn!(target: "wisphub", route = route.template(), index, field = %e.path(), "malformed record skipped");
                    None
                }
            }
        })
        .collect();
    Ok((count, returned, kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wisphub::model::ClientRecord;

    fn ids(body: &str) -> Result<(usize, usize, Vec<i64>), UpstreamError> {
        decode_page(&Route::Clients, body.as_bytes(), &|record: ClientRecord| Some(record.id_servicio))
    }

    #[test]
    fn a_page_gives_its_count_rows_and_the_records_that_decode() {
        let page = r#"{"count": "7", "next": "http://x/?offset=3", "results": [
            {"id_servicio": 1, "nombre": "Ana"}, {"nombre": "sin id"}, {"id_servicio": "3"}]}"#;
        assert_eq!(ids(page), Ok((7, 3, vec![1, 3])), "string count read, the row without id skipped");
        assert_eq!(ids(r#"[{"id_servicio": 5}]"#), Ok((1, 1, vec![5])), "a bare array is one whole page");
    }

    #[test]
    fn a_body_that_is_not_a_page_is_garbage() {
        assert_eq!(ids(r#"{"detail": "x"}"#), Err(UpstreamError::Garbage("a page without results".into())));
        assert_eq!(ids("<html>"), Err(UpstreamError::Garbage("an HTML page".into())));
        assert_eq!(ids("42"), Err(UpstreamError::Garbage("undecodable body".into())));
    }

    #[test]
    fn keep_decides_what_is_held() {
        let page = r#"{"count": 3, "results": [{"id_servicio": 1}, {"id_servicio": 2}, {"id_servicio": 3}]}"#;
        let odd =
            decode_page(&Route::Clients, page.as_bytes(), &|r: ClientRecord| (r.id_servicio % 2 == 1).then_some(r));
        assert_eq!(odd.map(|(count, returned, kept)| (count, returned, kept.len())), Ok((3, 3, 2)));
    }
}
