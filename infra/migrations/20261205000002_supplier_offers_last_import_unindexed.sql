-- No query looks offers up by their last import: the sweep of offers that left a full feed walks
-- the supplier's offers by SKU (`last_import_id <> $2` cannot use an index). The index made
-- every re-import rewrite an entry per offer besides the row's, in a table each import updates
-- whole (every offer's `last_import_id` changes).
DROP INDEX supplier_offers_last_import_idx;
