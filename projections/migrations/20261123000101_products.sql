-- Catalog read model: one row per product, with a full-text search vector.
CREATE TABLE products
(
    id            uuid        PRIMARY KEY,
    sku           text        NOT NULL,
    title         text        NOT NULL,
    brand         text,
    description   text,
    category      text,
    barcodes      text[]      NOT NULL DEFAULT '{}',
    price_kopecks bigint      NOT NULL,
    stock         bigint      NOT NULL,
    status        text        NOT NULL,
    -- sequence of the last event applied to this row: re-applying an event is a no-op
    version       bigint      NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    search        tsvector    NOT NULL DEFAULT ''::tsvector
);

-- The 'russian' configuration stems Cyrillic words with the Russian stemmer and Latin words with
-- the English one, so one vector serves both; SKU and barcodes go in unstemmed ('simple').
CREATE FUNCTION products_search_vector() RETURNS trigger LANGUAGE plpgsql AS
$$
BEGIN
    NEW.search :=
        setweight(to_tsvector('russian', NEW.title), 'A') ||
        setweight(to_tsvector('simple', NEW.sku || ' ' || array_to_string(NEW.barcodes, ' ')), 'A') ||
        setweight(to_tsvector('russian', coalesce(NEW.brand, '')), 'B') ||
        setweight(to_tsvector('russian', replace(coalesce(NEW.category, ''), '/', ' ')), 'C') ||
        setweight(to_tsvector('russian', coalesce(NEW.description, '')), 'D');
    RETURN NEW;
END;
$$;

CREATE TRIGGER products_search_refresh
    BEFORE INSERT OR UPDATE OF sku, title, brand, description, category, barcodes ON products
    FOR EACH ROW EXECUTE FUNCTION products_search_vector();

CREATE INDEX products_search_idx ON products USING gin (search);
CREATE INDEX products_sku_idx ON products (lower(sku));
CREATE INDEX products_barcodes_idx ON products USING gin (barcodes);
CREATE INDEX products_brand_idx ON products (lower(brand));
CREATE INDEX products_created_idx ON products (created_at, id);
CREATE INDEX products_updated_idx ON products (updated_at, id);
CREATE INDEX products_price_idx ON products (price_kopecks, id);
CREATE INDEX products_title_idx ON products (title, id);
CREATE INDEX products_stock_idx ON products (stock, id);
