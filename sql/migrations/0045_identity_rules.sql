-- Identity pins from takt.yaml, as the last run applied them: one row per
-- record named in a rule. kind is customer or project; relation is same
-- (these records are one) or different (never match them to each other).
CREATE TABLE ops.identity_rules (
    kind        VARCHAR NOT NULL,
    rule_no     INTEGER NOT NULL,
    relation    VARCHAR NOT NULL,
    system      VARCHAR NOT NULL,
    source_id   VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL,
    PRIMARY KEY (kind, rule_no, system),
    CHECK (kind IN ('customer', 'project')),
    CHECK (relation IN ('same', 'different')),
    CHECK (system IN ('hubspot', 'harvest', 'xero'))
);
