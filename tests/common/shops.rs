//! Knowledge files the tests share: a small shop with two delivery entries a customer can mean at
//! once, and a shop whose knowledge has learnt every label its team gave.

/// A small shop: two delivery entries a customer can mean at once, and three others.
pub const DELIVERY_SHOP: &str = r#"
[[entry]]
id = "delivery-time"
topic = "Delivery times"
questions = ["How long does delivery take?", "When will my order arrive?", "How many days for shipping?", "Combien de temps pour la livraison ?", "Wie lange dauert die Lieferung?", "¿Cuánto tarda la entrega?", "Quanto tempo ci vuole per la consegna?"]
answer = "2-4 working days."
answers.fr = "2 à 4 jours ouvrés."
answers.de = "2-4 Werktage."
answers.es = "De 2 a 4 días laborables."
answers.it = "Da 2 a 4 giorni lavorativi."

[[entry]]
id = "delivery-cost"
topic = "Delivery costs"
questions = ["How much does delivery cost?", "What are the shipping fees?", "Is shipping free?", "Combien coûte la livraison ?", "Was kostet die Lieferung?", "¿Cuánto cuesta la entrega?", "Quanto costa la consegna?"]
answer = "Free from 50 EUR, else 4.90 EUR."

[[entry]]
id = "returns"
topic = "Returns"
questions = ["How do I return an item?", "Can I send something back?", "What is your return policy?"]
answer = "30 days."

[[entry]]
id = "opening-hours"
topic = "Opening hours"
questions = ["When are you open?", "What are your opening hours?", "Are you open on Sunday?"]
answer = "Tue-Sat 10-19."

[[entry]]
id = "product-advice"
topic = "Product advice"
questions = ["Which protein powder should I buy?", "What do you recommend to build muscle?", "I really don't know which one to take"]
answer = "Our coaches recommend…"
"#;

/// A shop whose knowledge has learnt every label its team gave: each label is one of its
/// questions or `[outside]` examples now. As they stand those labels say nothing of a threshold
/// (each is answered exactly, or never); read without themselves they are the evidence the weekly
/// review proposes a threshold from.
///
/// Six entries of 17 questions (four phrasings asked four ways, and one written once that shares
/// fewer words with the rest: read without itself, the engine is less sure of it), 90 `[outside]`
/// examples; and the 192 labels they were learnt from, as (text, the entry it expects or `None`
/// for a message that needed a person).
pub struct LabelledShop {
    pub knowledge: String,
    pub labels: Vec<(String, Option<String>)>,
}

pub const LABELLED_SHOP_POLICY: &str =
    "languages = [\"en\"]\n[triggers.money]\nenabled = false\n[triggers.complaint]\nenabled = false\n";

impl LabelledShop {
    pub fn new() -> Self {
        let prefixes = ["", "hi, ", "quick question: ", "please tell me "];
        let topics: [(&str, [&str; 4], &str); 6] = [
            (
                "shipping-time",
                [
                    "how long does delivery take",
                    "when will my parcel arrive",
                    "delivery time to france",
                    "how many days for shipping",
                ],
                "days until delivery of my parcel",
            ),
            (
                "returns",
                [
                    "how do i return a jacket",
                    "can i send my order back",
                    "what is the return policy",
                    "return a pair of boots",
                ],
                "send back the boots i bought",
            ),
            (
                "opening-hours",
                [
                    "are you open on sunday",
                    "what are your opening hours",
                    "when does the shop close",
                    "open late on friday",
                ],
                "shop hours on a sunday",
            ),
            (
                "sizes",
                [
                    "which size should i take",
                    "do the shoes run small",
                    "size chart for jackets",
                    "is medium too big for me",
                ],
                "shoes in size small or medium",
            ),
            (
                "gift-cards",
                [
                    "can i buy a gift card",
                    "gift voucher for a friend",
                    "how much can a gift card hold",
                    "do gift cards expire",
                ],
                "gift card for a friend that expires",
            ),
            (
                "care",
                [
                    "can i wash this in the machine",
                    "how to clean leather boots",
                    "is the mug dishwasher safe",
                    "how do i iron linen",
                ],
                "wash leather boots in the machine",
            ),
        ];
        let cities = [
            "paris", "lyon", "berlin", "madrid", "rome", "vienna", "oslo", "lisbon", "prague",
            "dublin", "warsaw", "athens", "zurich", "geneva", "milan", "munich", "hamburg",
            "seville", "porto", "bergen", "krakow", "turin", "naples", "bordeaux", "nantes",
            "ghent", "utrecht", "leeds", "cork", "graz",
        ];
        let outside: Vec<String> = cities
            .iter()
            .flat_map(|c| {
                [
                    format!("weather in {c} this weekend"),
                    format!("best restaurant in {c}"),
                    format!("train to {c} next monday"),
                ]
            })
            .collect();
        let mut knowledge = String::new();
        let mut labels = Vec::new();
        for (id, phrases, once) in &topics {
            let mut questions: Vec<String> = prefixes
                .iter()
                .flat_map(|p| phrases.iter().map(move |q| format!("{p}{q}")))
                .collect();
            questions.push(once.to_string());
            knowledge += &format!(
                "[[entry]]\nid = \"{id}\"\nquestions = {}\nanswer = \"The answer about {id}.\"\n\n",
                serde_json::to_string(&questions).unwrap()
            );
            labels.extend(questions.into_iter().map(|q| (q, Some(id.to_string()))));
        }
        knowledge += &format!(
            "[outside]\nexamples = {}\n",
            serde_json::to_string(&outside).unwrap()
        );
        labels.extend(outside.into_iter().map(|x| (x, None)));
        Self { knowledge, labels }
    }

    /// The labels as `handoff knowledge eval` reads them.
    pub fn labels_jsonl(&self) -> String {
        self.labels
            .iter()
            .map(|(text, entry)| {
                let expect = entry
                    .as_ref()
                    .map_or("escalate".to_string(), |e| format!("answer {e}"));
                format!("{}\n", serde_json::json!({"text": text, "expect": expect}))
            })
            .collect()
    }
}
