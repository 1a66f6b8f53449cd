-- Catalog search at a million products.
--
-- products_search_query turns the words of a search into one tsquery: every word must match
-- (stemmed by the 'russian' configuration, which stems Latin words with the English stemmer),
-- or, for SKU and barcode tokens, as written ('simple'); with `prefix`, words of three or more
-- characters also match as prefixes; `weights` restricts the match to those parts of the
-- vector ('AB': title, SKU, barcodes, brand). Stop words are left out rather than required.
-- It is IMMUTABLE and called with constants, so the planner evaluates it while planning and
-- estimates the match from the column's statistics: a common word walks a sort index and
-- stops at the page, a rare one reads its few rows from the GIN index.
CREATE FUNCTION products_search_query(words text[], prefix boolean, weights text)
    RETURNS tsquery LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS
$$
DECLARE
    matched tsquery := '';
    word  text;
    label text;
    term  text;
    one   tsquery;
BEGIN
    FOREACH word IN ARRAY words
        LOOP
            label := CASE WHEN prefix AND length(word) >= 3 THEN '*' ELSE '' END || weights;
            term := CASE WHEN label = '' THEN word ELSE word || ':' || label END;
            one := to_tsquery('russian', term);
            CONTINUE WHEN numnode(one) = 0; -- a stop word
            matched := matched && (one || to_tsquery('simple', term));
        END LOOP;
    RETURN matched;
END;
$$;

-- A category filter takes the category and everything below it: a range of the path in byte
-- order ('a/' <= path < 'a0'), which this index answers.
CREATE INDEX products_category_idx ON products (category COLLATE "C", id);
-- SKU_ASC orders by the SKU as written.
CREATE INDEX products_sku_order_idx ON products (sku, id);
