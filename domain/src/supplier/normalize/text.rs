//! Text from feeds: HTML stripped to plain text, titles cut at word boundaries.

use std::borrow::Cow;

/// Plain text from HTML (or from text that merely contains some): tags dropped (block tags
/// become line breaks), entities decoded, links removed, whitespace collapsed per line.
///
/// Every offer's description, name and attributes pass through here, a million times an
/// import: text without markup or entities is not copied before its words are, and words are
/// written straight into the result (no line or word lists).
pub fn strip_html(raw: &str) -> String {
    let untagged = if raw.contains('<') {
        Cow::Owned(strip_tags(raw))
    } else {
        Cow::Borrowed(raw)
    };
    let decoded = if untagged.contains('&') {
        Cow::Owned(decode_entities(&untagged))
    } else {
        untagged
    };
    let mut out = String::with_capacity(decoded.len());
    for line in decoded.lines() {
        let mut words = line.split_whitespace().filter(|word| !is_link(word));
        let Some(first) = words.next() else {
            continue;
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(first);
        for word in words {
            out.push(' ');
            out.push_str(word);
        }
    }
    out
}

/// Block elements: their tags break the line.
const BLOCK_TAGS: [&str; 11] = ["br", "p", "div", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4"];

/// `raw` without its tags, a line break for each block tag; a lone `<` is kept as text.
fn strip_tags(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        match rest[start..].find('>') {
            Some(end) => {
                let tag = rest[start + 1..start + end].trim();
                let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or("");
                if BLOCK_TAGS.iter().any(|block| block.eq_ignore_ascii_case(name)) {
                    out.push('\n');
                }
                rest = &rest[start + end + 1..];
            }
            None => {
                // A lone '<' is text ("< 5 кг").
                out.push('<');
                rest = &rest[start + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_link(word: &str) -> bool {
    // The prefixes are ASCII: a word whose first bytes are not cannot start with one.
    let starts_with = |prefix: &str| {
        word.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    starts_with("http://") || starts_with("https://") || starts_with("www.")
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|end| {
            let entity = &after[..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                "laquo" => Some('«'),
                "raquo" => Some('»'),
                "mdash" => Some('—'),
                "ndash" => Some('–'),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Words a title must not end on (it would read as cut mid-phrase).
const PREPOSITIONS: &[&str] = &[
    "в",
    "во",
    "на",
    "с",
    "со",
    "для",
    "и",
    "или",
    "по",
    "из",
    "к",
    "ко",
    "от",
    "до",
    "о",
    "об",
    "у",
    "за",
    "под",
    "над",
    "при",
    "без",
    "через",
    "а",
    "но",
    "-",
    "–",
    "—",
    "/",
    "&",
    "with",
    "for",
    "and",
    "of",
    "the",
    "to",
];

/// The text cut to at most `max` characters at a word boundary, never ending on a preposition
/// or conjunction (nor on punctuation); unchanged when it fits.
pub fn cut_title(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let mut words: Vec<&str> = Vec::new();
    let mut length = 0;
    for word in text.split(' ') {
        let added = word.chars().count() + usize::from(!words.is_empty());
        if length + added > max {
            break;
        }
        length += added;
        words.push(word);
    }
    while words.len() > 1
        && words
            .last()
            .is_some_and(|w| PREPOSITIONS.contains(&w.to_lowercase().trim_end_matches([',', ':', ';'])))
    {
        words.pop();
    }
    if words.is_empty() {
        // One word longer than the limit: cut it.
        return text.chars().take(max).collect();
    }
    words
        .join(" ")
        .trim_end_matches([',', ':', ';', '-', '(', '/'])
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `strip_html` as first written, step by step (lowercased tags, a list of lines, a list of
    /// words per line): the faster one must read every text the same.
    fn plain_reading(raw: &str) -> String {
        let mut out = String::new();
        let mut rest = raw;
        while let Some(start) = rest.find('<') {
            out.push_str(&rest[..start]);
            match rest[start..].find('>') {
                Some(end) => {
                    let tag = rest[start + 1..start + end].trim().to_ascii_lowercase();
                    let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or("");
                    if BLOCK_TAGS.contains(&name) {
                        out.push('\n');
                    }
                    rest = &rest[start + end + 1..];
                }
                None => {
                    out.push('<');
                    rest = &rest[start + 1..];
                }
            }
        }
        out.push_str(rest);
        let lines: Vec<String> = decode_entities(&out)
            .lines()
            .map(|line| {
                line.split_whitespace()
                    .filter(|word| {
                        let lower = word.to_ascii_lowercase();
                        !(lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www."))
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|line| !line.is_empty())
            .collect();
        lines.join("\n")
    }

    #[test]
    fn html_becomes_plain_text() {
        let html = "<p>Чайник&nbsp;<b>Vitek</b> &amp; подставка</p><ul><li>1,7 л</li><li>2200&#160;Вт</li></ul>\
                    Подробнее: https://example.ru/item?id=1 <br/>Цена &lt; 3000";
        assert_eq!(
            strip_html(html),
            "Чайник Vitek & подставка\n1,7 л\n2200 Вт\nПодробнее:\nЦена < 3000"
        );
        assert_eq!(strip_html("вес < 5 кг"), "вес < 5 кг");
        assert_eq!(strip_html("AT&T &unknown; &#x41;"), "AT&T &unknown; A");
    }

    #[test]
    fn titles_are_cut_at_words_and_not_on_prepositions() {
        let title = "Чайник электрический Vitek с подсветкой для дома и дачи";
        assert_eq!(cut_title(title, 100), title);
        assert_eq!(cut_title(title, 30), "Чайник электрический Vitek");
        assert_eq!(cut_title(title, 40), "Чайник электрический Vitek с подсветкой");
        assert_eq!(cut_title("Суперкалифрагилистический", 10), "Суперкалиф");
    }

    proptest! {
        #[test]
        fn cut_titles_fit_and_are_prefixes(words in proptest::collection::vec("[а-яa-z]{1,12}", 1..20), max in 5usize..80) {
            let title = words.join(" ");
            let cut = cut_title(&title, max);
            prop_assert!(cut.chars().count() <= max);
            prop_assert!(title.starts_with(&cut));
        }

        #[test]
        fn stripping_agrees_with_the_plain_reading(
            text in "(<|>|&|;|amp|lt|nbsp|#x41|#1105|br|BR|p|/|li|div| |\n|\r|\t|http://|WWW.|x|я|Ж){0,40}"
        ) {
            prop_assert_eq!(strip_html(&text), plain_reading(&text));
        }

        #[test]
        fn text_without_markup_only_has_its_spaces_normalized(text in "[а-яa-z0-9,. ]{0,60}") {
            let expected = text.split_whitespace().collect::<Vec<_>>().join(" ");
            prop_assert_eq!(strip_html(&text), expected);
        }
    }
}
