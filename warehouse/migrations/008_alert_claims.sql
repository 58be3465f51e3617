-- Delivery claims: a run claims an alert in the warehouse (under the writer lock) before it sends it,
-- so two overlapping runs never both send one alert. A claim names its owner and expires: a run that
-- dies after claiming leaves the alert `pending`, and the first run after the expiry claims and sends
-- it. The `alerts` view is unchanged: a claimed alert stays `pending` until its delivery is recorded.

-- '<run id>/<attempt>' of the run holding the claim; NULL when nobody does.
ALTER TABLE core.alerts ADD COLUMN claimed_by VARCHAR;

-- When the claim expires (UTC); after it, another run may claim the alert.
ALTER TABLE core.alerts ADD COLUMN claim_expires_at TIMESTAMP;
