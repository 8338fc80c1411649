-- name: identities_review
SELECT kind, system, source_id, coalesce(name, ''), NULL::VARCHAR AS matched_to, status, 0.0::DOUBLE AS confidence,
       to_json(coalesce(candidates, []::VARCHAR[]))::VARCHAR, hint, ''
FROM core.identity_review
WHERE $1 = '' OR kind = $1
ORDER BY kind, system, source_id;

-- name: identities_all
SELECT 'customer' AS kind, i.system, i.source_id, coalesce(i.name, ''), i.customer_id, i.method, i.confidence::DOUBLE,
       to_json(coalesce(i.candidates, []::VARCHAR[]))::VARCHAR, coalesce(r.hint, ''), coalesce(i.pin_reason, '')
FROM core.customer_identity i
LEFT JOIN core.identity_review r ON r.kind = 'customer' AND r.system = i.system AND r.source_id = i.source_id
WHERE $1 = '' OR $1 = 'customer'
UNION ALL
SELECT 'project', i.system, i.source_id, coalesce(i.name, ''), i.project_id, i.method, i.confidence::DOUBLE,
       to_json(coalesce(i.candidates, []::VARCHAR[]))::VARCHAR, coalesce(r.hint, ''), coalesce(i.pin_reason, '')
FROM core.project_identity i
LEFT JOIN core.identity_review r ON r.kind = 'project' AND r.system = i.system AND r.source_id = i.source_id
WHERE $1 = '' OR $1 = 'project'
ORDER BY 1, 2, 3;
