package transform

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/takt-billing/takt/internal/audit"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// pinActor is the actor of audit records for pins: they come from the
// configuration file, whoever edited it, and the file is what a controller
// checks against.
const pinActor = "configuration (identities in takt.yaml)"

// pinState is what a pin says about one record: how it relates to the other
// records of its rule, which those are, and why.
type pinState struct {
	Relation string   `json:"relation"`
	With     []string `json:"with"`
	Reason   string   `json:"reason"`
}

// pinKey names a pinned record in the audit log: kind/system/source id.
func pinKey(r IdentityRule) string {
	return r.Kind + "/" + r.System + "/" + r.SourceID
}

// pinStates turns a list of rules into each record's pins, keyed by
// pinKey and relation, so that reordering rules in the file changes nothing.
func pinStates(rules []IdentityRule) map[string]pinState {
	type ruleID struct {
		kind string
		no   int
	}
	members := map[ruleID][]IdentityRule{}
	for _, r := range rules {
		id := ruleID{r.Kind, r.RuleNo}
		members[id] = append(members[id], r)
	}
	out := make(map[string]pinState, len(rules))
	for _, r := range rules {
		var with []string
		for _, o := range members[ruleID{r.Kind, r.RuleNo}] {
			if o.System != r.System || o.SourceID != r.SourceID {
				with = append(with, o.System+"/"+o.SourceID)
			}
		}
		slices.Sort(with)
		out[pinKey(r)+"#"+r.Relation] = pinState{Relation: r.Relation, With: with, Reason: r.Reason}
	}
	return out
}

// auditPins compares the pins the last run applied with those of this run
// and appends one audit record per pin added, removed or changed, inside
// tx, before the stored pins are replaced.
func auditPins(ctx context.Context, tx *sql.Tx, now time.Time, next []IdentityRule) error {
	rows, err := tx.QueryContext(ctx, sqlfiles.Query("list_identity_rules"))
	if err != nil {
		return fmt.Errorf("transform: read the applied identity pins: %w", err)
	}
	var prev []IdentityRule
	for rows.Next() {
		var r IdentityRule
		if err := rows.Scan(&r.Kind, &r.RuleNo, &r.Relation, &r.System, &r.SourceID, &r.Reason); err != nil {
			rows.Close()
			return fmt.Errorf("transform: read the applied identity pins: %w", err)
		}
		prev = append(prev, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("transform: read the applied identity pins: %w", err)
	}
	before, after := pinStates(prev), pinStates(next)
	keys := make([]string, 0, len(before)+len(after))
	for k := range before {
		keys = append(keys, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		b, hadB := before[k]
		a, hasA := after[k]
		e := audit.Entry{Actor: pinActor, Entity: "identity", EntityID: strings.SplitN(k, "#", 2)[0]}
		switch {
		case !hadB:
			e.Action, e.After, e.Reason = "identity_pinned", a, a.Reason
		case !hasA:
			e.Action, e.Before, e.Reason = "identity_unpinned", b, "pin removed from the configuration"
		case !slices.Equal(a.With, b.With) || a.Reason != b.Reason:
			e.Action, e.Before, e.After, e.Reason = "identity_pin_changed", b, a, a.Reason
		default:
			continue
		}
		if _, err := audit.Append(ctx, tx, now, e); err != nil {
			return fmt.Errorf("transform: audit identity pin %s: %w", e.EntityID, err)
		}
	}
	return nil
}
