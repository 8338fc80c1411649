package reconcile

import (
	"context"
	"strings"

	"github.com/takt-billing/takt/extract/xero"
)

// XeroAccounts map a run's VAT cases to the Xero organisation's tax types
// and revenue accounts, and name the tracking category lines are tracked
// to by project code.
type XeroAccounts struct {
	TaxTypes         map[string]string // by VAT case
	AccountCodes     map[string]string // by VAT case
	TrackingCategory string
}

// DefaultXeroAccounts are those of a German Xero organisation (SKR03
// revenue accounts), as the demo company keeps its books.
var DefaultXeroAccounts = XeroAccounts{
	TaxTypes:         map[string]string{VATDomestic: "OUTPUT", VATReverseCharge: "ECZROUTPUTSERVICES", VATNonEU: "ZERORATEDOUTPUT"},
	AccountCodes:     map[string]string{VATDomestic: "8400", VATReverseCharge: "8336", VATNonEU: "8338"},
	TrackingCategory: "Project",
}

// XeroSender exports a run's invoices and credit notes as Xero drafts.
type XeroSender struct {
	Sender   *xero.Sender
	Accounts XeroAccounts
}

// Batches splits invs into Xero's requests (xero.Batches): consecutive
// documents of one type, up to 50 and 3.5 MB each.
func (x XeroSender) Batches(run *Run, invs []Invoice) ([][]Invoice, error) {
	split, err := xero.Batches(x.documents(run, invs))
	if err != nil {
		return nil, err
	}
	out := make([][]Invoice, 0, len(split))
	at := 0
	for _, b := range split {
		out = append(out, invs[at:at+len(b)])
		at += len(b)
	}
	return out, nil
}

// Send creates a batch as drafts in Xero in one request with key.
func (x XeroSender) Send(ctx context.Context, run *Run, batch []Invoice, key string) ([]Sent, error) {
	res, err := x.Sender.Put(ctx, x.documents(run, batch), key)
	if err != nil {
		return nil, err
	}
	out := make([]Sent, len(res))
	for i, r := range res {
		out[i] = Sent{ExternalID: r.ID, Refused: strings.Join(r.Refused, "; ")}
	}
	return out, nil
}

// documents are the drafts of invs.
func (x XeroSender) documents(run *Run, invs []Invoice) []xero.DraftDocument {
	docs := make([]xero.DraftDocument, len(invs))
	for i, inv := range invs {
		docs[i] = XeroDocument(run, inv, x.Accounts)
	}
	return docs
}

// XeroDocument maps an invoice of a run to the draft Xero creates: its
// number, the run id as reference, one Xero line per line (hours x rate,
// or a quantity of 1 at the amount for lines without hours or edited to
// an amount of their own), each tracked to its project.
func XeroDocument(run *Run, inv Invoice, acc XeroAccounts) xero.DraftDocument {
	d := xero.DraftDocument{
		Type: xero.TypeSalesInvoice, ContactID: inv.XeroContactID, ContactName: inv.Customer, Date: run.InvoiceDate, DueDate: inv.DueDate,
		Number: inv.Number, Reference: run.ID, Currency: inv.Currency,
	}
	if inv.DocType == DocCreditNote {
		d.Type = xero.TypeSalesCreditNote
		d.DueDate = d.Date
		if inv.Corrects != nil {
			d.Reference = inv.Corrects.Number
		}
	}
	if inv.FX != nil {
		d.CurrencyRate = inv.FX.Rate
	}
	for _, l := range inv.Lines {
		dl := xero.DraftLine{Description: l.Description, Quantity: one, UnitAmount: l.Amount, LineAmount: l.Amount,
			TaxType: acc.TaxTypes[inv.VATCase], AccountCode: acc.AccountCodes[inv.VATCase]}
		if l.Hours.Valid && l.Rate.Valid && round2(l.Hours.Decimal.Mul(l.Rate.Decimal)).Equal(l.Amount) {
			dl.Quantity, dl.UnitAmount = l.Hours.Decimal, l.Rate.Decimal
		}
		if l.ProjectCode != "" && acc.TrackingCategory != "" {
			dl.TrackingName, dl.TrackingOption = acc.TrackingCategory, l.ProjectCode
		}
		d.Lines = append(d.Lines, dl)
	}
	return d
}
