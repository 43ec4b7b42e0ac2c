//! Currency amounts in free text: "€50", "50 €", "$19.99", "20 USD", "EUR 30", "30 euros".

use std::sync::LazyLock;

use regex::Regex;

static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        (?:[$€£¥₹]\s?\d[\d\s.,]*\d|[$€£¥₹]\s?\d)
        | (?:\b\d[\d.,]*\s?(?:[$€£¥₹]|(?:eur|usd|gbp|chf|cad|aud|jpy)\b|euros?\b|dollars?\b|pounds?\b|francs?\b))
        | (?:\b(?:eur|usd|gbp|chf|cad|aud|jpy)\s?\d[\d.,]*)",
    )
    .expect("valid regex")
});

/// The first currency amount in `text`, if any.
pub fn currency_amount(text: &str) -> Option<String> {
    AMOUNT.find(text).map(|m| m.as_str().trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::currency_amount;

    #[test]
    fn finds_amounts_with_symbols_and_codes() {
        for (text, found) in [
            ("you took €50 from me", "€50"),
            ("it was 49,90 € !", "49,90 €"),
            ("charged $19.99", "$19.99"),
            ("20 USD please", "20 USD"),
            ("EUR 30", "EUR 30"),
            ("I paid 30 euros", "30 euros"),
            ("£5", "£5"),
        ] {
            assert_eq!(currency_amount(text).as_deref(), Some(found), "{text}");
        }
        for text in ["order 12345", "2 mugs", "euro 2024 mugs", "open at 10:00"] {
            assert_eq!(currency_amount(text), None, "{text}");
        }
    }
}
