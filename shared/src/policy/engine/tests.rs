use super::*;

fn engine(outside: &[&str]) -> AnswerEngine {
    let entries = [
        &["how long does shipping take", "when will my order arrive"][..],
        &["what are your opening hours", "when are you open"][..],
        &[
            "do you ship to belgium",
            "which countries do you deliver to",
        ][..],
    ];
    let mut examples: Vec<Example> = entries
        .iter()
        .enumerate()
        .flat_map(|(i, qs)| {
            qs.iter().map(move |q| Example {
                class: Some(i),
                text: q,
            })
        })
        .collect();
    examples.extend(outside.iter().map(|t| Example {
        class: None,
        text: t,
    }));
    AnswerEngine::train(3, &examples)
}

#[test]
fn confident_on_the_brands_own_words_and_unsure_elsewhere() {
    let e = engine(&[]);
    let s = e.score("How long does shipping take?");
    assert_eq!(s.best.unwrap().0, 0);
    assert!(s.confidence > 0.5, "{s:?}");
    let s = e.score("what is the capital of peru");
    assert!(s.confidence < 0.2, "{s:?}");
    assert!(s.coverage < 0.5, "{s:?}");
}

#[test]
fn typos_and_word_order_do_not_lose_the_entry() {
    let e = engine(&[]);
    let s = e.score("how long does shiping take");
    assert_eq!(s.best.unwrap().0, 0);
    assert_eq!(s.coverage, 1.0, "{s:?}");
    let s = e.score("open hours what are they");
    assert_eq!(s.best.unwrap().0, 1);
}

#[test]
fn outside_examples_take_what_they_look_like() {
    let e = engine(&[
        "can you close my late father's account",
        "I was charged twice",
    ]);
    let s = e.score("please close my father's account");
    assert!(s.outside_best, "{s:?}");
    assert_eq!(s.confidence, 0.0);
    assert!(!e.score("how long does shipping take").outside_best);
}
