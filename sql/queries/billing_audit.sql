-- name: audit_last
SELECT seq, hash FROM audit.log ORDER BY seq DESC LIMIT 1;

-- name: audit_append
-- audit.AppendAll adds one ($1, ..., $11) row of values per record.
INSERT INTO audit.log (seq, ts, actor, action, entity, entity_id, before, after, reason, prev_hash, hash)
VALUES

-- name: audit_all
SELECT seq, ts, actor, action, entity, entity_id, before, after, reason, prev_hash, hash
FROM audit.log ORDER BY seq;
