-- The aging buckets of every month add up to its receivables, and current
-- AR is the not-due bucket.
SELECT month, ar_end, ar_not_due + ar_1_30 + ar_31_60 + ar_61_90 + ar_over_90 AS buckets, current_ar_end
FROM marts.kpi_monthly
WHERE ar_not_due + ar_1_30 + ar_31_60 + ar_61_90 + ar_over_90 <> ar_end
   OR current_ar_end <> ar_not_due;
