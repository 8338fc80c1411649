//go:build duckdb_arrow

package audit

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/takt-billing/takt/internal/warehouse"
)

func appendAll(t *testing.T, db *sql.DB, entries ...Entry) []Record {
	t.Helper()
	var out []Record
	at := time.Date(2026, 4, 1, 9, 0, 0, 123456789, time.UTC)
	for i, e := range entries {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		r, err := Append(context.Background(), tx, at.Add(time.Duration(i)*time.Minute), e)
		if err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestChainAndTampering(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "a.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	recs := appendAll(t, wh.DB,
		Entry{Actor: "anna", Action: "run_created", Entity: "billing_run", EntityID: "BR-1", After: map[string]string{"status": "draft"}},
		Entry{Actor: "bert", Action: "run_approved", Entity: "billing_run", EntityID: "BR-1", Before: map[string]string{"status": "draft"},
			After: map[string]string{"status": "approved"}},
		Entry{Actor: "carl", Action: "identity_pinned", Entity: "identity", EntityID: "xero:X1", After: map[string]string{"customer_id": "hubspot:1"}, Reason: "same VAT id"},
	)
	if recs[0].PrevHash != GenesisHash || recs[1].PrevHash != recs[0].Hash || recs[2].Seq != 3 {
		t.Fatalf("chain: %+v", recs)
	}
	// The stored record hashes to what Append computed: microseconds, UTC.
	stored, err := Load(ctx, wh.DB)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range stored {
		if Hash(r) != recs[i].Hash || r.Hash != recs[i].Hash {
			t.Errorf("record %d: stored %s, recomputed %s, appended %s", r.Seq, r.Hash, Hash(r), recs[i].Hash)
		}
	}
	res, err := Verify(ctx, wh.DB)
	if err != nil || res.Problem != nil || res.Records != 3 || res.Last != 3 || res.LastHash != recs[2].Hash {
		t.Fatalf("verify: %+v %v", res, err)
	}
	// Rewriting a record together with its own hash still breaks the link
	// to the next record.
	forged := stored[1]
	forged.Actor = "mallory"
	forged.Hash = Hash(forged)
	tampered := []Record{stored[0], forged, stored[2]}
	if p := Check(tampered).Problem; p == nil || p.Seq != 2 || p.Kind != "altered" {
		t.Errorf("forged record: %+v", p)
	}
	if p := Check([]Record{stored[0], stored[2]}).Problem; p == nil || p.Error() != "audit log: record 2 removed: the log jumps from record 1 to record 3" {
		t.Errorf("removed record: %v", p)
	}
	if p := VerifyRefs(stored[:2], []Ref{{What: "acknowledgement x #1", Seq: 3}}); p == nil ||
		p.Error() != "audit log: record 3 removed: acknowledgement x #1 refers to it, but the log ends at record 2" {
		t.Errorf("cut off: %v", p)
	}

	tx, _ := wh.DB.Begin()
	defer tx.Rollback()
	if _, err := Append(ctx, tx, time.Now(), Entry{Action: "x", Entity: "y", EntityID: "z"}); !errors.Is(err, ErrNoActor) {
		t.Errorf("entry without actor: %v", err)
	}
}

// AppendAll stores several records in one call chained exactly as one
// Append after another would: the log verifies, the seqs follow the last
// record, and each stored record hashes to what AppendAll returned.
func TestAppendAllChainsLikeAppend(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "a.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	first := appendAll(t, wh.DB, Entry{Actor: "anna", Action: "run_created", Entity: "billing_run", EntityID: "BR-1"})
	tx, err := wh.DB.Begin()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)
	recs, err := AppendAll(ctx, tx, at, []Entry{
		{Actor: "dora", Action: "invoice_exported", Entity: "billing_invoice", EntityID: "BR-1/I1", After: map[string]string{"number": "TK-2026-0001"}},
		{Actor: "dora", Action: "invoice_exported", Entity: "billing_invoice", EntityID: "BR-1/I2", After: map[string]string{"number": "TK-2026-0002"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if recs[0].Seq != 2 || recs[1].Seq != 3 || recs[0].PrevHash != first[0].Hash || recs[1].PrevHash != recs[0].Hash {
		t.Fatalf("chain: %+v after %+v", recs, first[0])
	}
	stored, err := Load(ctx, wh.DB)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 3 || stored[2].Hash != recs[1].Hash || Hash(stored[2]) != recs[1].Hash || stored[1].EntityID != "BR-1/I1" {
		t.Errorf("stored: %+v", stored)
	}
	if res, err := Verify(ctx, wh.DB); err != nil || res.Problem != nil || res.Records != 3 {
		t.Errorf("verify: %+v %v", res, err)
	}
}
