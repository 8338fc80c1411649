-- The history of every KPI's definition: the version of its formula (the
-- constant in marts.kpi_definitions) and the settings its figures depend
-- on (base currency, the configured baseline, the target and its owner
-- role), as JSON with their SHA-256. A row is added the first time takt
-- computes and shows the KPI under a version or settings that differ from
-- the KPI's latest row; it holds from valid_from until the KPI's next row.
-- Figures are recomputed from the warehouse on every run and labelled
-- with the definition that produced them, so a figure seen earlier can be
-- told apart from today's when a definition changed in between.
CREATE TABLE ops.kpi_definitions (
    kpi                 VARCHAR NOT NULL,
    definition_version  INTEGER NOT NULL,
    settings_hash       VARCHAR NOT NULL,
    settings            VARCHAR NOT NULL,
    valid_from          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kpi, valid_from)
);
