-- Products that come from suppliers' feeds: the supplier's item, stock per warehouse,
-- availability and feed content (images, attributes, sizes, recommended retail price).
ALTER TABLE products
    ADD COLUMN supplier_id        uuid,
    ADD COLUMN supplier_sku       text,
    ADD COLUMN stock_by_warehouse jsonb   NOT NULL DEFAULT '{}',
    ADD COLUMN available          boolean NOT NULL DEFAULT true,
    ADD COLUMN content            jsonb   NOT NULL DEFAULT '{}';

CREATE INDEX products_supplier_idx ON products (supplier_id, supplier_sku);
