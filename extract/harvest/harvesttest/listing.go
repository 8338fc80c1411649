package harvesttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
)

// noTime sorts records without a usable timestamp last and lets them
// through only when no updated_since filter is given.
const noTime = math.MinInt64

// listing is one resource, indexed once when the emulator is built: the
// records in Harvest's order and their updated_at times, so that a page
// request costs O(page) and never re-parses or re-sorts JSON.
type listing struct {
	name    string
	records []json.RawMessage
	// updated is each record's updated_at (Unix microseconds), by position.
	updated []int64
	// byUpdated is updated sorted ascending, to count the records an
	// updated_since filter keeps with a binary search.
	byUpdated []int64
}

// indexFields are the fields the emulator reads from a record. They are
// raw so that a record with a field of an unexpected type is still served
// (connectors must cope with it), only sorted as if the field were absent.
type indexFields struct {
	ID        json.RawMessage `json:"id"`
	CreatedAt json.RawMessage `json:"created_at"`
	UpdatedAt json.RawMessage `json:"updated_at"`
	SpentDate json.RawMessage `json:"spent_date"`
	IssueDate json.RawMessage `json:"issue_date"`
}

type sortKey struct {
	primary, created int64
	id               json.RawMessage
}

// newListing indexes a resource's records. It panics if a record is not a
// JSON object: a dataset like that is a mistake in the test or generator
// that built it, and serving it would break every response envelope.
func newListing(name string, records []json.RawMessage) *listing {
	keys := make([]sortKey, len(records))
	updated := make([]int64, len(records))
	bad := make([]bool, len(records))
	// Reading the records is the emulator's only O(dataset) work; it is
	// spread over the cores because demo datasets hold tens of thousands
	// of time entries.
	workers := min(runtime.GOMAXPROCS(0), len(records)/1000+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(records); i += workers {
				keys[i], updated[i], bad[i] = indexRecord(name, records[i])
			}
		})
	}
	wg.Wait()
	if i := slices.Index(bad, true); i >= 0 {
		panic(fmt.Sprintf("harvesttest: %s record %d is not a JSON object: %.80s", name, i, records[i]))
	}
	order := make([]int, len(records))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ka, kb := keys[order[a]], keys[order[b]]
		if ka.primary != kb.primary {
			return ka.primary > kb.primary
		}
		if ka.created != kb.created {
			return ka.created > kb.created
		}
		return idAfter(ka.id, kb.id)
	})
	l := &listing{name: name, records: make([]json.RawMessage, len(records)), updated: make([]int64, len(records))}
	for pos, i := range order {
		l.records[pos] = records[i]
		l.updated[pos] = updated[i]
	}
	l.byUpdated = append([]int64(nil), l.updated...)
	sort.Slice(l.byUpdated, func(a, b int) bool { return l.byUpdated[a] < l.byUpdated[b] })
	return l
}

func indexRecord(name string, rec json.RawMessage) (k sortKey, updated int64, bad bool) {
	var f indexFields
	// The fields are raw, so only a record that is not a JSON object
	// fails.
	if t := bytes.TrimSpace(rec); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &f) != nil {
		return k, 0, true
	}
	created := timestamp(f.CreatedAt)
	k = sortKey{primary: created, created: created, id: f.ID}
	// Harvest lists time entries and expenses by spent date and invoices
	// by issue date, newest first; everything else by creation time,
	// newest first.
	switch name {
	case "time_entries", "expenses":
		k.primary = calendarDate(f.SpentDate)
	case "invoices":
		k.primary = calendarDate(f.IssueDate)
	}
	return k, timestamp(f.UpdatedAt), false
}

// idAfter orders ids descending: numerically when both are integers.
func idAfter(a, b json.RawMessage) bool {
	ia, errA := strconv.ParseInt(string(a), 10, 64)
	ib, errB := strconv.ParseInt(string(b), 10, 64)
	if errA == nil && errB == nil {
		return ia > ib
	}
	return string(a) > string(b)
}

func timestamp(raw json.RawMessage) int64 {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return noTime
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return noTime
	}
	return t.UnixMicro()
}

func calendarDate(raw json.RawMessage) int64 {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return noTime
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return noTime
	}
	return t.UnixMicro()
}

// count is the number of records updated at or after since.
func (l *listing) count(since int64) int {
	return len(l.byUpdated) - sort.Search(len(l.byUpdated), func(i int) bool { return l.byUpdated[i] >= since })
}

// forward collects up to n+1 positions of records updated at or after
// since, starting at position from; the extra one tells whether a next
// page exists.
func (l *listing) forward(from, n int, since int64) []int {
	out := make([]int, 0, min(n+1, len(l.records)))
	for i := max(from, 0); i < len(l.records) && len(out) <= n; i++ {
		if l.updated[i] >= since {
			out = append(out, i)
		}
	}
	return out
}

// backward collects up to n+1 positions of matching records before
// position before, nearest first.
func (l *listing) backward(before, n int, since int64) []int {
	out := make([]int, 0, min(n+1, len(l.records)))
	for i := min(before, len(l.records)) - 1; i >= 0 && len(out) <= n; i-- {
		if l.updated[i] >= since {
			out = append(out, i)
		}
	}
	return out
}

// skip returns the position after the first k matching records.
func (l *listing) skip(k int, since int64) int {
	if since == noTime {
		return min(k, len(l.records))
	}
	i := 0
	for ; i < len(l.records) && k > 0; i++ {
		if l.updated[i] >= since {
			k--
		}
	}
	return i
}
