package config

import (
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/money"
)

// Billing configures draft billing runs, under "billing:" in takt.yaml:
// the firm's VAT id, payment terms and cash discount (Skonto), invoice
// numbers, the texts printed on invoices, and how runs are exported to
// Xero.
type Billing struct {
	// SellerVATID is the firm's own VAT id, printed on reverse-charge
	// invoices (required to approve one).
	SellerVATID string `yaml:"seller_vat_id"`
	// PaymentTermsDays is the net term of takt's invoices; default
	// company.payment_terms_days.
	PaymentTermsDays int `yaml:"payment_terms_days"`
	// Skonto is the cash discount offered on every invoice; none by default.
	Skonto Skonto `yaml:"skonto"`
	// NumberPrefix starts takt's invoice numbers ("{year}" is the invoice
	// year); default "TK-{year}-", followed by a four-digit sequence.
	NumberPrefix string `yaml:"number_prefix"`
	// CapAtBudget bills a project's time only up to its remaining budget
	// and proposes the rest for write-off; default true.
	CapAtBudget *bool `yaml:"cap_at_budget"`
	// Texts override the notes printed on invoices.
	Texts BillingTexts `yaml:"texts"`
	// Customers override payment terms per customer (customer ids as
	// `takt unbilled --format json` shows them).
	Customers []BillingCustomer `yaml:"customers"`
	// Xero maps VAT cases to the organisation's tax types and accounts.
	Xero BillingXero `yaml:"xero"`
}

// Skonto is a cash discount: Percent off the gross if paid within Days.
type Skonto struct {
	Percent string `yaml:"percent"`
	Days    int    `yaml:"days"`
}

// BillingTexts are invoice note templates; see reconcile.Texts for the
// placeholders.
type BillingTexts struct {
	PaymentTerms       string `yaml:"payment_terms"`
	PaymentTermsSkonto string `yaml:"payment_terms_skonto"`
	ReverseCharge      string `yaml:"reverse_charge"`
	NonEU              string `yaml:"non_eu"`
	CreditNote         string `yaml:"credit_note"`
}

// BillingCustomer overrides the terms of one customer.
type BillingCustomer struct {
	CustomerID       string `yaml:"customer_id"`
	PaymentTermsDays int    `yaml:"payment_terms_days"`
	Skonto           Skonto `yaml:"skonto"`
}

// BillingXero maps VAT cases (domestic, reverse_charge, non_eu) to Xero
// tax types and revenue accounts, and names the tracking category of
// projects.
type BillingXero struct {
	TaxTypes         map[string]string `yaml:"tax_types"`
	AccountCodes     map[string]string `yaml:"account_codes"`
	TrackingCategory string            `yaml:"tracking_category"`
}

// CapsAtBudget reports whether runs cap time at the remaining budget.
func (b Billing) CapsAtBudget() bool { return b.CapAtBudget == nil || *b.CapAtBudget }

var (
	vatIDRe        = regexp.MustCompile(`^[A-Z]{2}[A-Z0-9]{2,13}$`)
	numberPrefixRe = regexp.MustCompile(`^[A-Za-z0-9{}/_-]{0,20}$`)
	vatCases       = map[string]bool{"domestic": true, "reverse_charge": true, "non_eu": true}
)

func (v *validator) checkBilling(c *Billing) {
	if c.SellerVATID != "" {
		c.SellerVATID = strings.ToUpper(strings.NewReplacer(" ", "", ".", "", "-", "").Replace(c.SellerVATID))
		if !vatIDRe.MatchString(c.SellerVATID) {
			v.fail("billing.seller_vat_id", "%q is not a VAT id; expected the country prefix and number like DE123456789", c.SellerVATID)
		}
	}
	if c.PaymentTermsDays < 0 || c.PaymentTermsDays > 365 {
		v.fail("billing.payment_terms_days", "%d is out of range; expected days between 0 and 365", c.PaymentTermsDays)
	}
	v.checkSkonto("billing.skonto", c.Skonto, c.PaymentTermsDays)
	if !numberPrefixRe.MatchString(c.NumberPrefix) {
		v.fail("billing.number_prefix", "%q is not a number prefix; expected up to 20 letters, digits, - _ / and {year}, like TK-{year}-", c.NumberPrefix)
	}
	seen := map[string]bool{}
	for i, cu := range c.Customers {
		key := "billing.customers"
		if strings.TrimSpace(cu.CustomerID) == "" {
			v.fail(key, "entry %d has no customer_id; expected an id like hubspot:123 (see `takt unbilled --format json`)", i+1)
			continue
		}
		if seen[cu.CustomerID] {
			v.fail(key, "customer %s is listed twice", cu.CustomerID)
		}
		seen[cu.CustomerID] = true
		if cu.PaymentTermsDays < 0 || cu.PaymentTermsDays > 365 {
			v.fail(key, "customer %s: payment_terms_days %d is out of range; expected days between 0 and 365", cu.CustomerID, cu.PaymentTermsDays)
		}
		v.checkSkonto(key, cu.Skonto, cu.PaymentTermsDays)
	}
	for _, m := range []struct {
		key  string
		vals map[string]string
	}{{"billing.xero.tax_types", c.Xero.TaxTypes}, {"billing.xero.account_codes", c.Xero.AccountCodes}} {
		for k := range m.vals {
			if !vatCases[k] {
				v.fail(m.key, "%q is not a VAT case; expected domestic, reverse_charge or non_eu", k)
			}
		}
	}
}

func (v *validator) checkSkonto(key string, s Skonto, netDays int) {
	if s.Percent == "" && s.Days == 0 {
		return
	}
	p, err := money.Parse(s.Percent)
	if err != nil || !p.IsPositive() || p.GreaterThanOrEqual(decimal.NewFromInt(100)) {
		v.fail(key+".percent", "%q is not a cash discount; expected a percentage above 0 and below 100 like \"2\"", s.Percent)
	}
	if s.Days < 1 || (netDays > 0 && s.Days >= netDays) {
		v.fail(key+".days", "%d is out of range; expected at least 1 day and fewer than the payment term", s.Days)
	}
}
