package reports

// packLabels are the texts of the monthly pack's sheets and of the
// reconciliation workbook, one table per language.
type packLabels struct {
	// Sheet names; at most 31 characters, none of : \ / ? * [ ].
	SheetBillingRun, SheetAging, SheetDunning, SheetIncidents, SheetQuality string
	SheetReconciliation, ReconTitle                                         string

	// Summary.
	AsOf, Unit, Baseline, Target, Status, OwnerRole, Figures string
	StatusOnTarget, StatusNearTarget, StatusOffTarget        string
	StatusNoTarget, StatusUndefined                          string
	StatusLegend                                             string
	ProvisionalNote, ReceivablesOpen                         string
	LargestUnbilled, AmountBase                              string
	FollowUpStates                                           map[string]string
	KPINames                                                 map[string]string

	// Unbilled work.
	ProjectCode, AgeBucket, ByCustomerProject, Total string
	WIPBuckets                                       map[string]string

	// Draft billing run.
	RunID, RunStatus, Period, InvoiceDate, CreatedBy, CreatedAt, ApprovedBy string
	Adjustments, NoBillingRun, InvoiceNo, VATCase, Task, Description        string
	TaxRate, ManuallyChanged, Part, InvoiceLine, WriteOffProposal           string
	InvoiceTotals, Net, Tax, Gross, DueDate, WriteOffs                      string
	Yes, No                                                                 string

	// Exceptions.
	ID, InvoiceNumbers, MatchLevel, Acknowledged, AckBy, AckAt, AckReason string
	AckChanged, NotAcknowledged, AmountNotAcknowledged                    string

	// AR aging.
	Number, DocKind, IssueDate, DaysPastDue, Open, OpenBase, ByBucket, NoReceivables string
	NoRate                                                                           string
	AgingBuckets, DocKinds                                                           map[string]string

	// Dunning.
	Notices, MaxLevel, Level1, Level2, Level3, FirstNotice, NoticeList, NoDunning string
	RateLabel                                                                     string

	// Incidents.
	Title, Severity, IncidentStatus, Impact, KPIMonths, FollowUp, Action, Due, FollowUpStatus string
	Overdue, NoIncidents, NoFollowUps, Incidents, OpenFollowUps, OverdueFollowUps             string

	// Data quality.
	OpenRejects, Run, Source, Stream, RecordID, Rule, Field, Message, Stage, RejectedAt string
	IdentityIssues, System, Name, Hint, Freshness, LastSuccess, Rows, LastFailure       string
	Error, Stale, Drift, FirstSeen, NoneFound, Never                                    string

	// Reconciliation.
	UnbilledItems, UnbilledAmount, OldestDays, ExceptionCount, ExceptionAmount string
	NoCustomer, ReconNote                                                      string
}

var packLabelsEN = packLabels{
	SheetBillingRun: "Draft billing run", SheetAging: "AR aging", SheetDunning: "Dunning",
	SheetIncidents: "Incidents", SheetQuality: "Data quality",
	SheetReconciliation: "By customer", ReconTitle: "Reconciliation",

	AsOf: "Unbilled work as of", Unit: "Unit", Baseline: "Baseline", Target: "Target", Status: "Status",
	OwnerRole: "Owner", Figures: "Figures behind the KPIs",
	StatusOnTarget: "● on target", StatusNearTarget: "◐ better than baseline", StatusOffTarget: "○ off target",
	StatusNoTarget: "no target", StatusUndefined: "n/a",
	StatusLegend:    "Status: ● the month meets its target; ◐ it misses the target but is no worse than the baseline; ○ it is worse than both.",
	LargestUnbilled: "Largest unbilled items", AmountBase: "Amount (base currency)",
	FollowUpStates:  map[string]string{"open": "open", "done": "done", "dropped": "dropped"},
	ProvisionalNote: "provisional", ReceivablesOpen: "Open receivables",
	KPINames: map[string]string{
		"dso_days": "DSO (days)", "dso_3m_days": "DSO, trailing 3 months (days)", "dso_countback_days": "DSO, countback (days)",
		"best_possible_dso_days": "Best possible DSO (days)", "average_days_delinquent": "Average days delinquent",
		"cei_percent": "Collection effectiveness (%)", "ar_aging_not_due": "Receivables not yet due",
		"ar_aging_1_30": "Receivables 1–30 days past due", "ar_aging_31_60": "Receivables 31–60 days past due",
		"ar_aging_61_90": "Receivables 61–90 days past due", "ar_aging_over_90": "Receivables over 90 days past due",
		"time_to_invoice_median_days": "Time to invoice, median (days)", "time_to_invoice_p90_days": "Time to invoice, 90th percentile (days)",
		"time_to_invoice_mean_days":      "Time to invoice, weighted mean (days)",
		"invoiced_within_5_working_days": "Invoiced within 5 working days", "unbilled_amount": "Unbilled work",
		"correction_rate": "Correction rate", "correction_rate_amount": "Correction rate by amount",
		"dunning_rate": "Dunning rate", "dunning_rate_level_1": "Dunning rate, first reminder",
		"dunning_rate_level_2": "Dunning rate, second reminder", "dunning_rate_level_3": "Dunning rate, final reminder",
		"dunning_fees": "Dunning fees", "automation_share": "Automation share (lines)", "automation_share_amount": "Automation share (amount)",
	},

	ProjectCode: "Project code", AgeBucket: "Age", ByCustomerProject: "By customer and project",
	Total:      "Total",
	WIPBuckets: map[string]string{"0_30": "0–30 days", "31_60": "31–60 days", "61_90": "61–90 days", "over_90": "over 90 days"},

	RunID: "Run", RunStatus: "Status", Period: "Period", InvoiceDate: "Invoice date", CreatedBy: "Created by",
	CreatedAt: "Created (UTC)", ApprovedBy: "Approved by", Adjustments: "Manual adjustments",
	NoBillingRun: "No billing run for this month.", InvoiceNo: "Invoice", VATCase: "VAT case", Task: "Task",
	Description: "Description", TaxRate: "VAT %", ManuallyChanged: "Changed by hand", Part: "Part",
	InvoiceLine: "invoice line", WriteOffProposal: "write-off proposal", InvoiceTotals: "Invoice totals",
	Net: "Net", Tax: "VAT", Gross: "Gross", DueDate: "Due date", WriteOffs: "Write-offs proposed", Yes: "yes", No: "no",

	ID: "Id", InvoiceNumbers: "Invoice numbers", MatchLevel: "Match level", Acknowledged: "Acknowledged",
	AckBy: "Acknowledged by", AckAt: "Acknowledged (UTC)", AckReason: "Acknowledgement reason",
	AckChanged: "changed since", NotAcknowledged: "Not acknowledged", AmountNotAcknowledged: "Amount not acknowledged",

	Number: "Number", DocKind: "Document", IssueDate: "Issue date", DaysPastDue: "Days past due", Open: "Open",
	OpenBase: "Open (base currency)", ByBucket: "By aging bucket", NoReceivables: "Nothing open at month end.",
	NoRate:       "no exchange rate",
	AgingBuckets: map[string]string{"not_due": "not due", "1_30": "1–30 days", "31_60": "31–60 days", "61_90": "61–90 days", "over_90": "over 90 days"},
	DocKinds:     map[string]string{"invoice": "invoice", "credit_note": "credit note"},

	Notices: "Notices", MaxLevel: "Highest level", Level1: "First reminder", Level2: "Second reminder", Level3: "Final reminder",
	FirstNotice: "First notice", NoticeList: "Notices sent", NoDunning: "No invoice fell due in this month.",
	RateLabel: "Dunning rate",

	Title: "Title", Severity: "Severity", IncidentStatus: "Status", Impact: "Customer impact", KPIMonths: "KPI months",
	FollowUp: "Follow-up", Action: "Action", Due: "Due", FollowUpStatus: "Follow-up status", Overdue: "Overdue",
	NoIncidents: "No incidents touched these months.", NoFollowUps: "no follow-ups", Incidents: "Incidents",
	OpenFollowUps: "Open follow-ups", OverdueFollowUps: "Overdue follow-ups",

	OpenRejects: "Open rejects", Run: "Run", Source: "Source", Stream: "Stream", RecordID: "Record id", Rule: "Rule",
	Field: "Field", Message: "Message", Stage: "Stage", RejectedAt: "Rejected (UTC)",
	IdentityIssues: "Unmatched and ambiguous identities", System: "System", Name: "Name", Hint: "What to do",
	Freshness: "Source freshness", LastSuccess: "Last successful load (UTC)", Rows: "Rows", LastFailure: "Last failure (UTC)",
	Error: "Error", Stale: "Stale", Drift: "Fields the connectors do not know", FirstSeen: "First seen (UTC)",
	NoneFound: "None.", Never: "never",

	UnbilledItems: "Unbilled items", UnbilledAmount: "Unbilled amount", OldestDays: "Oldest (days)",
	ExceptionCount: "Exceptions", ExceptionAmount: "Amount at stake", NoCustomer: "(no customer)",
	ReconNote: "Review before the billing run: unbilled work and exceptions per customer. The sheets beside this one list every item.",
}

var packLabelsDE = packLabels{
	SheetBillingRun: "Abrechnungsentwurf", SheetAging: "Altersstruktur OP", SheetDunning: "Mahnwesen",
	SheetIncidents: "Vorfälle", SheetQuality: "Datenqualität",
	SheetReconciliation: "Nach Kunde", ReconTitle: "Abstimmung",

	AsOf: "Nicht abgerechnet zum", Unit: "Einheit", Baseline: "Basiswert", Target: "Ziel", Status: "Status",
	OwnerRole: "Verantwortlich", Figures: "Zahlen hinter den Kennzahlen",
	StatusOnTarget: "● im Ziel", StatusNearTarget: "◐ besser als Basiswert", StatusOffTarget: "○ verfehlt",
	StatusNoTarget: "kein Ziel", StatusUndefined: "n. v.",
	StatusLegend:    "Status: ● der Monat erreicht sein Ziel; ◐ er verfehlt das Ziel, ist aber nicht schlechter als der Basiswert; ○ er ist schlechter als beide.",
	LargestUnbilled: "Größte nicht abgerechnete Posten", AmountBase: "Betrag (Basiswährung)",
	FollowUpStates:  map[string]string{"open": "offen", "done": "erledigt", "dropped": "verworfen"},
	ProvisionalNote: "vorläufig", ReceivablesOpen: "Offene Forderungen",
	KPINames: map[string]string{
		"dso_days": "DSO (Tage)", "dso_3m_days": "DSO, gleitend 3 Monate (Tage)", "dso_countback_days": "DSO, Countback (Tage)",
		"best_possible_dso_days": "Bestmöglicher DSO (Tage)", "average_days_delinquent": "Durchschnittlicher Zahlungsverzug (Tage)",
		"cei_percent": "Inkasso-Effektivität (%)", "ar_aging_not_due": "Forderungen noch nicht fällig",
		"ar_aging_1_30": "Forderungen 1–30 Tage überfällig", "ar_aging_31_60": "Forderungen 31–60 Tage überfällig",
		"ar_aging_61_90": "Forderungen 61–90 Tage überfällig", "ar_aging_over_90": "Forderungen über 90 Tage überfällig",
		"time_to_invoice_median_days": "Zeit bis Rechnung, Median (Tage)", "time_to_invoice_p90_days": "Zeit bis Rechnung, 90. Perzentil (Tage)",
		"time_to_invoice_mean_days":      "Zeit bis Rechnung, gewichtetes Mittel (Tage)",
		"invoiced_within_5_working_days": "Innerhalb von 5 Arbeitstagen berechnet", "unbilled_amount": "Nicht abgerechnete Leistungen",
		"correction_rate": "Korrekturquote", "correction_rate_amount": "Korrekturquote nach Betrag",
		"dunning_rate": "Mahnquote", "dunning_rate_level_1": "Mahnquote, erste Mahnung",
		"dunning_rate_level_2": "Mahnquote, zweite Mahnung", "dunning_rate_level_3": "Mahnquote, letzte Mahnung",
		"dunning_fees": "Mahngebühren", "automation_share": "Automatisierungsquote (Positionen)", "automation_share_amount": "Automatisierungsquote (Betrag)",
	},

	ProjectCode: "Projektcode", AgeBucket: "Alter", ByCustomerProject: "Nach Kunde und Projekt",
	Total:      "Summe",
	WIPBuckets: map[string]string{"0_30": "0–30 Tage", "31_60": "31–60 Tage", "61_90": "61–90 Tage", "over_90": "über 90 Tage"},

	RunID: "Lauf", RunStatus: "Status", Period: "Zeitraum", InvoiceDate: "Rechnungsdatum", CreatedBy: "Erstellt von",
	CreatedAt: "Erstellt (UTC)", ApprovedBy: "Freigegeben von", Adjustments: "Manuelle Änderungen",
	NoBillingRun: "Kein Abrechnungslauf für diesen Monat.", InvoiceNo: "Rechnung", VATCase: "USt-Fall", Task: "Tätigkeit",
	Description: "Beschreibung", TaxRate: "USt %", ManuallyChanged: "Von Hand geändert", Part: "Teil",
	InvoiceLine: "Rechnungsposition", WriteOffProposal: "Abschreibungsvorschlag", InvoiceTotals: "Rechnungssummen",
	Net: "Netto", Tax: "USt", Gross: "Brutto", DueDate: "Fällig am", WriteOffs: "Vorgeschlagene Abschreibungen", Yes: "ja", No: "nein",

	ID: "ID", InvoiceNumbers: "Rechnungsnummern", MatchLevel: "Zuordnungsebene", Acknowledged: "Bestätigt",
	AckBy: "Bestätigt von", AckAt: "Bestätigt (UTC)", AckReason: "Begründung der Bestätigung",
	AckChanged: "seitdem geändert", NotAcknowledged: "Nicht bestätigt", AmountNotAcknowledged: "Betrag nicht bestätigt",

	Number: "Nummer", DocKind: "Beleg", IssueDate: "Rechnungsdatum", DaysPastDue: "Tage überfällig", Open: "Offen",
	OpenBase: "Offen (Basiswährung)", ByBucket: "Nach Altersklasse", NoReceivables: "Zum Monatsende ist nichts offen.",
	NoRate:       "kein Wechselkurs",
	AgingBuckets: map[string]string{"not_due": "nicht fällig", "1_30": "1–30 Tage", "31_60": "31–60 Tage", "61_90": "61–90 Tage", "over_90": "über 90 Tage"},
	DocKinds:     map[string]string{"invoice": "Rechnung", "credit_note": "Gutschrift"},

	Notices: "Mahnungen", MaxLevel: "Höchste Stufe", Level1: "Erste Mahnung", Level2: "Zweite Mahnung", Level3: "Letzte Mahnung",
	FirstNotice: "Erste Mahnung am", NoticeList: "Versandte Mahnungen", NoDunning: "In diesem Monat wurde keine Rechnung fällig.",
	RateLabel: "Mahnquote",

	Title: "Titel", Severity: "Schweregrad", IncidentStatus: "Status", Impact: "Auswirkung auf Kunden", KPIMonths: "Kennzahl-Monate",
	FollowUp: "Maßnahme", Action: "Aktion", Due: "Fällig", FollowUpStatus: "Stand der Maßnahme", Overdue: "Überfällig",
	NoIncidents: "Keine Vorfälle in diesen Monaten.", NoFollowUps: "keine Maßnahmen", Incidents: "Vorfälle",
	OpenFollowUps: "Offene Maßnahmen", OverdueFollowUps: "Überfällige Maßnahmen",

	OpenRejects: "Offene Zurückweisungen", Run: "Lauf", Source: "Quelle", Stream: "Datenstrom", RecordID: "Datensatz-ID", Rule: "Regel",
	Field: "Feld", Message: "Meldung", Stage: "Stufe", RejectedAt: "Zurückgewiesen (UTC)",
	IdentityIssues: "Nicht zugeordnete und mehrdeutige Identitäten", System: "System", Name: "Name", Hint: "Was zu tun ist",
	Freshness: "Aktualität der Quellen", LastSuccess: "Letzte erfolgreiche Ladung (UTC)", Rows: "Zeilen", LastFailure: "Letzter Fehler (UTC)",
	Error: "Fehler", Stale: "Veraltet", Drift: "Felder, die die Konnektoren nicht kennen", FirstSeen: "Zuerst gesehen (UTC)",
	NoneFound: "Keine.", Never: "nie",

	UnbilledItems: "Nicht abgerechnete Posten", UnbilledAmount: "Nicht abgerechneter Betrag", OldestDays: "Älteste (Tage)",
	ExceptionCount: "Ausnahmen", ExceptionAmount: "Betroffener Betrag", NoCustomer: "(kein Kunde)",
	ReconNote: "Vor dem Abrechnungslauf prüfen: nicht abgerechnete Leistungen und Ausnahmen je Kunde. Die Blätter daneben listen jeden Posten.",
}
