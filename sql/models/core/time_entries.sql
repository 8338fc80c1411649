-- Time entries with everything reconciliation needs: customer, project,
-- approval, billing link, and the rate that applies. card_rate is the rate
-- card's rate valid on the work date (a task-specific rate before a
-- project-wide one); rate is what unbilled work is valued at: the card
-- rate, else the Harvest task assignment's current rate, else the
-- project's hourly rate, else the entry's own rate (rate_source says
-- which).
CREATE OR REPLACE TABLE core.time_entries AS
WITH card AS (
    SELECT e.entry_id, rc.hourly_rate AS card_rate, rc.rate_id
    FROM staging.harvest_time_entries e
    JOIN core.rate_cards rc
      ON rc.project_id = e.project_id
     AND (rc.task_id = e.task_id OR rc.task_name IS NULL)
     AND e.work_date >= rc.valid_from
     AND (rc.valid_to IS NULL OR e.work_date <= rc.valid_to)
    QUALIFY row_number() OVER (PARTITION BY e.entry_id ORDER BY rc.task_name NULLS LAST, rc.valid_from DESC, rc.rate_id) = 1
)
SELECT
    e.entry_id,
    e.work_date,
    e.user_id,
    u.name                                          AS user_name,
    e.project_id,
    p.project_code,
    p.name                                          AS project_name,
    p.billing_model,
    p.customer_id,
    e.task_id,
    t.name                                          AS task_name,
    e.hours,
    e.notes,
    e.approved,
    e.billable,
    e.billed,
    e.invoice_id,
    e.invoice_number,
    e.billable_rate                                 AS entry_rate,
    card.card_rate,
    card.rate_id                                    AS card_rate_id,
    coalesce(card.card_rate, ta.hourly_rate, p.hourly_rate, e.billable_rate) AS rate,
    CASE WHEN card.card_rate IS NOT NULL THEN 'rate_card'
         WHEN ta.hourly_rate IS NOT NULL THEN 'task_assignment'
         WHEN p.hourly_rate IS NOT NULL THEN 'project'
         WHEN e.billable_rate IS NOT NULL THEN 'entry' END AS rate_source,
    p.currency,
    e.external_reference_id,
    e.external_service,
    e.created_at,
    e.updated_at
FROM staging.harvest_time_entries e
LEFT JOIN core.projects p ON p.project_id = e.project_id
LEFT JOIN staging.harvest_users u ON u.user_id = e.user_id
LEFT JOIN staging.harvest_tasks t ON t.task_id = e.task_id
LEFT JOIN staging.harvest_task_assignments ta ON ta.project_id = e.project_id AND ta.task_id = e.task_id
LEFT JOIN card ON card.entry_id = e.entry_id;
