-- The incident log: blameless post-mortems kept as data beside the KPIs.
--
-- An incident is history, never a form that is edited: its header (when
-- and how it was detected) is written once, and everything after it — the
-- title, severity, status, customer impact, trigger, contributing causes,
-- safeguards, follow-ups, links and notes — is an event appended to its
-- timeline. The current state is the latest event of each kind (views
-- below). Each event carries the SHA-256 of the one before it, so a row
-- changed or removed outside takt shows as a broken chain.
CREATE SCHEMA IF NOT EXISTS incident;

CREATE SEQUENCE incident.incident_id_seq START 1;

CREATE TABLE incident.incidents (
    incident_id       BIGINT PRIMARY KEY,
    origin            VARCHAR NOT NULL,      -- manual: opened by a person; automatic: by a rule after a run
    detected_at       TIMESTAMPTZ NOT NULL,  -- when the problem was noticed
    detected_by_kind  VARCHAR NOT NULL,      -- person, schedule or rule
    detected_by       VARCHAR NOT NULL,      -- who or what noticed it (a role, a job, a rule name)
    created_at        TIMESTAMPTZ NOT NULL,  -- when the record was written
    hash              VARCHAR NOT NULL,      -- SHA-256 of the header; the first event chains to it
    CHECK (origin IN ('manual', 'automatic')),
    CHECK (detected_by_kind IN ('person', 'schedule', 'rule'))
);

-- The timeline. seq numbers an incident's events in the order they were
-- recorded; occurred_at is when the thing happened (a note may be written
-- after the fact), and the timeline is shown in that order.
CREATE TABLE incident.events (
    incident_id      BIGINT NOT NULL,
    seq              INTEGER NOT NULL,
    kind             VARCHAR NOT NULL,
    occurred_at      TIMESTAMPTZ NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    author           VARCHAR NOT NULL,
    text             VARCHAR,               -- prose: title, impact, a cause, a note, a follow-up's action
    value            VARCHAR,               -- severity, status, a link's reference, a follow-up's status
    ref_kind         VARCHAR,               -- a link's kind
    follow_up        INTEGER,               -- the follow-up's number within the incident
    owner_role       VARCHAR,               -- a follow-up's owner: a role, never a person
    due_on           DATE,                  -- a follow-up's due date
    person_mentions  VARCHAR,               -- JSON array of people the text names (the blameless check), or NULL
    prev_hash        VARCHAR NOT NULL,
    hash             VARCHAR NOT NULL,
    PRIMARY KEY (incident_id, seq),
    CHECK (kind IN ('opened', 'title', 'severity', 'status', 'impact', 'note', 'trigger', 'cause',
                    'safeguard_worked', 'safeguard_missing', 'follow_up', 'follow_up_status', 'link', 'unlink')),
    CHECK (kind <> 'severity' OR value IN ('SEV1', 'SEV2', 'SEV3', 'SEV4')),
    CHECK (kind <> 'status' OR value IN ('draft', 'open', 'mitigated', 'closed', 'dismissed')),
    CHECK (kind <> 'follow_up_status' OR value IN ('open', 'done', 'dropped')),
    CHECK (kind NOT IN ('link', 'unlink') OR ref_kind IN ('pipeline_run', 'billing_run', 'invoice', 'kpi_month', 'finding', 'stream', 'kpi')),
    CHECK (kind <> 'follow_up' OR (follow_up IS NOT NULL AND owner_role IS NOT NULL AND due_on IS NOT NULL AND text IS NOT NULL))
);

-- What automatic rules have already reported: one row per cause (its
-- stable dedup key), so a cause opens a draft once, not on every run. A
-- group collects causes that belong together (the failing streams of one
-- source) in one incident.
CREATE TABLE incident.detections (
    dedup_key    VARCHAR PRIMARY KEY,
    incident_id  BIGINT NOT NULL,
    rule         VARCHAR NOT NULL,
    group_key    VARCHAR NOT NULL,
    run_id       BIGINT,
    detected_at  TIMESTAMPTZ NOT NULL
);

-- Each incident as it stands: the latest event of each kind.
CREATE VIEW incident.current AS
SELECT
    i.incident_id,
    i.origin,
    i.detected_at,
    i.detected_by_kind,
    i.detected_by,
    i.created_at,
    arg_max(e.text, e.seq) FILTER (WHERE e.kind = 'title')      AS title,
    arg_max(e.value, e.seq) FILTER (WHERE e.kind = 'severity')  AS severity,
    arg_max(e.value, e.seq) FILTER (WHERE e.kind = 'status')    AS status,
    arg_max(e.text, e.seq) FILTER (WHERE e.kind = 'impact')     AS customer_impact,
    arg_max(e.text, e.seq) FILTER (WHERE e.kind = 'trigger')    AS trigger,
    CASE WHEN arg_max(e.value, e.seq) FILTER (WHERE e.kind = 'status') = 'closed'
         THEN arg_max(e.recorded_at, e.seq) FILTER (WHERE e.kind = 'status') END AS closed_at,
    max(e.recorded_at)                                          AS updated_at,
    count(*)                                                    AS events
FROM incident.incidents i
JOIN incident.events e USING (incident_id)
GROUP BY i.incident_id, i.origin, i.detected_at, i.detected_by_kind, i.detected_by, i.created_at;

-- Follow-ups as they stand: the action, owner role and due date as added,
-- and the latest status (open until one is recorded).
CREATE VIEW incident.follow_ups AS
SELECT
    incident_id,
    follow_up,
    arg_max(text, seq) FILTER (WHERE kind = 'follow_up')        AS action,
    arg_max(owner_role, seq) FILTER (WHERE kind = 'follow_up')  AS owner_role,
    arg_max(due_on, seq) FILTER (WHERE kind = 'follow_up')      AS due_on,
    coalesce(arg_max(value, seq) FILTER (WHERE kind = 'follow_up_status'), 'open') AS status,
    min(recorded_at)                                            AS added_at
FROM incident.events
WHERE follow_up IS NOT NULL
GROUP BY incident_id, follow_up;

-- Links in force: linked and not unlinked since.
CREATE VIEW incident.links AS
SELECT incident_id, ref_kind AS kind, value AS ref, min(recorded_at) AS linked_at
FROM incident.events
WHERE kind IN ('link', 'unlink')
GROUP BY incident_id, ref_kind, value
HAVING arg_max(kind, seq) = 'link';

-- The KPI months each incident touched, for the markers on the charts.
CREATE VIEW incident.kpi_months AS
SELECT incident_id, ref AS month
FROM incident.links
WHERE kind = 'kpi_month';
