//! Words for people: counts that read right ("1 answer", "2 answers").

/// `n` and the noun in the number it takes: `counted(1, "answer", "answers")` is "1 answer".
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_everything_else_plural() {
        assert_eq!(super::counted(1, "time", "times"), "1 time");
        assert_eq!(super::counted(0, "time", "times"), "0 times");
        assert_eq!(super::counted(2, "proposal", "proposals"), "2 proposals");
    }
}
