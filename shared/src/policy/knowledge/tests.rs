use super::*;

const KB: &str = r#"
[[entry]]
id = "hours"
questions = ["What are your opening hours?", "When are you open?"]
answer = "Mon-Sat 9-18."

[[entry]]
id = "shipping"
topic = "delivery"
questions = ["How long does shipping take?", "When will my order arrive?"]
answer = "2-4 days."
"#;

#[test]
fn ranks_the_entry_that_covers_the_question() {
    let k = Knowledge::from_toml(KB).unwrap();
    let r = k.retrieve("what are your OPENING hours").unwrap();
    assert_eq!(r.entry.id, "hours");
    assert!(r.confidence > 0.9, "{}", r.confidence);
    let r = k.retrieve("how long does shipping take to Lyon").unwrap();
    assert_eq!(r.entry.id, "shipping");
    assert!(r.confidence > 0.4 && r.confidence < 0.9, "{}", r.confidence);
    assert!(k.retrieve("quantum chromodynamics").is_none());
    assert!(k.retrieve("").is_none());
}

#[test]
fn rejects_duplicate_ids_with_a_clear_message() {
    let err = Knowledge::from_toml(
        "[[entry]]\nid='a'\nquestions=['x y']\nanswer='z'\n[[entry]]\nid='a'\nquestions=['q w']\nanswer='z'\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("\"a\" appears twice"), "{err}");
}

#[test]
fn a_question_written_in_the_file_is_answered_whatever_the_margin() {
    // Two entries that share most words: the engine alone hesitates between them.
    let k = Knowledge::from_toml(
        "[[entry]]\nid='order-tracking'\nquestions=['where is my order']\nanswer='a'\n\
         [[entry]]\nid='shipping-time'\nquestions=['when will my order arrive', 'how long does shipping take']\nanswer='b'\n\
         [outside]\nexamples=['my order arrived broken']\n",
    )
    .unwrap();
    let r = k.retrieve("When will my order arrive?").unwrap();
    assert_eq!(r.entry.id, "shipping-time");
    assert!(r.exact);
    assert_eq!(r.confidence, 1.0);
    let r = k.retrieve("my order arrived broken").unwrap();
    assert!(r.outside_best);
    assert_eq!(r.confidence, 0.0);
    assert!(!k.retrieve("when will the order arrive").unwrap().exact);
}
