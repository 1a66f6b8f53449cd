-- Catalog search at a million products.
--
-- products_search_query turns the words of a search into one tsquery: every word must match
-- (stemmed by the 'russian' configuration, which stems Latin words with the English stemmer),
-- or, for SKU and barcode tokens, as written ('simple'); with `prefix`, the last word, the one
-- being typed, also matches as the beginning of a word when it has three or more characters
-- (a prefix of every word would make the GIN index collect every lexeme that starts alike);
-- `weights` restricts the match to those parts of the vector ('AB': title, SKU, barcodes,
-- brand). Stop words are left out rather than required; with no word left it is NULL, which
-- matches nothing.
-- It is IMMUTABLE and called with constants, so the planner evaluates it while planning and
-- estimates the match from the column's statistics: a common word walks a sort index and
-- stops at the page, a rare one reads its few rows from the GIN index.
CREATE FUNCTION products_search_query(words text[], prefix boolean, weights text)
    RETURNS tsquery LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS
$$
DECLARE
    matched  tsquery;
    word     text;
    label    text;
    term     text;
    stemmed  tsquery;
    as_typed tsquery;
BEGIN
    FOR i IN 1 .. coalesce(array_length(words, 1), 0)
        LOOP
            word := words[i];
            -- a stop word (asked of to_tsvector, which, unlike to_tsquery, does not complain)
            CONTINUE WHEN length(to_tsvector('russian', word)) = 0;
            label := CASE WHEN prefix AND i = array_length(words, 1) AND length(word) >= 3 THEN '*' ELSE '' END
                         || weights;
            term := CASE WHEN label = '' THEN word ELSE word || ':' || label END;
            stemmed := to_tsquery('russian', term);
            as_typed := to_tsquery('simple', term);
            IF as_typed <> stemmed THEN
                stemmed := stemmed || as_typed;
            END IF;
            matched := CASE WHEN matched IS NULL THEN stemmed ELSE matched && stemmed END;
        END LOOP;
    RETURN matched;
END;
$$;

-- A category filter takes the category and everything below it: a range of the path in byte
-- order ('a/' <= path < 'a0'), which this index answers.
CREATE INDEX products_category_idx ON products (category COLLATE "C", id);
-- SKU_ASC orders by the SKU as written.
CREATE INDEX products_sku_order_idx ON products (sku, id);

-- Codes like "VT-7001" are found by their parts: PostgreSQL's parser reads "-7001" as a signed
-- integer, so "7001" would match nothing; a hyphen between a letter or digit and a digit is
-- read as a space. Existing rows get their vectors again.
CREATE OR REPLACE FUNCTION products_search_text(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT regexp_replace(value, '(\w)-(?=\d)', '\1 ', 'g') $$;

CREATE OR REPLACE FUNCTION products_search_vector() RETURNS trigger LANGUAGE plpgsql AS
$$
BEGIN
    NEW.search :=
        setweight(to_tsvector('russian', products_search_text(NEW.title)), 'A') ||
        setweight(to_tsvector('simple', products_search_text(NEW.sku || ' ' || array_to_string(NEW.barcodes, ' '))), 'A') ||
        setweight(to_tsvector('russian', products_search_text(coalesce(NEW.brand, ''))), 'B') ||
        setweight(to_tsvector('russian', replace(coalesce(NEW.category, ''), '/', ' ')), 'C') ||
        setweight(to_tsvector('russian', products_search_text(coalesce(NEW.description, ''))), 'D');
    RETURN NEW;
END;
$$;

UPDATE products SET title = title;
