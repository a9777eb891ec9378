//! A small regular-expression matcher for survey URL rules (`matches`).
//!
//! Why not the `regex` crate: this crate is compiled into the browser
//! bundle, and URL rules need a sliver of it. Supported: literals, `.`,
//! classes `[a-z_-]` and `[^…]`, `\d \w \s` (and `\D \W \S`), escaped
//! punctuation, `^ $`, groups `(…)` and `(?:…)`, alternation `|`, and the
//! greedy quantifiers `* + ? {n} {n,} {n,m}`. Matching backtracks within a
//! fixed step budget, so no pattern can hang the page: past the budget it
//! does not match.

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::boxed::Box;
use alloc::vec;
use core::cell::Cell;

/// Most backtracking steps one match may take.
const STEP_BUDGET: u32 = 200_000;
/// Longest text matched (URLs longer are cut here).
const MAX_INPUT: usize = 4_096;

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Char(char),
    Any,
    /// Ranges of a class, and whether it is negated.
    Class(Vec<(char, char)>, bool),
    Start,
    End,
    /// Alternatives, each a sequence.
    Group(Vec<Vec<Node>>),
    Repeat(Box<Node>, u32, u32),
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    alternatives: Vec<Vec<Node>>,
}

impl Pattern {
    /// Compiles `source`, or says what is wrong with it.
    pub fn new(source: &str) -> Result<Pattern, &'static str> {
        let chars: Vec<char> = source.chars().collect();
        let mut parser = Parser { chars: &chars, at: 0 };
        let alternatives = parser.alternatives()?;
        if parser.at < chars.len() {
            return Err("has a ) without its (");
        }
        Ok(Pattern { alternatives })
    }

    /// Whether the pattern matches anywhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let input: Vec<char> = text.chars().take(MAX_INPUT).collect();
        let matcher = Matcher {
            input: &input,
            steps: Cell::new(0),
        };
        let whole = [Node::Group(self.alternatives.clone())];
        (0..=input.len()).any(|start| matcher.sequence(&whole, start, &mut |_| true))
    }
}

struct Parser<'a> {
    chars: &'a [char],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        self.at += 1;
        c
    }

    fn alternatives(&mut self) -> Result<Vec<Vec<Node>>, &'static str> {
        let mut alternatives = vec![self.sequence()?];
        while self.peek() == Some('|') {
            self.at += 1;
            alternatives.push(self.sequence()?);
        }
        Ok(alternatives)
    }

    fn sequence(&mut self) -> Result<Vec<Node>, &'static str> {
        let mut nodes = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            self.at += 1;
            let atom = match c {
                '(' => {
                    if self.chars.get(self.at..self.at + 2) == Some(&['?', ':']) {
                        self.at += 2;
                    }
                    let group = self.alternatives()?;
                    if self.next() != Some(')') {
                        return Err("has a ( without its )");
                    }
                    Node::Group(group)
                }
                '[' => self.class()?,
                '.' => Node::Any,
                '^' => Node::Start,
                '$' => Node::End,
                '\\' => self.escape()?,
                '*' | '+' | '?' | '{' => return Err("has a quantifier (* + ? {) with nothing to repeat"),
                c => Node::Char(c),
            };
            let atom = self.quantified(atom)?;
            nodes.push(atom);
        }
        Ok(nodes)
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, &'static str> {
        let (min, max) = match self.peek() {
            Some('*') => (0, u32::MAX),
            Some('+') => (1, u32::MAX),
            Some('?') => (0, 1),
            Some('{') => {
                self.at += 1;
                let min = self.number().ok_or("has a { not followed by a number")?;
                let max = if self.peek() == Some(',') {
                    self.at += 1;
                    self.number().unwrap_or(u32::MAX)
                } else {
                    min
                };
                if self.peek() != Some('}') || max < min {
                    return Err("has a malformed {n,m}");
                }
                (min, max)
            }
            _ => return Ok(atom),
        };
        self.at += 1;
        if matches!(atom, Node::Start | Node::End) {
            return Err("repeats ^ or $");
        }
        Ok(Node::Repeat(Box::new(atom), min, max))
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.at;
        let mut n: u32 = 0;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            n = n.saturating_mul(10).saturating_add(d);
            self.at += 1;
        }
        (self.at > start).then_some(n.min(1_000))
    }

    fn escape(&mut self) -> Result<Node, &'static str> {
        let c = self.next().ok_or("ends with a lone \\")?;
        Ok(match shorthand(c) {
            Some((ranges, negated)) => Node::Class(ranges, negated),
            None if c.is_ascii_alphanumeric() => {
                return Err("has an unknown escape (use \\d \\w \\s or escape punctuation)")
            }
            None => Node::Char(c),
        })
    }

    fn class(&mut self) -> Result<Node, &'static str> {
        let negated = self.peek() == Some('^');
        if negated {
            self.at += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.next().ok_or("has a [ without its ]")?;
            if c == ']' && !first {
                break;
            }
            first = false;
            let low = if c == '\\' {
                let e = self.next().ok_or("ends with a lone \\")?;
                if let Some((more, false)) = shorthand(e) {
                    ranges.extend(more);
                    continue;
                }
                e
            } else {
                c
            };
            let is_range = self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|&c| c != ']');
            if is_range {
                self.at += 1;
                let high = self.next().ok_or("has a [ without its ]")?;
                if high < low {
                    return Err("has a range [z-a] that runs backwards");
                }
                ranges.push((low, high));
            } else {
                ranges.push((low, low));
            }
        }
        Ok(Node::Class(ranges, negated))
    }
}

/// `\d`, `\w`, `\s` and their negations as class ranges.
fn shorthand(c: char) -> Option<(Vec<(char, char)>, bool)> {
    let ranges = match c.to_ascii_lowercase() {
        'd' => vec![('0', '9')],
        'w' => vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')],
        's' => vec![(' ', ' '), ('\t', '\r')],
        _ => return None,
    };
    Some((ranges, c.is_ascii_uppercase()))
}

struct Matcher<'a> {
    input: &'a [char],
    steps: Cell<u32>,
}

impl Matcher<'_> {
    /// Matches `nodes` from `at`, then hands the end position to `then`.
    fn sequence(&self, nodes: &[Node], at: usize, then: &mut dyn FnMut(usize) -> bool) -> bool {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > STEP_BUDGET {
            return false;
        }
        let Some((first, rest)) = nodes.split_first() else {
            return then(at);
        };
        match first {
            Node::Start => at == 0 && self.sequence(rest, at, then),
            Node::End => at == self.input.len() && self.sequence(rest, at, then),
            Node::Group(alternatives) => {
                for alternative in alternatives {
                    if self.sequence(alternative, at, &mut |end| self.sequence(rest, end, then)) {
                        return true;
                    }
                }
                false
            }
            Node::Repeat(node, min, max) => self.repeat(node, *min, *max, 0, at, rest, then),
            atom => self.input.get(at).is_some_and(|&c| accepts(atom, c)) && self.sequence(rest, at + 1, then),
        }
    }

    /// Greedy: one more repetition first, then what follows.
    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &self,
        node: &Node,
        min: u32,
        max: u32,
        count: u32,
        at: usize,
        rest: &[Node],
        then: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        let more = count < max
            && self.sequence(core::slice::from_ref(node), at, &mut |end| {
                // A repetition that consumed nothing would loop forever.
                end != at && self.repeat(node, min, max, count + 1, end, rest, then)
            });
        more || (count >= min && self.sequence(rest, at, then))
    }
}

fn accepts(atom: &Node, c: char) -> bool {
    match atom {
        Node::Char(x) => *x == c,
        Node::Any => c != '\n',
        Node::Class(ranges, negated) => ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        Pattern::new(pattern).unwrap().is_match(text)
    }

    #[test]
    fn matches_what_url_rules_use() {
        assert!(matches("^/products/\\d+$", "/products/42"));
        assert!(!matches("^/products/\\d+$", "/products/42/reviews"));
        assert!(matches("checkout|cart", "/shop/cart"));
        assert!(matches("^/(fr|de)/", "/fr/aide"));
        assert!(!matches("^/(fr|de)/", "/en/help"));
        assert!(matches(
            "utm_source=(news|mail)[a-z]*",
            "https://x.test/?utm_source=newsletter"
        ));
        assert!(matches("^/a/[^/]+/b$", "/a/xyz/b"));
        assert!(!matches("^/a/[^/]+/b$", "/a/x/y/b"));
        assert!(matches("^/item-\\w{3}$", "/item-a_9"));
        assert!(!matches("^/item-\\w{3}$", "/item-a_9z"));
        assert!(matches("^x{2,}$", "xxxx") && !matches("^x{2,3}$", "xxxx"));
        assert!(matches("\\.pdf$", "/doc/guide.pdf") && !matches("\\.pdf$", "/doc/guidepdf"));
        assert!(matches("(?:ab)+c", "zababc"));
        assert!(matches("", "anything"), "the empty pattern matches");
        assert!(matches("^$", ""));
    }

    #[test]
    fn refuses_bad_patterns_with_a_reason() {
        assert_eq!(Pattern::new("(a"), Err("has a ( without its )"));
        assert_eq!(Pattern::new("a)"), Err("has a ) without its ("));
        assert_eq!(Pattern::new("[a-"), Err("has a [ without its ]"));
        assert_eq!(
            Pattern::new("*a"),
            Err("has a quantifier (* + ? {) with nothing to repeat")
        );
        assert_eq!(Pattern::new("[z-a]"), Err("has a range [z-a] that runs backwards"));
        assert!(Pattern::new("\\q").is_err());
        assert!(Pattern::new("a{3,1}").is_err());
    }

    #[test]
    fn a_catastrophic_pattern_gives_up_instead_of_hanging() {
        let text: String = core::iter::repeat_n('a', 40).chain(core::iter::once('!')).collect();
        // Exponential for a naive backtracker; the budget ends it.
        assert!(!matches("^(a+)+$", &text));
        assert!(matches("^(a|b)*!$", &text));
    }
}
