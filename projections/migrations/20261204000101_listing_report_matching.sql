-- Report rows of a marketplace (orders, sales, stocks) are matched to listings by the seller's
-- vendor code, else by the marketplace's article id: one index walk per page of rows each.
CREATE INDEX listings_vendor_code_idx ON listings (account_id, vendor_code);
CREATE INDEX listings_nm_id_idx ON listings (account_id, nm_id) WHERE nm_id IS NOT NULL;
