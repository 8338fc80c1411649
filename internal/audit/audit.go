// Package audit keeps takt's audit trail: an append-only, hash-chained log
// of every change to a billing run, a line, an acknowledgement or a pinned
// identity, with time, actor, action, entity, the state before and after,
// and the reason.
//
// Each record's hash is SHA-256 over the previous record's hash and the
// record's own fields, so that Verify can recompute the chain and name the
// first record that was altered, removed or reordered. The package has
// exactly one statement that writes (an INSERT); nothing in takt updates
// or deletes a record. DuckDB has no triggers that could forbid it to
// someone editing the file directly, which is why the chain is verified
// rather than trusted.
//
// Encoding of a record for its hash (version 1): the hex hash of the
// previous record (64 zeros for the first), a newline, then the JSON array
// [seq, ts, actor, action, entity, entity_id, before, after, reason] where
// seq is a number, ts is RFC 3339 in UTC with microseconds
// (2026-03-31T09:15:02.123456Z), before and after are the stored JSON text
// or null, and reason is a string or null.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	sqlfiles "github.com/takt-billing/takt/sql"
)

// GenesisHash is the prev_hash of the first record.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// tsLayout is how a record's time enters its hash; the warehouse keeps
// microseconds, so the time is truncated to them before hashing.
const tsLayout = "2006-01-02T15:04:05.000000Z"

// Entry is a change to record. Before and After are marshalled to JSON
// (nil means none: Before is nil for a creation, After for a removal).
type Entry struct {
	Actor    string
	Action   string
	Entity   string
	EntityID string
	Before   any
	After    any
	Reason   string
}

// Record is an entry as stored, with its place in the chain.
type Record struct {
	Seq      int64
	TS       time.Time
	Actor    string
	Action   string
	Entity   string
	EntityID string
	Before   sql.NullString
	After    sql.NullString
	Reason   sql.NullString
	PrevHash string
	Hash     string
}

// ErrNoActor is returned for an entry without an actor: every change has
// someone who made it.
var ErrNoActor = errors.New("audit: every change needs an actor (--by)")

// Append adds e to the log inside tx, chained to the last record, and
// returns the stored record. now is the record's time (UTC). Two
// transactions appending at the same time both try the same seq: the
// primary key lets only one commit, and the other gets a conflict error
// to retry on.
func Append(ctx context.Context, tx *sql.Tx, now time.Time, e Entry) (Record, error) {
	recs, err := AppendAll(ctx, tx, now, []Entry{e})
	if err != nil {
		return Record{}, err
	}
	return recs[0], nil
}

// AppendAll adds entries to the log inside tx, in order and chained as
// Append would add them one by one, with one read of the last record and
// one insert (an export records every invoice of a batch).
func AppendAll(ctx context.Context, tx *sql.Tx, now time.Time, entries []Entry) ([]Record, error) {
	recs := make([]Record, len(entries))
	for i, e := range entries {
		if strings.TrimSpace(e.Actor) == "" {
			return nil, ErrNoActor
		}
		r := Record{TS: now.UTC().Truncate(time.Microsecond), Actor: e.Actor, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID}
		var err error
		if r.Before, err = jsonText(e.Before); err != nil {
			return nil, fmt.Errorf("audit: %s %s %s: before: %w", e.Action, e.Entity, e.EntityID, err)
		}
		if r.After, err = jsonText(e.After); err != nil {
			return nil, fmt.Errorf("audit: %s %s %s: after: %w", e.Action, e.Entity, e.EntityID, err)
		}
		if e.Reason != "" {
			r.Reason = sql.NullString{String: e.Reason, Valid: true}
		}
		recs[i] = r
	}
	if len(recs) == 0 {
		return recs, nil
	}
	var last sql.NullInt64
	var lastHash sql.NullString
	if err := tx.QueryRowContext(ctx, sqlfiles.Query("audit_last")).Scan(&last, &lastHash); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("audit: read the last record: %w", err)
	}
	seq, prev := int64(1), GenesisHash
	if last.Valid {
		seq, prev = last.Int64+1, lastHash.String
	}
	// One statement for all records: each column travels as a list. A
	// NULL text travels as '' (JSON text and a given reason are never
	// empty).
	n := len(recs)
	seqs := make([]int64, n)
	actors, actions, entities, entityIDs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	befores, afters, reasons, prevs, hashes := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i := range recs {
		r := &recs[i]
		r.Seq, r.PrevHash = seq+int64(i), prev
		r.Hash = Hash(*r)
		prev = r.Hash
		seqs[i], actors[i], actions[i], entities[i], entityIDs[i] = r.Seq, r.Actor, r.Action, r.Entity, r.EntityID
		befores[i], afters[i], reasons[i], prevs[i], hashes[i] = r.Before.String, r.After.String, r.Reason.String, r.PrevHash, r.Hash
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("audit_append"), recs[0].TS, seqs, actors, actions, entities, entityIDs,
		befores, afters, reasons, prevs, hashes); err != nil {
		return nil, fmt.Errorf("audit: append records %d to %d: %w", seq, seq+int64(n)-1, err)
	}
	return recs, nil
}

func jsonText(v any) (sql.NullString, error) {
	if v == nil {
		return sql.NullString{}, nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		if !json.Valid(raw) {
			return sql.NullString{}, errors.New("not valid JSON")
		}
		return sql.NullString{String: string(raw), Valid: true}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// Hash computes a record's hash from its fields and PrevHash (the record's
// own Hash is ignored).
func Hash(r Record) string {
	opt := func(s sql.NullString) any {
		if !s.Valid {
			return nil
		}
		return s.String
	}
	fields, _ := json.Marshal([]any{r.Seq, r.TS.UTC().Truncate(time.Microsecond).Format(tsLayout), r.Actor, r.Action,
		r.Entity, r.EntityID, opt(r.Before), opt(r.After), opt(r.Reason)})
	h := sha256.New()
	h.Write([]byte(r.PrevHash))
	h.Write([]byte{'\n'})
	h.Write(fields)
	return hex.EncodeToString(h.Sum(nil))
}

// Problem is the first place where the stored log differs from the chain
// takt wrote.
type Problem struct {
	// Seq is the record named: the altered or moved one, or the first one
	// missing.
	Seq int64
	// Kind is altered, removed or reordered.
	Kind   string
	Detail string
}

func (p *Problem) Error() string {
	return fmt.Sprintf("audit log: record %d %s: %s", p.Seq, p.Kind, p.Detail)
}

// Result is what Verify found.
type Result struct {
	// Records is the number of records read; Last and LastHash describe the
	// last one (0 and GenesisHash for an empty log).
	Records  int64
	Last     int64
	LastHash string
	// Problem is nil when the chain is intact.
	Problem *Problem
}

// Load reads the whole log in seq order.
func Load(ctx context.Context, db *sql.DB) ([]Record, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("audit_all"))
	if err != nil {
		return nil, fmt.Errorf("audit: read log: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		if err := rows.Scan(&r.Seq, &r.TS, &r.Actor, &r.Action, &r.Entity, &r.EntityID, &r.Before, &r.After, &r.Reason,
			&r.PrevHash, &r.Hash); err != nil {
			return nil, fmt.Errorf("audit: read log: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Verify recomputes the chain and reports the first record that was
// altered, removed or reordered. A record removed from the end of the log
// leaves no trace in the chain itself; callers that keep references to
// records (the billing tables do) check those with VerifyRefs.
func Verify(ctx context.Context, db *sql.DB) (Result, error) {
	recs, err := Load(ctx, db)
	if err != nil {
		return Result{}, err
	}
	return Check(recs), nil
}

// Check verifies records read in seq order.
func Check(recs []Record) Result {
	res := Result{Records: int64(len(recs)), LastHash: GenesisHash}
	prev := GenesisHash
	for i, r := range recs {
		want := int64(i) + 1
		switch {
		case r.Seq != want:
			res.Problem = &Problem{Seq: want, Kind: "removed",
				Detail: fmt.Sprintf("the log jumps from record %d to record %d", want-1, r.Seq)}
		case Hash(r) != r.Hash:
			if j, ok := movedFrom(r, len(recs)); ok {
				res.Problem = &Problem{Seq: r.Seq, Kind: "reordered",
					Detail: fmt.Sprintf("the record stored as %d was written as record %d", r.Seq, j)}
			} else {
				res.Problem = &Problem{Seq: r.Seq, Kind: "altered",
					Detail: fmt.Sprintf("its contents (%s %s %s by %s) do not match its hash", r.Action, r.Entity, r.EntityID, r.Actor)}
			}
		case r.PrevHash != prev:
			res.Problem = &Problem{Seq: want - 1, Kind: "altered",
				Detail: fmt.Sprintf("record %d was written after a record %d with another hash: record %d was changed or replaced", r.Seq, want-1, want-1)}
		}
		if res.Problem != nil {
			return res
		}
		prev = r.Hash
		res.Last, res.LastHash = r.Seq, r.Hash
	}
	return res
}

// movedFrom finds the seq a record's hash was computed for, if it is not
// its current one.
func movedFrom(r Record, n int) (int64, bool) {
	for j := int64(1); j <= int64(n)+1; j++ {
		if j == r.Seq {
			continue
		}
		c := r
		c.Seq = j
		if Hash(c) == r.Hash {
			return j, true
		}
	}
	return 0, false
}

// Ref is a record another table points at: the billing tables keep the
// seq and hash of the record that logged each change.
type Ref struct {
	What string // e.g. "acknowledgement double_billed:1,2 #1"
	Seq  int64
	Hash string // empty when only the seq is kept
}

// VerifyRefs reports the first reference to a record that the log no
// longer holds, or holds with another hash: the log was cut off or
// rewritten after the referring change.
func VerifyRefs(recs []Record, refs []Ref) *Problem {
	bySeq := make(map[int64]Record, len(recs))
	for _, r := range recs {
		bySeq[r.Seq] = r
	}
	for _, ref := range refs {
		r, ok := bySeq[ref.Seq]
		switch {
		case !ok:
			return &Problem{Seq: ref.Seq, Kind: "removed", Detail: fmt.Sprintf("%s refers to it, but the log ends at record %d", ref.What, int64(len(recs)))}
		case ref.Hash != "" && r.Hash != ref.Hash:
			return &Problem{Seq: ref.Seq, Kind: "altered", Detail: fmt.Sprintf("%s recorded another hash for it", ref.What)}
		}
	}
	return nil
}
