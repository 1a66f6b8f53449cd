-- What a listing's waiting push is about (CARD, PRICE, STOCK): a wait of one area does not hold
-- back the others (a stock put off while the product is in moderation, its price still goes).
-- Rows written before have none; the projection fills it as listings change.
ALTER TABLE listings ADD COLUMN retry_area text;
