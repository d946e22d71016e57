//! Normalising what people type: accent folding, word matching, documents and phone numbers.

use shared::ids::{Document, Phone};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Leading words that people add or leave out of a rural or urban address.
const DROPPABLE_PREFIXES: &[&str] = &["v", "vda", "vereda", "barrio", "b"];

/// Lower case, accents folded, punctuation as spaces, spaces collapsed: "Vda. El Peñón" → "vda el penon".
pub fn fold(text: &str) -> String {
    let plain: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The words of a folded value, with one leading address prefix dropped.
pub fn words(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut words: Vec<String> = folded.split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect();
    if words.len() > 1 && DROPPABLE_PREFIXES.contains(&words[0].as_str()) {
        words.remove(0);
    }
    words
}

/// Whether every word of `given` appears in `stored`. A word matches a stored word it equals, or
/// begins when it has 3 characters or more; a value made only of words under 3 characters never matches.
pub fn words_match(given: &str, stored: &str) -> bool {
    let given = words(given);
    let stored = words(stored);
    let has_substance = given.iter().any(|w| w.chars().count() >= 3);
    has_substance
        && given
            .iter()
            .all(|word| stored.iter().any(|s| s == word || (word.chars().count() >= 3 && s.starts_with(word.as_str()))))
}

/// A document as compared: dots, dashes, spaces and other separators dropped, letters upper-cased.
pub fn document_key(raw: &str) -> String {
    Document::key(raw)
}

/// The national number of one phone: digits only, an international prefix (`+`, `00`) and the
/// country code dropped. `+57 300-123 4567`, `00573001234567`, `573001234567` → `3001234567`.
pub fn national_number(raw: &str, country_code: &str) -> Option<String> {
    Phone::parse(raw).ok().map(|phone| phone.national(country_code))
}

/// Every national number in a stored phone field, which may hold several ("300…, 315…").
pub fn national_numbers(field: &str, country_code: &str) -> Vec<String> {
    field
        .split([',', ';', '/', '|', '\n'])
        .flat_map(|part| part.split(" y "))
        .filter_map(|part| national_number(part, country_code))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_accents_case_and_punctuation() {
        assert_eq!(fold("  Vda. El PEÑÓN,   Casa 4 "), "vda el penon casa 4");
        assert_eq!(fold("Núñez-Gómez"), "nunez gomez");
    }

    #[test]
    fn every_given_word_must_appear_and_one_prefix_is_dropped() {
        assert!(words_match("jose perez", "José Pérez Gómez"));
        assert!(words_match("vereda la esperanza", "Vda. La Esperanza, Finca El Roble"));
        assert!(words_match("la esperanza", "Vereda La Esperanza"));
        assert!(!words_match("jose lopez", "José Pérez Gómez"));
        assert!(words_match("10mb plus", "10MB PLUS"));
    }

    #[test]
    fn fragments_under_three_characters_never_match_alone() {
        assert!(!words_match("jo", "José Pérez"));
        assert!(!words_match("p g", "Pedro Gómez"));
        assert!(!words_match("pe", "Pérez"), "a two-letter fragment is not a prefix match");
        assert!(words_match("per", "Pérez"));
    }

    #[test]
    fn documents_compare_without_separators() {
        assert_eq!(document_key("52.345.678"), "52345678");
        assert_eq!(document_key("1-023 456.789"), "1023456789");
    }

    #[test]
    fn one_number_in_every_spelling() {
        for spelling in ["+57 300-123 4567", "00573001234567", "573001234567", "3001234567", "(300) 123 4567"] {
            assert_eq!(national_number(spelling, "57").as_deref(), Some("3001234567"), "{spelling}");
        }
        assert_eq!(national_number("12", "57"), None);
    }

    #[test]
    fn a_field_with_two_numbers_yields_both() {
        assert_eq!(national_numbers("3157654321, 3209876543", "57"), vec!["3157654321", "3209876543"]);
        assert_eq!(national_numbers("+57 310 555 0101", "57"), vec!["3105550101"]);
    }
}
