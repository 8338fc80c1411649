-- Harvest projects in the current view (staging/sync.sql): the latest
-- version of each record the source still has. budget is in hours when
-- budget_by is "project" or "task", in money when it is "project_cost".
CREATE OR REPLACE TABLE staging.harvest_projects AS
SELECT
    id                                  AS project_id,
    client_id,
    trim(name)                          AS name,
    nullif(trim(code), '')              AS code,
    coalesce(is_active, true)           AS is_active,
    coalesce(is_billable, true)         AS is_billable,
    coalesce(is_fixed_fee, false)       AS is_fixed_fee,
    bill_by,
    budget,
    budget_by,
    fee,
    hourly_rate,
    starts_on,
    ends_on,
    notes,
    created_at,
    updated_at
FROM staging.current_harvest_projects
WHERE _deleted_at IS NULL;
