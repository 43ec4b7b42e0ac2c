//! The languages Handoff ships: their lexicons (triggers, small talk, stop words), compiled in.
//! Read by the triggers (`lexicon`) and by the answer engine (`engine::language`).

/// Languages shipped with Handoff.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("en", include_str!("lexicon/en.toml")),
    ("fr", include_str!("lexicon/fr.toml")),
    ("de", include_str!("lexicon/de.toml")),
    ("es", include_str!("lexicon/es.toml")),
    ("it", include_str!("lexicon/it.toml")),
];
