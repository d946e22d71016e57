//! Text matching the way WispHub's `__contains` filters do it: case- and accent-insensitive.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Lower-cases and strips accents: `"Peñón"` → `"penon"`.
pub(crate) fn fold(s: &str) -> String {
    // Most stored text is ASCII (documents, phones, users); skip the Unicode tables for it,
    // which matters when 50,000 records are folded at start-up in a debug build.
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    out.extend(d.to_lowercase());
                }
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn fold_removes_accents_and_case() {
        assert_eq!(fold("José PÉREZ Núñez"), "jose perez nunez");
        assert_eq!(fold("Ángel"), fold("angel"));
        assert_eq!(fold("3157654321, 3209876543"), "3157654321, 3209876543");
    }
}
