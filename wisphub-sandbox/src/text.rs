//! Text matching the way WispHub's `__contains` filters do it: case- and accent-insensitive.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases and strips accents: `"Peñón"` → `"penon"`.
pub(crate) fn fold(s: &str) -> String {
    s.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn fold_removes_accents_and_case() {
        assert_eq!(fold("José PÉREZ Núñez"), "jose perez nunez");
        assert_eq!(fold("Ángel"), fold("angel"));
    }
}
