-- name: audit_last
SELECT seq, hash FROM audit.log ORDER BY seq DESC LIMIT 1;

-- name: audit_append
-- The records of audit.AppendAll: $1 their time, then a list per column,
-- in one order ($2 seqs, $3 actors, $4 actions, $5 entities, $6 entity
-- ids, $7 before, $8 after, $9 reasons, $10 previous hashes, $11 hashes);
-- '' stands for a NULL text.
INSERT INTO audit.log (seq, ts, actor, action, entity, entity_id, before, after, reason, prev_hash, hash)
SELECT seq, $1, actor, action, entity, entity_id, nullif(before, ''), nullif(after, ''), nullif(reason, ''), prev_hash, hash
FROM (SELECT unnest($2::BIGINT[]) AS seq, unnest($3::VARCHAR[]) AS actor, unnest($4::VARCHAR[]) AS action,
             unnest($5::VARCHAR[]) AS entity, unnest($6::VARCHAR[]) AS entity_id, unnest($7::VARCHAR[]) AS before,
             unnest($8::VARCHAR[]) AS after, unnest($9::VARCHAR[]) AS reason, unnest($10::VARCHAR[]) AS prev_hash,
             unnest($11::VARCHAR[]) AS hash);

-- name: audit_all
SELECT seq, ts, actor, action, entity, entity_id, before, after, reason, prev_hash, hash
FROM audit.log ORDER BY seq;
