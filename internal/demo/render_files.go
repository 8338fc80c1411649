package demo

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"time"
)

// The export files of the imports folder: UTF-8, comma separated, a header
// row, the row's id first, dates as YYYY-MM-DD, decimals with a point.

// File names and header rows, as extract/files reads them.
const (
	DunningNoticesFile = "dunning_notices.csv"
	MilestonesFile     = "milestones.csv"
	RateCardsFile      = "rate_cards.csv"
	ChangeRequestsFile = "change_requests.csv"
)

var fileHeaders = map[string][]string{
	DunningNoticesFile: {"id", "invoice_number", "level", "notice_date", "fee", "currency"},
	MilestonesFile:     {"id", "project_code", "name", "amount", "currency", "due_on", "reached_on", "accepted_on", "invoice_number"},
	RateCardsFile:      {"id", "project_code", "task", "hourly_rate", "currency", "valid_from", "valid_to"},
	ChangeRequestsFile: {"id", "project_code", "title", "status", "approved_on", "extra_hours", "extra_amount", "currency"},
}

// optDate writes a date, or nothing for the zero time.
func optDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmtDate(t)
}

func (w *world) renderFiles() (map[string][]byte, error) {
	var dunning, milestones, cards, crs [][]string
	for _, n := range w.dunning {
		dunning = append(dunning, []string{n.id, n.invoice.number, strconv.Itoa(n.level), fmtDate(n.date), n.fee.StringFixed(2), n.invoice.currency})
	}
	for _, m := range w.milestones {
		number := ""
		if m.invoice != nil {
			number = m.invoice.number
		}
		milestones = append(milestones, []string{m.id, m.project.code, m.name, m.amount.StringFixed(2), m.project.customer.currency,
			fmtDate(m.due), optDate(m.reached), optDate(m.accepted), number})
	}
	for _, p := range w.projects {
		for _, pt := range p.tasks {
			for _, c := range pt.cards {
				cards = append(cards, []string{c.id, p.code, pt.task.seed.name, c.rate.StringFixed(2), p.customer.currency, fmtDate(c.from), optDate(c.to)})
			}
		}
	}
	for _, cr := range w.changeRequests {
		crs = append(crs, []string{cr.id, cr.project.code, cr.title, cr.status, optDate(cr.approvedOn),
			cr.extraHours.StringFixed(2), cr.extraAmount.StringFixed(2), cr.project.customer.currency})
	}
	files := map[string][]byte{}
	for name, rows := range map[string][][]string{
		DunningNoticesFile: dunning, MilestonesFile: milestones, RateCardsFile: cards, ChangeRequestsFile: crs,
	} {
		var b bytes.Buffer
		cw := csv.NewWriter(&b)
		if err := cw.Write(fileHeaders[name]); err != nil {
			return nil, err
		}
		if err := cw.WriteAll(rows); err != nil {
			return nil, err
		}
		files[name] = b.Bytes()
	}
	return files, nil
}
