-- The KPI tile (`metrics` subscription) counts an account's articles out of stock on the
-- marketplace and its listings with an open error: partial indexes make each count cost the
-- rows counted, not the account's articles.
CREATE INDEX marketplace_stock_articles_empty_idx ON marketplace_stock_articles (account_id) WHERE quantity = 0;
CREATE INDEX listings_error_idx ON listings (account_id) WHERE has_error;
