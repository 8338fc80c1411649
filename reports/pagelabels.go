package reports

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// pageLabels holds the texts of the HTML pages (KPI family pages, retro,
// reconciliation, index) that do not come from the data, one table per
// language. The Excel pack and the first chart page keep theirs in labels.go.
type pageLabels struct {
	// Formats: decimal and thousands separators, the date layout (Go's
	// reference time) and where the currency goes.
	DecimalSep, GroupSep string
	DateLayout           string
	CurrencyAfter        bool

	Overview, Generated, DataAsOf, KPIPages, OtherPages string

	// Family pages.
	Families                            map[string]string
	FamilyIntro                         map[string]string
	KPINames                            map[string]string
	Baseline, Target, Incidents, Latest string
	BetterLower, BetterHigher, Better   string
	KPITable, IncidentList, NoIncidents string
	Impact, FollowUps, Severity, Status string
	FollowUpStates                      map[string]string
	Months                              string
	Provisional                         string
	ExplainHint                         string
	Days, Percent                       string
	ReferenceLines                      string
	IncidentMark                        string

	// Retro page.
	RetroTitle, RetroChanges, Change, Direction string
	DirBetter, DirWorse, DirSame, DirUnknown    string
	RetroIncidents, TopUnbilled, NoUnbilled     string
	Action, Owner, Due, Overdue                 string
	Customer, Project, Kind, WorkDate, AgeDays  string
	Amount, AmountBase, Hours, Oldest           string
	NoRate                                      string

	// Reconciliation page.
	ReconTitle, ReconIntro, ByCustomer, UnbilledWork   string
	Exceptions, AtStake, Reason, Records, Acknowledged string
	AckLapsed, NotAcknowledged, Items, ItemsShown      string
	NoCustomer, NoExceptionsText, NoUnbilledText       string
	MoreCommands, ID, Invoices, MatchLevel, Source     string
	Total, BackToTop, UnbilledAsOf                     string
	AckBy                                              string
}

var pageLabelsByLang = map[string]*pageLabels{
	"en": {
		DecimalSep: ".", GroupSep: ",", DateLayout: "2 Jan 2006", CurrencyAfter: false,

		Overview: "Overview", Generated: "Generated", DataAsOf: "Unbilled work as of",
		KPIPages: "KPI charts", OtherPages: "Review",

		Families: map[string]string{
			"dso": "Days sales outstanding (DSO)", "ar_aging": "Receivables aging", "cei": "Collection effectiveness (CEI)",
			"time_to_invoice": "Time to invoice", "unbilled": "Unbilled work (WIP)", "correction": "Correction rate",
			"dunning": "Dunning", "automation": "Automation share", "other": "Other KPIs",
		},
		FamilyIntro: map[string]string{
			"dso":             "How many days of sales are tied up in receivables, by four methods, and the days by which customers pay late.",
			"ar_aging":        "Open receivables at each month end by days past due, in the base currency.",
			"cei":             "How much of what could be collected in the month was collected.",
			"time_to_invoice": "Days from the day work became billable to its invoice, and the share of the month's time invoiced within 5 working days.",
			"unbilled":        "Approved, billable work not invoiced at each month end, in the base currency.",
			"correction":      "Invoices corrected within 90 days of issue (credit note, replacement, void).",
			"dunning":         "Invoices due in the month that received a dunning notice, by level, and the fees charged.",
			"automation":      "Invoice lines and amounts that came unchanged from a takt billing run.",
			"other":           "KPIs not shown on another page.",
		},
		KPINames: map[string]string{
			"dso_days": "DSO (month)", "dso_3m_days": "DSO (trailing 3 months)", "dso_countback_days": "Countback DSO",
			"best_possible_dso_days": "Best possible DSO", "average_days_delinquent": "Average days delinquent",
			"cei_percent": "CEI", "ar_aging_not_due": "Not due", "ar_aging_1_30": "1–30 days past due",
			"ar_aging_31_60": "31–60 days past due", "ar_aging_61_90": "61–90 days past due", "ar_aging_over_90": "Over 90 days past due",
			"time_to_invoice_median_days": "Median", "time_to_invoice_p90_days": "90th percentile",
			"time_to_invoice_mean_days": "Amount-weighted mean", "invoiced_within_5_working_days": "Invoiced within 5 working days",
			"unbilled_amount": "Unbilled work", "correction_rate": "Correction rate (invoices)",
			"correction_rate_amount": "Correction rate (amount)", "dunning_rate": "Dunning rate",
			"dunning_rate_level_1": "1st reminder", "dunning_rate_level_2": "2nd reminder", "dunning_rate_level_3": "Final reminder",
			"dunning_fees": "Dunning fees", "automation_share": "Automation share (lines)", "automation_share_amount": "Automation share (amount)",
		},
		Baseline: "Baseline", Target: "Target", Incidents: "Incidents", Latest: "Latest",
		BetterLower: "lower is better", BetterHigher: "higher is better", Better: "Better",
		KPITable: "Figures", IncidentList: "Incidents in these months", NoIncidents: "No incident touched these months.",
		Impact: "Customer impact", FollowUps: "Follow-ups", Severity: "Severity", Status: "Status",
		FollowUpStates: map[string]string{"none": "no follow-ups", "overdue": "follow-up overdue", "open": "follow-ups open", "done": "follow-ups done"},
		Months:         "Months", Provisional: "provisional",
		ExplainHint: "To see the records behind a figure, run:",
		Days:        "days", Percent: "%",
		ReferenceLines: "Dashed line: baseline; dotted line: target. Shaded months: incidents (hover for details).",
		IncidentMark:   "Incident",

		RetroTitle: "Retro", RetroChanges: "What changed", Change: "Change", Direction: "Direction",
		DirBetter: "better", DirWorse: "worse", DirSame: "unchanged", DirUnknown: "not comparable",
		RetroIncidents: "Incidents and follow-ups", TopUnbilled: "Biggest unbilled amounts", NoUnbilled: "No unbilled work.",
		Action: "Action", Owner: "Owner", Due: "Due", Overdue: "overdue",
		Customer: "Customer", Project: "Project", Kind: "Kind", WorkDate: "Work date", AgeDays: "Age (days)",
		Amount: "Amount", AmountBase: "In base currency", Hours: "Hours", Oldest: "Oldest (days)",
		NoRate: "no exchange rate",

		ReconTitle: "Reconciliation",
		ReconIntro: "Unbilled work and billing exceptions by customer, with the amounts at stake. Review before the billing run.",
		ByCustomer: "By customer", UnbilledWork: "Unbilled work", Exceptions: "Exceptions", AtStake: "At stake",
		Reason: "Reason", Records: "Records", Acknowledged: "Acknowledged",
		AckLapsed:       "acknowledgement lapsed: the amount or records changed since",
		NotAcknowledged: "open", Items: "Items", ItemsShown: "Showing the %d oldest of %d items; the full list:",
		NoCustomer: "(no customer)", NoExceptionsText: "No exceptions.", NoUnbilledText: "No unbilled work.",
		MoreCommands: "Drill down", ID: "Id", Invoices: "Invoices", MatchLevel: "Match", Source: "Source id",
		Total: "Total", BackToTop: "Back to the overview", UnbilledAsOf: "Unbilled work as of",
		AckBy: "by",
	},
	"de": {
		DecimalSep: ",", GroupSep: ".", DateLayout: "02.01.2006", CurrencyAfter: true,

		Overview: "Übersicht", Generated: "Erstellt", DataAsOf: "Nicht abgerechnete Leistungen zum",
		KPIPages: "Kennzahlen-Diagramme", OtherPages: "Prüfen",

		Families: map[string]string{
			"dso": "Forderungslaufzeit (DSO)", "ar_aging": "Altersstruktur der Forderungen", "cei": "Inkasso-Effektivität (CEI)",
			"time_to_invoice": "Zeit bis zur Rechnung", "unbilled": "Nicht abgerechnete Leistungen (WIP)", "correction": "Korrekturquote",
			"dunning": "Mahnwesen", "automation": "Automatisierungsgrad", "other": "Weitere Kennzahlen",
		},
		FamilyIntro: map[string]string{
			"dso":             "Wie viele Tage Umsatz in Forderungen gebunden sind, nach vier Methoden, und um wie viele Tage Kunden zu spät zahlen.",
			"ar_aging":        "Offene Forderungen zu jedem Monatsende nach Tagen über Fälligkeit, in Basiswährung.",
			"cei":             "Wie viel von dem, was im Monat eingezogen werden konnte, eingezogen wurde.",
			"time_to_invoice": "Tage vom Tag, an dem eine Leistung abrechenbar wurde, bis zu ihrer Rechnung, und der Anteil der Monatsstunden, der binnen 5 Arbeitstagen berechnet wurde.",
			"unbilled":        "Freigegebene, abrechenbare, nicht berechnete Leistungen zu jedem Monatsende, in Basiswährung.",
			"correction":      "Rechnungen, die binnen 90 Tagen nach Ausstellung korrigiert wurden (Gutschrift, Ersatzrechnung, Storno).",
			"dunning":         "Im Monat fällige Rechnungen mit Mahnung, nach Mahnstufe, und die berechneten Mahngebühren.",
			"automation":      "Rechnungspositionen und Beträge, die unverändert aus einem takt-Abrechnungslauf kamen.",
			"other":           "Kennzahlen, die auf keiner anderen Seite stehen.",
		},
		KPINames: map[string]string{
			"dso_days": "DSO (Monat)", "dso_3m_days": "DSO (gleitend 3 Monate)", "dso_countback_days": "DSO (Countback)",
			"best_possible_dso_days": "Bestmögliche DSO", "average_days_delinquent": "Durchschnittlicher Zahlungsverzug",
			"cei_percent": "CEI", "ar_aging_not_due": "Nicht fällig", "ar_aging_1_30": "1–30 Tage überfällig",
			"ar_aging_31_60": "31–60 Tage überfällig", "ar_aging_61_90": "61–90 Tage überfällig", "ar_aging_over_90": "Über 90 Tage überfällig",
			"time_to_invoice_median_days": "Median", "time_to_invoice_p90_days": "90. Perzentil",
			"time_to_invoice_mean_days": "Betragsgewichteter Mittelwert", "invoiced_within_5_working_days": "Binnen 5 Arbeitstagen berechnet",
			"unbilled_amount": "Nicht abgerechnete Leistungen", "correction_rate": "Korrekturquote (Rechnungen)",
			"correction_rate_amount": "Korrekturquote (Betrag)", "dunning_rate": "Mahnquote",
			"dunning_rate_level_1": "1. Mahnung", "dunning_rate_level_2": "2. Mahnung", "dunning_rate_level_3": "Letzte Mahnung",
			"dunning_fees": "Mahngebühren", "automation_share": "Automatisierungsgrad (Positionen)", "automation_share_amount": "Automatisierungsgrad (Betrag)",
		},
		Baseline: "Ausgangswert", Target: "Ziel", Incidents: "Vorfälle", Latest: "Aktuell",
		BetterLower: "niedriger ist besser", BetterHigher: "höher ist besser", Better: "Besser",
		KPITable: "Werte", IncidentList: "Vorfälle in diesen Monaten", NoIncidents: "Kein Vorfall betraf diese Monate.",
		Impact: "Auswirkung auf Kunden", FollowUps: "Folgemaßnahmen", Severity: "Schwere", Status: "Status",
		FollowUpStates: map[string]string{"none": "keine Folgemaßnahmen", "overdue": "Folgemaßnahme überfällig", "open": "Folgemaßnahmen offen", "done": "Folgemaßnahmen erledigt"},
		Months:         "Monate", Provisional: "vorläufig",
		ExplainHint: "Die Belege hinter einem Wert zeigt:",
		Days:        "Tage", Percent: "%",
		ReferenceLines: "Gestrichelte Linie: Ausgangswert; gepunktete Linie: Ziel. Schattierte Monate: Vorfälle (Details beim Überfahren).",
		IncidentMark:   "Vorfall",

		RetroTitle: "Retrospektive", RetroChanges: "Was sich verändert hat", Change: "Veränderung", Direction: "Richtung",
		DirBetter: "besser", DirWorse: "schlechter", DirSame: "unverändert", DirUnknown: "nicht vergleichbar",
		RetroIncidents: "Vorfälle und Folgemaßnahmen", TopUnbilled: "Größte nicht abgerechnete Beträge", NoUnbilled: "Keine nicht abgerechneten Leistungen.",
		Action: "Maßnahme", Owner: "Verantwortlich", Due: "Fällig", Overdue: "überfällig",
		Customer: "Kunde", Project: "Projekt", Kind: "Art", WorkDate: "Leistungsdatum", AgeDays: "Alter (Tage)",
		Amount: "Betrag", AmountBase: "In Basiswährung", Hours: "Stunden", Oldest: "Älteste (Tage)",
		NoRate: "kein Wechselkurs",

		ReconTitle: "Abstimmung",
		ReconIntro: "Nicht abgerechnete Leistungen und Abrechnungsausnahmen nach Kunde, mit den betroffenen Beträgen. Vor dem Abrechnungslauf prüfen.",
		ByCustomer: "Nach Kunde", UnbilledWork: "Nicht abgerechnete Leistungen", Exceptions: "Ausnahmen", AtStake: "Betroffener Betrag",
		Reason: "Begründung", Records: "Belege", Acknowledged: "Bestätigt",
		AckLapsed:       "Bestätigung erloschen: Betrag oder Belege haben sich seitdem geändert",
		NotAcknowledged: "offen", Items: "Posten", ItemsShown: "Die %d ältesten von %d Posten; die vollständige Liste:",
		NoCustomer: "(kein Kunde)", NoExceptionsText: "Keine Ausnahmen.", NoUnbilledText: "Keine nicht abgerechneten Leistungen.",
		MoreCommands: "Weiter ins Detail", ID: "ID", Invoices: "Rechnungen", MatchLevel: "Zuordnung", Source: "Quell-ID",
		Total: "Summe", BackToTop: "Zurück zur Übersicht", UnbilledAsOf: "Nicht abgerechnete Leistungen zum",
		AckBy: "von",
	},
}

// pageLabelsFor returns the page labels of a language Pack.validate
// accepted.
func pageLabelsFor(lang string) *pageLabels {
	return pageLabelsByLang[lang]
}

// number formats d with places decimals, rounded half away from zero, with
// the language's separators: 1.234,5 or 1,234.5.
func (l *pageLabels) number(d decimal.Decimal, places int32) string {
	s := d.Round(places).StringFixed(places)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg && strings.Trim(s, "0.") != "" {
		b.WriteString("-")
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(l.GroupSep)
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString(l.DecimalSep)
		b.WriteString(frac)
	}
	return b.String()
}

// money formats an amount to the cent in its currency with the symbol the
// workbooks show (currencySymbols): 1.234,56 € in German, €1,234.56 in
// English; a symbol of letters or a currency without a symbol, which shows
// its code, stands apart from the digits (1.234,56 CHF, CHF 1,234.56).
func (l *pageLabels) money(d decimal.Decimal, currency string) string {
	n := l.number(d, 2)
	sym, _, spaced := currencySymbol(currency)
	if l.CurrencyAfter {
		return n + " " + sym
	}
	neg := strings.HasPrefix(n, "-")
	n = strings.TrimPrefix(n, "-")
	sign := ""
	if neg {
		sign = "-"
	}
	if spaced {
		return sign + sym + " " + n
	}
	return sign + sym + n
}

// date formats a day: 31.03.2026 or 31 Mar 2026.
func (l *pageLabels) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	// Only the English layout names the month, and Go's month names are
	// English.
	return t.UTC().Format(l.DateLayout)
}
