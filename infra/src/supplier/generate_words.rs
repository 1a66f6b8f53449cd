//! Words for generated feeds whose frequencies look like a real catalog's: a few very common,
//! most rare (Zipf's law), so search benchmarks meet common and rare words alike.
//!
//! The words are made up (four syllables, Cyrillic for even ranks, Latin for odd), so no
//! dictionary is needed and none is a stop word.

use rand::Rng;

/// How many different words there are.
pub const VOCABULARY: usize = 50_000;

const CYRILLIC: [&str; 16] = [
    "ка", "ло", "ми", "ра", "ну", "се", "ти", "во", "ре", "па", "ду", "зо", "ли", "ме", "фа", "гу",
];
const LATIN: [&str; 16] = [
    "ka", "lo", "mi", "ra", "nu", "se", "ti", "vo", "re", "pa", "du", "zo", "li", "me", "fa", "gu",
];

/// The word of frequency rank `rank` (0: the most frequent).
pub fn word(rank: usize) -> String {
    let syllables = if rank.is_multiple_of(2) { &CYRILLIC } else { &LATIN };
    let mut digits = rank % VOCABULARY;
    let mut word = String::new();
    for _ in 0..4 {
        word.push_str(syllables[digits % 16]);
        digits /= 16;
    }
    word
}

/// A rank drawn so that rank r comes up about as often as 1 / (r + 1): the share of ranks
/// below r grows as ln(r + 1), which is Zipf's law with exponent 1.
pub fn zipf_rank(rng: &mut impl Rng) -> usize {
    let u: f64 = rng.gen_range(0.0..1.0);
    ((VOCABULARY as f64 + 1.0).powf(u) - 1.0).floor() as usize % VOCABULARY
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use std::collections::HashSet;

    #[test]
    fn words_are_distinct_and_alternate_scripts() {
        let words: HashSet<String> = (0..VOCABULARY).map(word).collect();
        assert_eq!(words.len(), VOCABULARY);
        assert!(word(0).chars().all(|c| ('а'..='я').contains(&c)));
        assert!(word(1).chars().all(|c| c.is_ascii_lowercase()));
    }

    #[test]
    fn low_ranks_are_common_and_high_ranks_rare() {
        let mut rng = StdRng::seed_from_u64(1);
        let draws: Vec<usize> = (0..100_000).map(|_| zipf_rank(&mut rng)).collect();
        let top = draws.iter().filter(|&&r| r == 0).count();
        let tail = draws.iter().filter(|&&r| r >= VOCABULARY / 2).count();
        // P(rank 0) = ln 2 / ln 50 001 ≈ 6.4 %; P(rank ≥ 25 000) = ln 2 / ln 50 001 as well,
        // spread over 25 000 words.
        assert!((5_500..7_300).contains(&top), "{top}");
        assert!((5_500..7_300).contains(&tail), "{tail}");
    }
}
