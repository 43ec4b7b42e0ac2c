//! Words that flip what a message asks for: "turn the lights off" is not "turn the lights on",
//! "decrease the timer" not "increase it", "I can't log in" not "I can log in", "stop" not
//! "start". Sentence vectors put such pairs close together (the rest of the sentence is the same),
//! so the engine checks them apart: an entry whose questions say only the opposite pole of what
//! the message says is never answered with confidence. In all five shipped languages, on the
//! folded words `text::tokens` gives (lower case, no accents).

/// One pair of opposite poles; each pole is a list of words or word sequences.
struct Pair {
    a: &'static [&'static str],
    b: &'static [&'static str],
}

const PAIRS: &[Pair] = &[
    // switching on / off
    Pair {
        a: &[
            "turn on",
            "switch on",
            "power on",
            "turn it on",
            "switch it on",
            "on please",
            "einschalten",
            "anschalten",
            "anmachen",
            "mach an",
            "schalte an",
            "licht an",
            "allume",
            "allumer",
            "allumez",
            "accendi",
            "accendere",
            "accenda",
            "enciende",
            "encender",
            "encienda",
            "prende",
            "prender",
            "prenda",
        ],
        b: &[
            "turn off",
            "switch off",
            "power off",
            "turn it off",
            "switch it off",
            "off please",
            "shut off",
            "lights off",
            "ausschalten",
            "abschalten",
            "ausmachen",
            "aus",
            "eteins",
            "eteindre",
            "eteignez",
            "spegni",
            "spegnere",
            "spenga",
            "apaga",
            "apagar",
            "apague",
        ],
    },
    // more / less
    Pair {
        a: &[
            "increase",
            "raise",
            "louder",
            "higher",
            "turn up",
            "erhohen",
            "erhohe",
            "lauter",
            "hoher",
            "augmente",
            "augmenter",
            "augmentez",
            "monte",
            "aumenta",
            "aumentare",
            "alza",
            "alzare",
            "aumentar",
            "sube",
            "subir",
        ],
        b: &[
            "decrease",
            "reduce",
            "lower",
            "quieter",
            "turn down",
            "verringern",
            "verringere",
            "senken",
            "senke",
            "leiser",
            "niedriger",
            "reduzieren",
            "baisse",
            "baisser",
            "baissez",
            "diminue",
            "diminuer",
            "reduire",
            "diminuisci",
            "diminuire",
            "abbassa",
            "abbassare",
            "riduci",
            "disminuye",
            "disminuir",
            "reduce",
            "baja",
            "bajar",
        ],
    },
    // starting / stopping
    Pair {
        a: &[
            "start",
            "begin",
            "activate",
            "resume",
            "starten",
            "starte",
            "beginnen",
            "aktivieren",
            "demarrer",
            "demarre",
            "commencer",
            "activer",
            "inizia",
            "iniziare",
            "avvia",
            "avviare",
            "attiva",
            "empezar",
            "empieza",
            "iniciar",
            "inicia",
            "activar",
        ],
        b: &[
            "stop",
            "end",
            "deactivate",
            "pause",
            "stopp",
            "stoppen",
            "stoppe",
            "beenden",
            "abbrechen",
            "deaktivieren",
            "arreter",
            "arrete",
            "desactiver",
            "ferma",
            "fermare",
            "interrompi",
            "disattiva",
            "parar",
            "para",
            "detener",
            "deten",
            "desactivar",
        ],
    },
    // making / cancelling a booking or subscription
    Pair {
        a: &[
            "book",
            "reserve",
            "subscribe",
            "sign up",
            "buchen",
            "reservieren",
            "abonnieren",
            "reserver",
            "abonner",
            "prenotare",
            "prenota",
            "iscrivermi",
            "reservar",
            "suscribir",
        ],
        b: &[
            "cancel",
            "unsubscribe",
            "stornieren",
            "kundigen",
            "absagen",
            "annuler",
            "annule",
            "desabonner",
            "annulla",
            "annullare",
            "disdire",
            "cancelar",
            "cancela",
            "anular",
        ],
    },
];

/// Negations: a message that says one where the entry says none, or none where it says one.
const NEGATIONS: &[&str] = &[
    "not",
    "never",
    "no longer",
    "t",
    "cannot",
    "nicht",
    "nie",
    "niemals",
    "kein",
    "keine",
    "keinen",
    "nicht mehr",
    "pas",
    "jamais",
    "ne plus",
    "n plus",
    "non",
    "mai",
    "non piu",
    "no",
    "nunca",
    "jamas",
    "ya no",
];

/// Which poles a text shows: bit 2k for pole a of pair k, 2k+1 for pole b, and the top bit for a
/// negation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Polarity(u16);

const NEGATED: u16 = 1 << 15;

/// Whether `phrase` ("turn off", "aus") occurs in `words` as consecutive whole words.
fn contains(words: &[String], phrase: &str) -> bool {
    let n = phrase.split(' ').count();
    words
        .windows(n)
        .any(|w| w.iter().map(String::as_str).eq(phrase.split(' ')))
}

impl Polarity {
    pub(crate) fn of(words: &[String]) -> Self {
        let mut bits = 0u16;
        for (k, pair) in PAIRS.iter().enumerate() {
            if pair.a.iter().any(|p| contains(words, p)) {
                bits |= 1 << (2 * k);
            }
            if pair.b.iter().any(|p| contains(words, p)) {
                bits |= 1 << (2 * k + 1);
            }
        }
        if NEGATIONS.iter().any(|p| contains(words, p)) {
            bits |= NEGATED;
        }
        Self(bits)
    }

    pub(crate) fn negated(self) -> bool {
        self.0 & NEGATED != 0
    }

    pub(crate) fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether answering a message of this polarity with an entry of polarity `entry` would
    /// answer the opposite: the message shows a pole the entry never shows and the entry shows
    /// its opposite. `negation_matters` says whether the file has entries on both sides of a
    /// negation, where "not" is what tells them apart.
    pub(crate) fn contradicts(self, entry: Self, negation_matters: bool) -> bool {
        for k in 0..PAIRS.len() {
            let (a, b) = (1 << (2 * k), 1 << (2 * k + 1));
            let says = |p: Self, bit: u16| p.0 & bit != 0;
            if (says(self, a) && !says(self, b) && says(entry, b) && !says(entry, a))
                || (says(self, b) && !says(self, a) && says(entry, a) && !says(entry, b))
            {
                return true;
            }
        }
        negation_matters && (self.0 & NEGATED) != (entry.0 & NEGATED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::text::tokens;

    fn p(text: &str) -> Polarity {
        Polarity::of(&tokens(text))
    }

    #[test]
    fn opposite_poles_contradict_in_every_language() {
        let on = p("Turn on the lights in the kitchen");
        for off in [
            "turn off the lights",
            "Mach die Lichter aus",
            "Éteins la lumière",
            "spegni la luce",
            "apaga las luces",
        ] {
            assert!(p(off).contradicts(on, false), "{off}");
            assert!(on.contradicts(p(off), false), "{off}");
        }
        assert!(p("decrease the timer").contradicts(p("increase the timer"), false));
        assert!(p("stopp").contradicts(p("start my subscription"), false));
        assert!(p("cancel my booking").contradicts(p("how do I book a table"), false));
        assert!(!p("cancel my booking").contradicts(p("stop the music"), false));
        assert!(!p("turn on the lights").contradicts(on, false));
        assert!(!p("what time is it").contradicts(on, false));
    }

    #[test]
    fn negation_counts_only_where_the_file_tells_it_apart() {
        let works = p("my card works abroad");
        let broken = p("my card does not work");
        assert!(broken.contradicts(works, true));
        assert!(!broken.contradicts(works, false));
        assert!(p("I can't log in").contradicts(works, true));
    }
}
