//! Who is this person (resolve) and are they who they claim (verify): docs/api.md §4.1 and §4.2.
//! Answers only ever say which fields matched, never a stored value.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::wisphub::WispHub;
use shared::wisphub::plans::{PlanKind, plan_detail};
use utoipa::ToSchema;

use crate::client::Client;
use crate::text::{document_key, fold, words, words_match};

/// Largest difference between a claimed and a stored price that still matches.
const PRICE_TOLERANCE: f64 = 1.0;
/// Identity checks need at least this many fields.
pub const MIN_FIELDS: usize = 3;

/// What a caller says about a person; every field optional (blank text counts as not given).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct IdentityClaim {
    pub name: Option<String>,
    pub address: Option<String>,
    pub internet_plan_name: Option<String>,
    /// A number or a numeric string ("65000", "65.000", "$ 65.000,00").
    #[serde(default, deserialize_with = "price_input")]
    #[schema(schema_with = price_schema)]
    pub internet_plan_price: Option<PriceInput>,
}

#[derive(Debug, Clone)]
pub enum PriceInput {
    Number(f64),
    Text(String),
}

/// A price as a number or as text; anything else is refused in the caller's language.
fn price_input<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<PriceInput>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) => Ok(n.as_f64().map(PriceInput::Number)),
        serde_json::Value::String(s) => Ok(Some(PriceInput::Text(s))),
        _ => Err(serde::de::Error::custom("debe ser un número o un texto numérico")),
    }
}

fn price_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .item(ObjectBuilder::new().schema_type(Type::String))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some("A number or a numeric string (\"65000\", \"65.000\", \"$ 65.000,00\")."))
        .build()
        .into()
}

/// A field of a claim, named as the caller sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Address,
    InternetPlanName,
    InternetPlanPrice,
}

/// A claim with its fields parsed; built only through `parse`.
pub struct Claim {
    name: Option<String>,
    address: Option<String>,
    plan_name: Option<String>,
    price: Option<f64>,
}

impl Claim {
    pub fn parse(raw: IdentityClaim) -> Result<Self, ApiError> {
        let text = |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let price = match raw.internet_plan_price {
            None => None,
            Some(PriceInput::Number(n)) => Some(n),
            Some(PriceInput::Text(t)) if t.trim().is_empty() => None,
            Some(PriceInput::Text(t)) => Some(
                shared::wisphub::model::parse_decimal(&t)
                    .ok_or_else(|| ApiError::invalid("internet_plan_price", "debe ser un número"))?,
            ),
        };
        Ok(Claim { name: text(raw.name), address: text(raw.address), plan_name: text(raw.internet_plan_name), price })
    }

    pub fn fields(&self) -> Vec<Field> {
        [
            (Field::Name, self.name.is_some()),
            (Field::Address, self.address.is_some()),
            (Field::InternetPlanName, self.plan_name.is_some()),
            (Field::InternetPlanPrice, self.price.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, given)| given.then_some(field))
        .collect()
    }

    /// Folded words every match holds in its name or address: a stored word equals or begins with
    /// each given word, so each is a substring of the directory's search key.
    pub fn search_words(&self) -> Vec<String> {
        [&self.name, &self.address].into_iter().flatten().flat_map(|text| words(text)).collect()
    }

    /// The text fields that match `client` (the price is checked separately: it may cost a call).
    fn text_matches(&self, client: &Client) -> Vec<Field> {
        let pairs = [
            (Field::Name, self.name.as_deref(), client.name.as_deref()),
            (Field::Address, self.address.as_deref(), client.address.as_deref()),
            (Field::InternetPlanName, self.plan_name.as_deref(), client.internet_plan_name.as_deref()),
        ];
        pairs
            .into_iter()
            .filter(|(_, given, stored)| matches!((given, stored), (Some(g), Some(s)) if words_match(g, s)))
            .map(|(field, _, _)| field)
            .collect()
    }
}

/// Prices of plans looked up during one request, so each plan costs at most one detail call.
#[derive(Default)]
pub struct PlanPrices(HashMap<i64, Option<f64>>);

impl PlanPrices {
    /// The client's plan price: the record's own, else the plan detail's.
    async fn of(&mut self, wisphub: &WispHub, client: &Client, plan_id: Option<i64>) -> Result<Option<f64>, ApiError> {
        if client.internet_plan_price.is_some() {
            return Ok(client.internet_plan_price);
        }
        let Some(plan_id) = plan_id else { return Ok(None) };
        if let Some(price) = self.0.get(&plan_id) {
            return Ok(*price);
        }
        let price = plan_detail(wisphub, plan_id, &PlanKind::Other(String::new())).await?.and_then(|(_, d)| d.precio);
        self.0.insert(plan_id, price);
        Ok(price)
    }
}

/// The fields of `claim` that match `client`, price included.
pub async fn matched_fields(
    claim: &Claim,
    client: &Client,
    plan_id: Option<i64>,
    wisphub: &WispHub,
    prices: &mut PlanPrices,
) -> Result<Vec<Field>, ApiError> {
    let mut matched = claim.text_matches(client);
    if let Some(given) = claim.price {
        let stored = prices.of(wisphub, client, plan_id).await?;
        if stored.is_some_and(|stored| (stored - given).abs() <= PRICE_TOLERANCE) {
            matched.push(Field::InternetPlanPrice);
        }
    }
    Ok(matched)
}

/// The candidates that match every field of `claim`.
pub async fn full_matches<'a>(
    claim: &Claim,
    candidates: impl Iterator<Item = (&'a Client, Option<i64>)>,
    wisphub: &WispHub,
) -> Result<Vec<&'a Client>, ApiError> {
    let wanted = claim.fields();
    let text_fields = wanted.iter().filter(|f| **f != Field::InternetPlanPrice).count();
    let mut prices = PlanPrices::default();
    let mut found = Vec::new();
    for (client, plan_id) in candidates {
        // Cheap text test first; only survivors may cost a plan-detail call for the price.
        if claim.text_matches(client).len() < text_fields {
            continue;
        }
        if matched_fields(claim, client, plan_id, wisphub, &mut prices).await?.len() == wanted.len() {
            found.push(client);
        }
    }
    Ok(found)
}

/// How many distinct people hold these services (same document, or same name when there is none).
pub fn distinct_people(clients: &[&Client]) -> usize {
    let people: BTreeSet<String> = clients
        .iter()
        .map(|c| match c.document.as_deref().map(document_key).filter(|d| !d.is_empty()) {
            Some(document) => format!("doc:{document}"),
            None => format!("name:{}", fold(c.name.as_deref().unwrap_or_default())),
        })
        .collect();
    people.len()
}
