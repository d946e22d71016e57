//! Reading one setting: required, defaulted, parsed, listed or JSON, each failure naming the variable.

use super::ConfigError;

/// The settings, read through a lookup that already trims and drops empty values.
pub(super) struct Vars<'a>(pub(super) &'a dyn Fn(&str) -> Option<String>);

impl Vars<'_> {
    /// `name`, if set.
    pub(super) fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }

    /// `name`, or `Missing` naming it.
    pub(super) fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.get(name).ok_or(ConfigError::Missing(name))
    }

    /// `name`, or `default` when unset.
    pub(super) fn or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_owned())
    }

    /// `name` parsed, if set.
    pub(super) fn optional<T: std::str::FromStr>(&self, name: &'static str) -> Result<Option<T>, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        self.get(name).map(|raw| raw.parse().map_err(|e| invalid(name, e))).transpose()
    }

    /// `name` parsed, or `default` when unset.
    pub(super) fn parsed<T: std::str::FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        Ok(self.optional(name)?.unwrap_or(default))
    }

    /// `name` in minutes, fractions allowed (`0.5` is 30 s), or `default` minutes when unset.
    pub(super) fn minutes(&self, name: &'static str, default: f64) -> Result<std::time::Duration, ConfigError> {
        let minutes: f64 = self.parsed(name, default)?;
        std::time::Duration::try_from_secs_f64(minutes * 60.0)
            .map_err(|_| invalid(name, "must be a number of minutes, 0 or more"))
    }

    /// A comma-separated `name` (or `default`), each item parsed.
    pub(super) fn list<T: std::str::FromStr>(&self, name: &'static str, default: &str) -> Result<Vec<T>, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        split(&self.or(name, default)).map(|item| item.parse().map_err(|e| invalid(name, e))).collect()
    }

    /// `name` as JSON, if set.
    pub(super) fn json<T: serde::de::DeserializeOwned>(&self, name: &'static str) -> Result<Option<T>, ConfigError> {
        self.get(name).map(|raw| serde_json::from_str(&raw).map_err(|e| invalid(name, e))).transpose()
    }
}

/// The items of a comma-separated list, trimmed, empty ones dropped.
pub(super) fn split(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|item| !item.is_empty())
}

/// A present but malformed `name`.
pub(super) fn invalid(name: &'static str, reason: impl std::fmt::Display) -> ConfigError {
    ConfigError::Invalid { name, reason: reason.to_string() }
}
