package demo

import (
	"fmt"
	"time"
)

// windowMonths is the length of the company's history, ending with the
// as-of month.
const windowMonths = 18

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func addDays(t time.Time, n int) time.Time { return t.AddDate(0, 0, n) }

func monthStart(t time.Time) time.Time { return date(t.Year(), t.Month(), 1) }

func monthEnd(t time.Time) time.Time { return monthStart(t).AddDate(0, 1, -1) }

func dayOf(t time.Time) time.Time { return date(t.Year(), t.Month(), t.Day()) }

// isHoliday covers the fixed public holidays and company closing days on
// which nobody at the firm books time.
func isHoliday(t time.Time) bool {
	switch {
	case t.Month() == time.January && t.Day() == 1,
		t.Month() == time.May && t.Day() == 1,
		t.Month() == time.October && t.Day() == 3,
		t.Month() == time.December && (t.Day() == 24 || t.Day() == 25 || t.Day() == 26 || t.Day() == 31):
		return true
	}
	return false
}

func isWorkday(t time.Time) bool {
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday && !isHoliday(t)
}

// workdayOnOrAfter returns t if it is a workday, else the next one.
func workdayOnOrAfter(t time.Time) time.Time {
	for !isWorkday(t) {
		t = addDays(t, 1)
	}
	return t
}

// workdayOnOrBefore returns t if it is a workday, else the previous one.
func workdayOnOrBefore(t time.Time) time.Time {
	for !isWorkday(t) {
		t = addDays(t, -1)
	}
	return t
}

// nthWorkday returns the n-th (1-based) workday of the month starting at ms.
func nthWorkday(ms time.Time, n int) time.Time {
	t := workdayOnOrAfter(ms)
	for i := 1; i < n; i++ {
		t = workdayOnOrAfter(addDays(t, 1))
	}
	return t
}

// mondayAfterWeek returns the Monday after the week (Monday to Sunday) that
// holds t.
func mondayAfterWeek(t time.Time) time.Time {
	wd := (int(t.Weekday()) + 6) % 7
	return addDays(t, 7-wd)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Wire formats of dates and timestamps.

func fmtDate(t time.Time) string { return t.Format("2006-01-02") }

func fmtMonth(t time.Time) string { return t.Format("2006-01") }

// fmtStamp is Harvest's timestamp form.
func fmtStamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// fmtHubSpot is HubSpot's timestamp form, with milliseconds.
func fmtHubSpot(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// fmtXero is Xero's JSON date: milliseconds since the epoch plus an offset.
func fmtXero(t time.Time) string { return fmt.Sprintf("/Date(%d+0000)/", t.UnixMilli()) }

// fmtXeroDateString is the zone-less twin Xero sends beside a date.
func fmtXeroDateString(t time.Time) string { return t.Format("2006-01-02T00:00:00") }
