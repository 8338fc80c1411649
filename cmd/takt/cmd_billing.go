package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/extract/xero"
	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/internal/money"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/reconcile"
)

func newBillingRunCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "billing-run",
		Short: "Draft billing runs: create, review, adjust, approve, export, correct",
		Long: `A billing run proposes one draft invoice per customer and currency from
approved, billable, unbilled work of a period: time grouped by project and
task, expenses, reached milestones and approved change requests of
fixed-price projects, capped at each project's remaining budget (the excess
shown as a write-off proposal), with VAT by the customer's situation,
payment terms, cash discount and exchange rate.

A run moves draft -> approved -> exported, or is discarded. The approver
must be someone other than the creator and everyone who adjusted it; any
adjustment after approval voids the approval. Every change is kept in the
audit trail (takt audit verify). Work is marked billed only when the
export succeeded.

With --format json, create and show print {id, kind, period, status,
created_by, approved_by, invoice_date, invoices: [{id, doc_type, number,
customer, customer_id, currency, net, tax, gross, reverse_charge,
vat_case, notes, due_date, skonto, fx, base_currency, base_net, base_tax,
base_gross, corrects, lines: [{id, kind, description, hours, rate,
amount, tax_rate, source_ids, manually_changed}], write_offs: [...]}],
adjustments}; money as strings with fixed decimals.`,
	}
	cmd.AddCommand(newBillingCreateCmd(g), newBillingShowCmd(g), newBillingListCmd(g), newBillingApproveCmd(g),
		newBillingDiscardCmd(g), newBillingAdjustCmd(g), newBillingExportCmd(g), newBillingCorrectCmd(g))
	return cmd
}

// billingSettings maps the configuration to what runs need.
func billingSettings(cfg *config.Config) (reconcile.Settings, error) {
	b := cfg.Billing
	s := reconcile.Settings{
		BaseCurrency: cfg.Company.BaseCurrency, HomeCountry: cfg.Company.HomeCountry, SellerVATID: b.SellerVATID,
		PaymentDays: b.PaymentTermsDays, NumberPrefix: b.NumberPrefix, IgnoreBudgets: !b.CapsAtBudget(),
		Texts: reconcile.Texts{PaymentTerms: b.Texts.PaymentTerms, PaymentTermsSkonto: b.Texts.PaymentTermsSkonto,
			ReverseCharge: b.Texts.ReverseCharge, NonEU: b.Texts.NonEU, CreditNote: b.Texts.CreditNote},
	}
	if s.PaymentDays == 0 {
		s.PaymentDays = cfg.Company.PaymentTermsDays
	}
	if b.Skonto.Percent != "" {
		p, err := money.Parse(b.Skonto.Percent)
		if err != nil {
			return s, fmt.Errorf("%s: billing.skonto.percent: %w", cfg.File, err)
		}
		s.SkontoPercent, s.SkontoDays = p, b.Skonto.Days
	}
	for _, c := range b.Customers {
		t := reconcile.Terms{PaymentDays: c.PaymentTermsDays}
		if c.Skonto.Percent != "" {
			p, err := money.Parse(c.Skonto.Percent)
			if err != nil {
				return s, fmt.Errorf("%s: billing.customers %s: skonto: %w", cfg.File, c.CustomerID, err)
			}
			t.SkontoPercent, t.SkontoDays = p, c.Skonto.Days
		}
		if s.CustomerTerms == nil {
			s.CustomerTerms = map[string]reconcile.Terms{}
		}
		s.CustomerTerms[c.CustomerID] = t
	}
	return s, nil
}

// openBilling loads the configuration and opens the warehouse for a
// billing command.
func (g *globals) openBilling(ctx context.Context) (*config.Config, *warehouse.Warehouse, reconcile.Settings, error) {
	if err := g.checkFormat(); err != nil {
		return nil, nil, reconcile.Settings{}, err
	}
	cfg, wh, err := g.openForReading(ctx)
	if err != nil {
		return nil, nil, reconcile.Settings{}, err
	}
	s, err := billingSettings(cfg)
	if err != nil {
		wh.Close()
		return nil, nil, s, err
	}
	return cfg, wh, s, nil
}

func requireBy(by string) error {
	if strings.TrimSpace(by) == "" {
		return fmt.Errorf("--by is required: the name of the person doing this (kept in the audit trail)")
	}
	return nil
}

func newBillingCreateCmd(g *globals) *cobra.Command {
	var period, by, invoiceDate string
	cmd := &cobra.Command{
		Use:   "create --period YYYY-MM --by USER",
		Short: "Create a draft run of a period's unbilled work",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireBy(by); err != nil {
				return err
			}
			p, err := parseMonth("period", period)
			if err != nil {
				return err
			}
			logger, err := g.logger()
			if err != nil {
				return err
			}
			// --log-level debug shows the build's steps with their times.
			opt := reconcile.CreateOptions{Period: p, By: by, Log: logger}
			if invoiceDate != "" {
				if opt.InvoiceDate, err = parseDay("invoice-date", invoiceDate); err != nil {
					return err
				}
			}
			_, wh, s, err := g.openBilling(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			run, err := reconcile.CreateRun(cmd.Context(), wh.DB, s, opt)
			if err != nil {
				return notBuiltYet(err)
			}
			return billingPrintRun(g, run)
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&period, "period", "", "month to bill (YYYY-MM): work dated up to its last day")
	cmd.Flags().StringVar(&by, "by", "", "who creates the run")
	cmd.Flags().StringVar(&invoiceDate, "invoice-date", "", "date of the invoices (YYYY-MM-DD; default: the day of the last takt run)")
	return cmd
}

func newBillingShowCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show RUN",
		Short: "Show a run with its invoices, lines, write-off proposals and adjustments",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, wh, _, err := g.openBilling(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			run, err := reconcile.LoadRun(cmd.Context(), wh.DB, args[0])
			if err != nil {
				return err
			}
			return billingPrintRun(g, run)
		},
	}
	addFormatFlag(cmd, g)
	return cmd
}

func newBillingListCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List billing runs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, wh, _, err := g.openBilling(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			ids, err := reconcile.ListRuns(cmd.Context(), wh.DB)
			if err != nil {
				return err
			}
			var runs []billingRunJSON
			tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
			if g.format != "json" {
				fmt.Fprintln(tw, "RUN\tKIND\tPERIOD\tSTATUS\tCREATED BY\tINVOICES\tGROSS")
			}
			for _, id := range ids {
				r, err := reconcile.LoadRun(cmd.Context(), wh.DB, id)
				if err != nil {
					return err
				}
				if g.format == "json" {
					runs = append(runs, toBillingRunJSON(r))
					continue
				}
				sums := newCurrencySums()
				for _, inv := range r.Invoices {
					sums.add(inv.Currency, billingSigned(inv, inv.Gross))
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Kind, r.Period, r.Status, r.CreatedBy, len(r.Invoices), sums)
			}
			if g.format == "json" {
				if runs == nil {
					runs = []billingRunJSON{}
				}
				return writeJSON(g, runs)
			}
			return tw.Flush()
		},
	}
	addFormatFlag(cmd, g)
	return cmd
}

func billingSigned(inv reconcile.Invoice, d decimal.Decimal) decimal.Decimal {
	if inv.DocType == reconcile.DocCreditNote {
		return d.Neg()
	}
	return d
}

func newBillingApproveCmd(g *globals) *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "approve RUN --by USER",
		Short: "Approve a draft (the approver must not have created or adjusted it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireBy(by); err != nil {
				return err
			}
			_, wh, s, err := g.openBilling(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			run, err := reconcile.ApproveRun(cmd.Context(), wh.DB, s, args[0], by, nil)
			if err != nil {
				return err
			}
			return billingPrintRun(g, run)
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&by, "by", "", "who approves the run")
	return cmd
}

func newBillingDiscardCmd(g *globals) *cobra.Command {
	var by, reason string
	cmd := &cobra.Command{
		Use:   "discard RUN --by USER --reason TEXT",
		Short: "Discard a draft or approved run; its work becomes available again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireBy(by); err != nil {
				return err
			}
			_, wh, _, err := g.openBilling(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			if err := reconcile.DiscardRun(cmd.Context(), wh.DB, args[0], by, reason, nil); err != nil {
				return err
			}
			run, err := reconcile.LoadRun(cmd.Context(), wh.DB, args[0])
			if err != nil {
				return err
			}
			return billingPrintRun(g, run)
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&by, "by", "", "who discards the run")
	cmd.Flags().StringVar(&reason, "reason", "", "why (kept in the audit trail)")
	return cmd
}

func newBillingAdjustCmd(g *globals) *cobra.Command {
	var by, reason, line, hours, rate, amount, description, writeOff, move, to string
	cmd := &cobra.Command{
		Use:   "adjust RUN --by USER --reason TEXT (--line ID [--hours H] [--rate R] [--amount A] [--description D] | --write-off LINE | --move ITEM --to YYYY-MM)",
		Short: "Change a line, write a line off, or move an item to a later run (a reason is required)",
		Long: `Adjust a draft by hand. Every adjustment needs a reason and is kept with
the run and in the audit trail; adjusting an approved run voids its
approval. Items are named as "time:<entry id>", "expense:<id>",
"milestone:<id>" or "change_request:<id>" (see the source_ids of the lines).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireBy(by); err != nil {
				return err
			}
			ctx := cmd.Context()
			_, wh, s, err := g.openBilling(ctx)
			if err != nil {
				return err
			}
			defer wh.Close()
			var run *reconcile.Run
			switch {
			case line != "":
				var e reconcile.LineEdit
				for _, f := range []struct {
					flag, v string
					dst     **decimal.Decimal
				}{{"hours", hours, &e.Hours}, {"rate", rate, &e.Rate}, {"amount", amount, &e.Amount}} {
					if f.v == "" {
						continue
					}
					d, err := money.Parse(f.v)
					if err != nil {
						return fmt.Errorf("--%s: %w", f.flag, err)
					}
					*f.dst = &d
				}
				if cmd.Flags().Changed("description") {
					e.Description = &description
				}
				if e == (reconcile.LineEdit{}) {
					return fmt.Errorf("--line %s: nothing to change; give --hours, --rate, --amount or --description", line)
				}
				run, err = reconcile.EditLine(ctx, wh.DB, s, args[0], line, e, by, reason, nil)
			case writeOff != "":
				run, err = reconcile.WriteOffLine(ctx, wh.DB, s, args[0], writeOff, by, reason, nil)
			case move != "":
				p, perr := parseMonth("to", to)
				if perr != nil {
					return perr
				}
				run, err = reconcile.MoveItem(ctx, wh.DB, s, args[0], move, p, by, reason, nil)
			default:
				return fmt.Errorf("say what to adjust: --line, --write-off or --move")
			}
			if err != nil {
				return err
			}
			return billingPrintRun(g, run)
		},
	}
	addFormatFlag(cmd, g)
	f := cmd.Flags()
	f.StringVar(&by, "by", "", "who adjusts the run")
	f.StringVar(&reason, "reason", "", "why (required, kept with the run)")
	f.StringVar(&line, "line", "", "id of the line to change")
	f.StringVar(&hours, "hours", "", "new hours of the line")
	f.StringVar(&rate, "rate", "", "new hourly rate of the line")
	f.StringVar(&amount, "amount", "", "new amount of the line (instead of hours x rate)")
	f.StringVar(&description, "description", "", "new description of the line")
	f.StringVar(&writeOff, "write-off", "", "id of a line to write off instead of billing it")
	f.StringVar(&move, "move", "", "item to move to a later run (e.g. time:123456)")
	f.StringVar(&to, "to", "", "with --move: the first period that may bill the item (YYYY-MM)")
	return cmd
}

func newBillingExportCmd(g *globals) *cobra.Command {
	var by, to, out string
	cmd := &cobra.Command{
		Use:   "export RUN --by USER [--to xero|csv|xlsx] [--out FILE]",
		Short: "Export an approved run: as Xero drafts (idempotent), or as a CSV or XLSX file",
		Long: `Export an approved run. --to xero creates the invoices as drafts in Xero, up
to 50 in a request (Xero allows 60 requests a minute), each request with an
Idempotency-Key derived from keys saved before the first attempt: running
the export again after a timeout or failure resumes it and never creates an
invoice twice. An invoice Xero refuses is reported with Xero's reason while
the others are created; the run stays approved until every invoice is in
Xero. --to csv or xlsx writes a file for accounting (--out,
default <run>.csv/.xlsx beside the warehouse). The work is marked billed in
the same step that records the successful export, never before. A file of
an exported run can be written again at any time; it marks nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireBy(by); err != nil {
				return err
			}
			ctx := cmd.Context()
			cfg, wh, s, err := g.openBilling(ctx)
			if err != nil {
				return err
			}
			defer wh.Close()
			var res *reconcile.ExportResult
			switch to {
			case reconcile.TargetXero:
				logger, err := g.logger()
				if err != nil {
					return err
				}
				sender, err := xeroSender(cfg, logger)
				if err != nil {
					return err
				}
				res, err = reconcile.ExportToAccounting(ctx, wh.DB, s, args[0], sender, by, nil)
				if err != nil {
					return err
				}
			case reconcile.TargetCSV, reconcile.TargetXLSX:
				if out == "" {
					out = filepath.Join(filepath.Dir(cfg.Path(cfg.Warehouse.Path)), args[0]+"."+to)
				}
				if res, err = reconcile.ExportToFile(ctx, wh.DB, s, args[0], to, out, by, nil); err != nil {
					return err
				}
			default:
				return fmt.Errorf("--to %q: expected xero, csv or xlsx", to)
			}
			if g.format == "json" {
				return billingPrintRun(g, res.Run)
			}
			fmt.Fprintf(g.stdout, "%s exported to %s: %d invoice(s) created, %d skipped; work marked billed: %t\n",
				args[0], to, len(res.Exported), len(res.Skipped), res.MarkedBilled)
			if res.Requests > 0 {
				fmt.Fprintf(g.stdout, "%d request(s) to Xero\n", res.Requests)
			}
			if out != "" {
				fmt.Fprintf(g.stdout, "File %s\n", out)
			}
			return nil
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&by, "by", "", "who exports the run")
	cmd.Flags().StringVar(&to, "to", "xero", "xero, csv or xlsx")
	cmd.Flags().StringVar(&out, "out", "", "file to write with --to csv or xlsx")
	return cmd
}

// xeroSender builds the Xero client from the configured source, reading
// its credentials from the environment.
func xeroSender(cfg *config.Config, logger *slog.Logger) (reconcile.XeroSender, error) {
	s := cfg.Sources.Xero
	if s == nil {
		return reconcile.XeroSender{}, fmt.Errorf("%s: sources.xero is not configured; export with --to csv or xlsx, or configure Xero", cfg.File)
	}
	id, err := cfg.Secret("sources.xero.client_id_env", s.ClientIDEnv)
	if err != nil {
		return reconcile.XeroSender{}, err
	}
	secret, err := cfg.Secret("sources.xero.client_secret_env", s.ClientSecretEnv)
	if err != nil {
		return reconcile.XeroSender{}, err
	}
	tenant, err := cfg.Secret("sources.xero.tenant_id_env", s.TenantIDEnv)
	if err != nil {
		return reconcile.XeroSender{}, err
	}
	sender, err := xero.NewSender(xero.Config{BaseURL: s.BaseURL, TokenURL: s.TokenURL, ClientID: id, ClientSecret: secret, TenantID: tenant,
		HTTP: httpapi.New(logger), Logger: logger})
	if err != nil {
		return reconcile.XeroSender{}, err
	}
	acc := reconcile.DefaultXeroAccounts
	bx := cfg.Billing.Xero
	if len(bx.TaxTypes) > 0 || len(bx.AccountCodes) > 0 || bx.TrackingCategory != "" {
		acc = reconcile.XeroAccounts{TaxTypes: map[string]string{}, AccountCodes: map[string]string{}, TrackingCategory: acc.TrackingCategory}
		for k, v := range reconcile.DefaultXeroAccounts.TaxTypes {
			acc.TaxTypes[k] = v
		}
		for k, v := range reconcile.DefaultXeroAccounts.AccountCodes {
			acc.AccountCodes[k] = v
		}
		for k, v := range bx.TaxTypes {
			acc.TaxTypes[k] = v
		}
		for k, v := range bx.AccountCodes {
			acc.AccountCodes[k] = v
		}
		if bx.TrackingCategory != "" {
			acc.TrackingCategory = bx.TrackingCategory
		}
	}
	return reconcile.XeroSender{Sender: sender, Accounts: acc}, nil
}

func newBillingCorrectCmd(g *globals) *cobra.Command {
	var by, reason, invoice, items, invoiceDate string
	var changed, rebill bool
	cmd := &cobra.Command{
		Use:   "correct --invoice NUMBER --by USER --reason TEXT [--items time:1,time:2 | --changed] [--rebill]",
		Short: "Propose a credit note (and a replacement) for an exported takt invoice",
		Long: `Propose a correction run for an exported invoice: a credit note that
references the invoice (number and date) and credits the chosen work —
all of it, the items given with --items, or with --changed the items whose
hours or rate changed since — and with --rebill a replacement invoice for
that work as it is now. Once the credit note is exported its work is
released for billing again, once. The correction run is approved and
exported like any run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireBy(by); err != nil {
				return err
			}
			opt := reconcile.CorrectionOptions{InvoiceNumber: invoice, OnlyChanged: changed, Rebill: rebill, By: by, Reason: reason}
			if items != "" {
				opt.Items = strings.Split(items, ",")
			}
			if invoiceDate != "" {
				d, err := parseDay("invoice-date", invoiceDate)
				if err != nil {
					return err
				}
				opt.InvoiceDate = d
			}
			_, wh, s, err := g.openBilling(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			run, err := reconcile.CreateCorrection(cmd.Context(), wh.DB, s, opt)
			if err != nil {
				return err
			}
			return billingPrintRun(g, run)
		},
	}
	addFormatFlag(cmd, g)
	f := cmd.Flags()
	f.StringVar(&invoice, "invoice", "", "number of the exported invoice to correct")
	f.StringVar(&by, "by", "", "who proposes the correction")
	f.StringVar(&reason, "reason", "", "why (printed on the credit note)")
	f.StringVar(&items, "items", "", "items to credit, comma separated (default: all not credited yet)")
	f.BoolVar(&changed, "changed", false, "credit only items whose hours or rate changed since the invoice")
	f.BoolVar(&rebill, "rebill", false, "add a replacement invoice for the credited work as it is now")
	f.StringVar(&invoiceDate, "invoice-date", "", "date of the credit note (YYYY-MM-DD; default: the day of the last takt run)")
	return cmd
}

type billingLineJSON struct {
	ID              string   `json:"id"`
	Kind            string   `json:"kind"`
	ProjectCode     string   `json:"project_code"`
	Description     string   `json:"description"`
	Hours           *string  `json:"hours"`
	Rate            *string  `json:"rate"`
	Amount          string   `json:"amount"`
	TaxRate         string   `json:"tax_rate"`
	SourceIDs       []string `json:"source_ids"`
	ManuallyChanged bool     `json:"manually_changed"`
}

type billingSkontoJSON struct {
	Percent string `json:"percent"`
	Days    int    `json:"days"`
	Date    string `json:"date"`
	Amount  string `json:"amount"`
}

type billingFxJSON struct {
	Rate   string `json:"rate"`
	Date   string `json:"date"`
	Source string `json:"source"`
}

type billingTaxJSON struct {
	Rate string `json:"rate"`
	Base string `json:"base"`
	Tax  string `json:"tax"`
}

type billingCorrectsJSON struct {
	Number string `json:"number"`
	Date   string `json:"date"`
}

type billingInvoiceJSON struct {
	ID            string               `json:"id"`
	DocType       string               `json:"doc_type"`
	Number        *string              `json:"number"`
	Customer      string               `json:"customer"`
	CustomerID    string               `json:"customer_id"`
	Country       string               `json:"country"`
	VATID         string               `json:"vat_id"`
	Currency      string               `json:"currency"`
	Net           string               `json:"net"`
	Tax           string               `json:"tax"`
	Gross         string               `json:"gross"`
	TaxBreakdown  []billingTaxJSON     `json:"tax_breakdown"`
	ReverseCharge bool                 `json:"reverse_charge"`
	VATCase       string               `json:"vat_case"`
	Notes         []string             `json:"notes"`
	DueDate       string               `json:"due_date"`
	Skonto        *billingSkontoJSON   `json:"skonto"`
	FX            *billingFxJSON       `json:"fx"`
	BaseCurrency  string               `json:"base_currency"`
	BaseNet       *string              `json:"base_net"`
	BaseTax       *string              `json:"base_tax"`
	BaseGross     *string              `json:"base_gross"`
	Corrects      *billingCorrectsJSON `json:"corrects"`
	Lines         []billingLineJSON    `json:"lines"`
	WriteOffs     []billingLineJSON    `json:"write_offs"`
}

type billingAdjustmentJSON struct {
	No     int    `json:"no"`
	Kind   string `json:"kind"`
	LineID string `json:"line_id"`
	Item   string `json:"item"`
	Reason string `json:"reason"`
	By     string `json:"by"`
	At     string `json:"at"`
}

type billingRunJSON struct {
	ID          string                  `json:"id"`
	Kind        string                  `json:"kind"`
	Period      string                  `json:"period"`
	Status      string                  `json:"status"`
	CreatedBy   string                  `json:"created_by"`
	CreatedAt   string                  `json:"created_at"`
	ApprovedBy  string                  `json:"approved_by"`
	InvoiceDate string                  `json:"invoice_date"`
	Reason      string                  `json:"reason,omitempty"`
	Invoices    []billingInvoiceJSON    `json:"invoices"`
	Adjustments []billingAdjustmentJSON `json:"adjustments"`
}

func billingStr(s string) *string { return &s }

func billingToLinesJSON(ls []reconcile.Line) []billingLineJSON {
	out := make([]billingLineJSON, 0, len(ls))
	for _, l := range ls {
		j := billingLineJSON{ID: l.ID, Kind: l.Kind, ProjectCode: l.ProjectCode, Description: l.Description, Amount: money.Fixed(l.Amount, 2),
			TaxRate: money.Fixed(l.TaxRate, 2), SourceIDs: l.SourceIDs(), ManuallyChanged: l.ManuallyChanged}
		if l.Hours.Valid {
			j.Hours = billingStr(money.Fixed(l.Hours.Decimal, 2))
		}
		if l.Rate.Valid {
			j.Rate = billingStr(money.Fixed(l.Rate.Decimal, 2))
		}
		out = append(out, j)
	}
	return out
}

func toBillingRunJSON(r *reconcile.Run) billingRunJSON {
	j := billingRunJSON{ID: r.ID, Kind: r.Kind, Period: r.Period, Status: r.Status, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC().Format(time.RFC3339),
		ApprovedBy: r.ApprovedBy, InvoiceDate: r.InvoiceDate.Format(time.DateOnly), Reason: r.Reason, Invoices: []billingInvoiceJSON{}, Adjustments: []billingAdjustmentJSON{}}
	for _, inv := range r.Invoices {
		ij := billingInvoiceJSON{ID: inv.ID, DocType: inv.DocType, Customer: inv.Customer, CustomerID: inv.CustomerID, Country: inv.Country,
			VATID: inv.VATID, Currency: inv.Currency, Net: money.Fixed(inv.Net, 2), Tax: money.Fixed(inv.Tax, 2), Gross: money.Fixed(inv.Gross, 2),
			ReverseCharge: inv.VATCase == reconcile.VATReverseCharge, VATCase: inv.VATCase, Notes: inv.Notes, DueDate: inv.DueDate.Format(time.DateOnly),
			BaseCurrency: inv.BaseCurrency, Lines: billingToLinesJSON(inv.Lines), WriteOffs: billingToLinesJSON(inv.WriteOffs), TaxBreakdown: []billingTaxJSON{}}
		if ij.Notes == nil {
			ij.Notes = []string{}
		}
		if inv.Number != "" {
			ij.Number = billingStr(inv.Number)
		}
		for _, t := range inv.TaxBreakdown {
			ij.TaxBreakdown = append(ij.TaxBreakdown, billingTaxJSON{Rate: money.Fixed(t.Rate, 2), Base: money.Fixed(t.Base, 2), Tax: money.Fixed(t.Tax, 2)})
		}
		if inv.Skonto != nil {
			ij.Skonto = &billingSkontoJSON{Percent: money.Fixed(inv.Skonto.Percent, 2), Days: inv.Skonto.Days, Date: inv.Skonto.Date.Format(time.DateOnly),
				Amount: money.Fixed(inv.Skonto.Amount, 2)}
		}
		if inv.FX != nil {
			ij.FX = &billingFxJSON{Rate: inv.FX.Rate.StringFixed(6), Date: inv.FX.Date.Format(time.DateOnly), Source: inv.FX.Source}
		}
		if inv.FX != nil || inv.Currency == inv.BaseCurrency {
			ij.BaseNet, ij.BaseTax, ij.BaseGross = billingStr(money.Fixed(inv.BaseNet, 2)), billingStr(money.Fixed(inv.BaseTax, 2)), billingStr(money.Fixed(inv.BaseGross, 2))
		}
		if inv.Corrects != nil {
			ij.Corrects = &billingCorrectsJSON{Number: inv.Corrects.Number, Date: inv.Corrects.Date.Format(time.DateOnly)}
		}
		j.Invoices = append(j.Invoices, ij)
	}
	for _, a := range r.Adjustments {
		j.Adjustments = append(j.Adjustments, billingAdjustmentJSON{No: a.No, Kind: a.Kind, LineID: a.LineID, Item: a.ItemKey, Reason: a.Reason, By: a.Actor,
			At: a.At.UTC().Format(time.RFC3339)})
	}
	return j
}

func billingPrintRun(g *globals, r *reconcile.Run) error {
	if g.format == "json" {
		return writeJSON(g, toBillingRunJSON(r))
	}
	return billingPrintRunTable(g.stdout, r)
}

func billingPrintRunTable(w io.Writer, r *reconcile.Run) error {
	fmt.Fprintf(w, "%s  %s run for %s  %s  created by %s", r.ID, r.Kind, r.Period, strings.ToUpper(r.Status), r.CreatedBy)
	if r.ApprovedBy != "" {
		fmt.Fprintf(w, ", approved by %s", r.ApprovedBy)
	}
	fmt.Fprintf(w, "  invoice date %s\n", r.InvoiceDate.Format(time.DateOnly))
	for _, inv := range r.Invoices {
		fmt.Fprintln(w)
		title := "Invoice"
		if inv.DocType == reconcile.DocCreditNote {
			title = "Credit note for " + inv.Corrects.Number + " of " + inv.Corrects.Date.Format(time.DateOnly)
		}
		num := inv.Number
		if num == "" {
			num = "(number at export)"
		}
		fmt.Fprintf(w, "%s %s  %s  %s  %s\n", title, num, inv.Customer, inv.Currency, inv.VATCase)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  LINE\tKIND\tDESCRIPTION\tHOURS\tRATE\tAMOUNT\tVAT %")
		for _, l := range append(append([]reconcile.Line{}, inv.Lines...), inv.WriteOffs...) {
			h, rt := "", ""
			if l.Hours.Valid {
				h = money.Fixed(l.Hours.Decimal, 2)
			}
			if l.Rate.Valid {
				rt = money.Fixed(l.Rate.Decimal, 2)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, l.Kind, l.Description, h, rt, money.Fixed(l.Amount, 2), money.Fixed(l.TaxRate, 2))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "  net %s  VAT %s  gross %s %s  due %s\n", money.Fixed(inv.Net, 2), money.Fixed(inv.Tax, 2), money.Fixed(inv.Gross, 2),
			inv.Currency, inv.DueDate.Format(time.DateOnly))
		if inv.FX != nil {
			fmt.Fprintf(w, "  = %s %s at %s (%s, %s)\n", money.Fixed(inv.BaseGross, 2), inv.BaseCurrency, inv.FX.Rate.String(),
				inv.FX.Source, inv.FX.Date.Format(time.DateOnly))
		}
		for _, n := range inv.Notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
	for _, a := range r.Adjustments {
		what := "line " + a.LineID
		switch {
		case a.ItemKey != "" && a.LineID != "":
			what = a.ItemKey + " (line " + a.LineID + ")"
		case a.ItemKey != "":
			what = a.ItemKey
		}
		fmt.Fprintf(w, "\nAdjustment %d: %s of %s by %s: %s\n", a.No, a.Kind, what, a.Actor, a.Reason)
	}
	return nil
}
