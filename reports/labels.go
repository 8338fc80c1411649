package reports

import (
	"strconv"
	"time"
)

// labels holds every text the reports show that does not come from the data,
// one table per language, so a translation is reviewed in one place.
type labels struct {
	// Locale is the BCP 47 tag for number formats and document metadata.
	Locale string
	// NA stands in a cell whose value is undefined; the reason goes beside it.
	NA string

	// Sheet names; at most 31 characters, none of : \ / ? * [ ].
	SheetSummary, SheetUnbilled, SheetExceptions string

	// Summary sheet.
	PackTitle, Company, Month, BaseCurrency, GeneratedAt string
	KPI, PreviousMonth, Change, Note                     string
	DSO, DSO3m, DunningRate, InvoicesDue, InvoicesDunned string
	AREnd, GrossSales, UnbilledWork                      string
	NoPrevious, NotKept, NoUnbilled                      string
	ExceptionsByKind, NoExceptions                       string

	// Item sheets.
	Customer, Project, Kind, SourceID, WorkDate, Hours, Rate string
	Amount, Currency, AgeDays, SourceIDs, Reason             string
	TotalsByCurrency, Items, Count                           string
	// PageFooter is an Excel header/footer code: &P is the page, &N the count.
	PageFooter string
	// UnbilledKinds translates UnbilledItem.Kind; other kinds show as they are.
	UnbilledKinds map[string]string

	// Chart page.
	ChartPageTitle, DSOChart, DunningChart string
	DSOSeries, DSO3mSeries, DunningSeries  string
	Days, GapsHeading, ScriptMissing       string

	MonthNames [12]string

	// The sheets and columns of the full monthly pack and the
	// reconciliation report (excel_sheets.go, excel_recon.go).
	packLabels
}

var labelsByLang = map[string]*labels{
	"en": {
		Locale:          "en-GB",
		NA:              "n/a",
		SheetSummary:    "Summary",
		SheetUnbilled:   "Unbilled",
		SheetExceptions: "Exceptions",

		PackTitle:      "Monthly pack",
		Company:        "Company",
		Month:          "Month",
		BaseCurrency:   "Base currency",
		GeneratedAt:    "Generated (UTC)",
		KPI:            "KPI",
		PreviousMonth:  "Previous month",
		Change:         "Change",
		Note:           "Note",
		DSO:            "DSO (days)",
		DSO3m:          "DSO, trailing 3 months (days)",
		DunningRate:    "Dunning rate",
		InvoicesDue:    "Invoices due",
		InvoicesDunned: "Invoices dunned",
		AREnd:          "Receivables at month end",
		GrossSales:     "Gross sales",
		UnbilledWork:   "Unbilled work",
		NoPrevious:     "the previous month is not in the pack",
		NotKept:        "earlier months are not in the pack",
		NoUnbilled:     "No unbilled work.",

		ExceptionsByKind: "Exceptions by kind",
		NoExceptions:     "No exceptions.",

		Customer:         "Customer",
		Project:          "Project",
		Kind:             "Kind",
		SourceID:         "Source id",
		WorkDate:         "Work date",
		Hours:            "Hours",
		Rate:             "Rate",
		Amount:           "Amount",
		Currency:         "Currency",
		AgeDays:          "Age (days)",
		SourceIDs:        "Source ids",
		Reason:           "Reason",
		TotalsByCurrency: "Totals by currency",
		Items:            "Items",
		Count:            "Count",
		PageFooter:       "Page &P of &N",
		UnbilledKinds:    map[string]string{"time": "time", "expense": "expense", "milestone": "milestone"},

		ChartPageTitle: "DSO and dunning rate",
		DSOChart:       "Days sales outstanding (DSO)",
		DunningChart:   "Dunning rate",
		DSOSeries:      "DSO (month)",
		DSO3mSeries:    "DSO (trailing 3 months)",
		DunningSeries:  "Dunning rate",
		Days:           "days",
		GapsHeading:    "Months without a value",
		ScriptMissing:  "The chart script assets/echarts.min.js did not load. Keep the assets folder next to this page.",

		MonthNames: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		packLabels: packLabelsEN,
	},
	"de": {
		Locale:          "de-DE",
		NA:              "n. v.",
		SheetSummary:    "Übersicht",
		SheetUnbilled:   "Nicht abgerechnet",
		SheetExceptions: "Ausnahmen",

		PackTitle:      "Monatsbericht",
		Company:        "Unternehmen",
		Month:          "Monat",
		BaseCurrency:   "Basiswährung",
		GeneratedAt:    "Erstellt (UTC)",
		KPI:            "Kennzahl",
		PreviousMonth:  "Vormonat",
		Change:         "Veränderung",
		Note:           "Hinweis",
		DSO:            "DSO (Tage)",
		DSO3m:          "DSO, gleitend 3 Monate (Tage)",
		DunningRate:    "Mahnquote",
		InvoicesDue:    "Fällige Rechnungen",
		InvoicesDunned: "Gemahnte Rechnungen",
		AREnd:          "Forderungen zum Monatsende",
		GrossSales:     "Bruttoumsatz",
		UnbilledWork:   "Nicht abgerechnete Leistungen",
		NoPrevious:     "der Vormonat ist nicht im Bericht",
		NotKept:        "frühere Monate sind nicht im Bericht",
		NoUnbilled:     "Keine nicht abgerechneten Leistungen.",

		ExceptionsByKind: "Ausnahmen nach Art",
		NoExceptions:     "Keine Ausnahmen.",

		Customer:         "Kunde",
		Project:          "Projekt",
		Kind:             "Art",
		SourceID:         "Quell-ID",
		WorkDate:         "Leistungsdatum",
		Hours:            "Stunden",
		Rate:             "Satz",
		Amount:           "Betrag",
		Currency:         "Währung",
		AgeDays:          "Alter (Tage)",
		SourceIDs:        "Quell-IDs",
		Reason:           "Begründung",
		TotalsByCurrency: "Summen je Währung",
		Items:            "Posten",
		Count:            "Anzahl",
		PageFooter:       "Seite &P von &N",
		UnbilledKinds:    map[string]string{"time": "Zeit", "expense": "Auslage", "milestone": "Meilenstein"},

		ChartPageTitle: "DSO und Mahnquote",
		DSOChart:       "Forderungslaufzeit (DSO)",
		DunningChart:   "Mahnquote",
		DSOSeries:      "DSO (Monat)",
		DSO3mSeries:    "DSO (gleitend 3 Monate)",
		DunningSeries:  "Mahnquote",
		Days:           "Tage",
		GapsHeading:    "Monate ohne Wert",
		ScriptMissing:  "Das Diagramm-Skript assets/echarts.min.js wurde nicht geladen. Lassen Sie den Ordner assets neben dieser Seite.",

		MonthNames: [12]string{"Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"},
		packLabels: packLabelsDE,
	},
}

// labelsFor returns the labels of a language that Pack.validate accepted.
func labelsFor(lang string) *labels {
	return labelsByLang[lang]
}

// monthLabel names a month the way the reports' readers do, e.g. "Mar 2025"
// or "Mär 2025".
func (l *labels) monthLabel(t time.Time) string {
	return l.MonthNames[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// unbilledKind translates an unbilled item's kind.
func (l *labels) unbilledKind(kind string) string {
	if s, ok := l.UnbilledKinds[kind]; ok {
		return s
	}
	return kind
}
