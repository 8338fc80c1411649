//go:build duckdb_arrow

package pipeline

import (
	"context"
	"testing"

	"github.com/takt-billing/takt/extract/harvest/harvesttest"
	"github.com/takt-billing/takt/internal/dbtest"
)

// TestHarvestFixturesReconcile runs the real Harvest payloads through
// takt, Harvest alone, as of 2017-12-31, and checks every finding by hand:
//
//   - Invoice 1000 ("50% of Phase 1 of the Online Store", 100 x 100.00 on
//     project OS1) is a free-form invoice: no time entry or expense is
//     linked to it. It bills OS1's unlinked billable time by project, and
//     there is none (636708574 is not billable; the other two OS1 entries
//     are linked to invoice 1001), so its 100 h are invoice_without_work
//     at project level: 100 x 100.00 = 10,000.00 EUR, line 53341450.
//   - Invoice 1001 (2017-04-01) bills 2 h + 1 h; its linked entries
//     636707831 (2 h) and 636708723 (1.35 h), both updated after it, now
//     hold 0.35 h more: changed_after_billing, 0.35 x 100.00 = 35.00 EUR.
//   - Harvest alone matches no client to a customer of the other systems:
//     customer_unmatched for both, with their approved billable time
//     (5735776: 2 h + 1.35 h at 100.00 = 335.00 EUR; 5735774: 2.11 h at
//     100.00 = 211.00 USD).
//   - stale_unbilled: entry 636709355 (2.11 h on MW, March 2017, 211.00
//     USD) and the unbilled expense 15296423 on OS1 (100.00 EUR).
func TestHarvestFixturesReconcile(t *testing.T) {
	ctx := context.Background()
	p, wh := harvestPipeline(t, harvesttest.NewHandler(harvestFixtures(t), harvesttest.Options{}))
	res, err := p.Run(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "succeeded" {
		t.Fatalf("run %s: %+v", res.Status, res.Streams)
	}
	got := dbtest.Strings(t, wh.DB, `SELECT concat_ws(' ', exception_id, amount, currency, match_level, array_to_string(source_ids, ','))
		FROM reconcile.exceptions ORDER BY ALL`)
	want := []string{
		"changed_after_billing:1001:636707831,636708723 35.00 EUR direct_link 636707831,636708723",
		"customer_unmatched:harvest:5735774 211.00 USD customer harvest:5735774",
		"customer_unmatched:harvest:5735776 335.00 EUR customer harvest:5735776",
		"invoice_without_work:1000:OS1 10000.00 EUR project_month 53341450",
		"stale_unbilled:MW:2017-03:USD 211.00 USD project_month 636709355",
		"stale_unbilled:OS1:2017-03:EUR 100.00 EUR project_month 15296423",
	}
	dbtest.Lines(t, "exceptions", got, want)
}
