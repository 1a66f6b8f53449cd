-- The peer the catalog benchmark measures GoMarket against: PostGraphile v4 over the same
-- `products` table, with the connection-filter plugin for ranges, and search the way
-- PostGraphile's documentation shows it, as a function returning rows (ranked by ts_rank).
CREATE SCHEMA IF NOT EXISTS bench_peer;

CREATE OR REPLACE FUNCTION bench_peer.search_products(q text) RETURNS SETOF public.products
    LANGUAGE sql STABLE AS
$$
SELECT p.*
  FROM public.products p
 WHERE p.status = 'ACTIVE'
   AND (lower(p.sku) = lower(q) OR p.barcodes @> ARRAY[q] OR p.search @@ plainto_tsquery('russian', q))
 ORDER BY ts_rank(p.search, plainto_tsquery('russian', q)) DESC, p.id
$$;

-- Let PostGraphile order and filter the function's rows like a table's.
COMMENT ON FUNCTION bench_peer.search_products(text) IS E'@sortable\n@filterable';
