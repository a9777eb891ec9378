//! The sentiment of a free-text answer (positive, neutral or negative) from
//! a small English and French lexicon, with no external service: words that
//! praise or complain count +1 or −1, a negation just before a word turns it
//! around ("not helpful", "pas clair", "n'est pas mal"), and the sign of the
//! sum decides. Meant for short survey comments, where this is right most
//! of the time; a comment it cannot read is neutral.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sentiment {
    Negative,
    Neutral,
    Positive,
}

impl Sentiment {
    pub const NAMES: [&'static str; 3] = ["negative", "neutral", "positive"];

    pub fn name(self) -> &'static str {
        Sentiment::NAMES[self as usize]
    }

    /// The sentiment's number in a facts line: 0, 1 or 2.
    pub fn code(self) -> u64 {
        self as u64
    }

    pub fn from_code(code: u64) -> Sentiment {
        match code {
            0 => Sentiment::Negative,
            2 => Sentiment::Positive,
            _ => Sentiment::Neutral,
        }
    }
}

/// Words that praise (English, then French; accents as typed and without).
const POSITIVE: &[&str] = &[
    "good",
    "great",
    "excellent",
    "perfect",
    "love",
    "loved",
    "like",
    "liked",
    "easy",
    "fast",
    "quick",
    "simple",
    "clear",
    "helpful",
    "nice",
    "awesome",
    "amazing",
    "fantastic",
    "smooth",
    "friendly",
    "happy",
    "pleased",
    "recommend",
    "thanks",
    "thank",
    "wonderful",
    "best",
    "efficient",
    "intuitive",
    "useful",
    "works",
    "fine",
    "bien",
    "bon",
    "bonne",
    "super",
    "génial",
    "genial",
    "parfait",
    "parfaite",
    "excellente",
    "facile",
    "rapide",
    "clair",
    "claire",
    "pratique",
    "agréable",
    "agreable",
    "merci",
    "top",
    "efficace",
    "aimé",
    "aime",
    "adore",
    "adoré",
    "content",
    "contente",
    "satisfait",
    "satisfaite",
    "sympa",
    "utile",
    "fluide",
    "impeccable",
    "formidable",
    "recommande",
    "rapides",
];

/// Words that complain.
const NEGATIVE: &[&str] = &[
    "bad",
    "slow",
    "hard",
    "difficult",
    "confusing",
    "confused",
    "broken",
    "bug",
    "bugs",
    "error",
    "errors",
    "terrible",
    "awful",
    "horrible",
    "hate",
    "hated",
    "annoying",
    "useless",
    "expensive",
    "poor",
    "worst",
    "fail",
    "failed",
    "fails",
    "crash",
    "crashed",
    "problem",
    "problems",
    "issue",
    "issues",
    "disappointed",
    "disappointing",
    "frustrating",
    "frustrated",
    "complicated",
    "wrong",
    "late",
    "unclear",
    "stuck",
    "lent",
    "lente",
    "lents",
    "cher",
    "chère",
    "chere",
    "chers",
    "difficile",
    "compliqué",
    "complique",
    "compliquée",
    "nul",
    "nulle",
    "mauvais",
    "mauvaise",
    "problème",
    "probleme",
    "problèmes",
    "erreur",
    "erreurs",
    "bloqué",
    "bloque",
    "déçu",
    "decu",
    "déçue",
    "decue",
    "décevant",
    "decevant",
    "impossible",
    "pénible",
    "penible",
    "inutile",
    "retard",
    "mal",
    "incompréhensible",
    "incomprehensible",
    "frustrant",
    "cassé",
    "casse",
    "pire",
    "lenteur",
];

/// Words that turn the next ones around ("n'" and "don't" arrive as "n" and "not").
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "nothing", "hardly", "without", "pas", "ne", "n", "jamais", "rien", "aucun", "aucune", "sans",
];
/// How many words after a negation it reaches.
const NEGATION_REACH: usize = 3;

/// The sentiment of `text`.
pub fn of(text: &str) -> Sentiment {
    let lower = text.to_lowercase().replace(['’', '\''], " ' ").replace("n ' t", " not");
    let mut score = 0i64;
    let mut negated_for = 0usize;
    for word in lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let polarity = if POSITIVE.contains(&word) {
            1
        } else if NEGATIVE.contains(&word) {
            -1
        } else {
            0
        };
        if polarity != 0 {
            score += if negated_for > 0 { -polarity } else { polarity };
        }
        if NEGATIONS.contains(&word) {
            negated_for = NEGATION_REACH;
        } else {
            negated_for = negated_for.saturating_sub(1);
        }
    }
    match score {
        s if s > 0 => Sentiment::Positive,
        s if s < 0 => Sentiment::Negative,
        _ => Sentiment::Neutral,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_in_english_and_french_read_as_a_reader_would() {
        let cases = [
            ("Fast delivery, great coffee!", Sentiment::Positive),
            ("The checkout was slow and confusing", Sentiment::Negative),
            ("It wasn't easy to find the plans", Sentiment::Negative),
            ("Not bad at all", Sentiment::Positive),
            ("I ordered a grinder", Sentiment::Neutral),
            ("Trop lent, vraiment pénible", Sentiment::Negative),
            ("Livraison rapide, merci !", Sentiment::Positive),
            ("Ce n'est pas clair", Sentiment::Negative),
            ("Ce n’est pas mal", Sentiment::Positive),
            (
                "Le site est génial mais la livraison est en retard et le support est nul",
                Sentiment::Negative,
            ),
            ("", Sentiment::Neutral),
            ("👍", Sentiment::Neutral),
        ];
        for (text, expected) in cases {
            assert_eq!(of(text), expected, "{text:?}");
        }
    }

    #[test]
    fn codes_go_both_ways() {
        for s in [Sentiment::Negative, Sentiment::Neutral, Sentiment::Positive] {
            assert_eq!(Sentiment::from_code(s.code()), s);
        }
        assert_eq!(Sentiment::Positive.name(), "positive");
    }
}
