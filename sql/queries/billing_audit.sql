-- name: audit_last
SELECT seq, hash FROM audit.log ORDER BY seq DESC LIMIT 1;

-- name: audit_append
INSERT INTO audit.log (seq, ts, actor, action, entity, entity_id, before, after, reason, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: audit_all
SELECT seq, ts, actor, action, entity, entity_id, before, after, reason, prev_hash, hash
FROM audit.log ORDER BY seq;
