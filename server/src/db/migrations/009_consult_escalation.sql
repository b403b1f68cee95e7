-- An urgent consult nobody accepts in time is escalated once: the backup on call (or every neurologist of the hub)
-- is alerted, and the requesting ward doctor told so. The timer looks for such consults every few seconds.
ALTER TABLE consults ADD COLUMN escalated_at timestamptz;
CREATE INDEX consults_waiting ON consults (requested_at) WHERE status = 'requested' AND escalated_at IS NULL;
