package config

import (
	"strings"
	"testing"
)

const billingBase = `company: {name: X GmbH, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
sources: {files: {dir: imports}}
`

func TestBillingSection(t *testing.T) {
	cfg, err := Parse("takt.yaml", []byte(billingBase+`billing:
  seller_vat_id: de 123.456.789
  skonto: {percent: "2", days: 10}
  customers:
    - customer_id: hubspot:1
      payment_terms_days: 14
`))
	if err != nil {
		t.Fatal(err)
	}
	b := cfg.Billing
	if b.SellerVATID != "DE123456789" || b.Skonto.Percent != "2" || b.Skonto.Days != 10 || !b.CapsAtBudget() || b.Customers[0].PaymentTermsDays != 14 {
		t.Errorf("billing = %+v", b)
	}
	for text, want := range map[string]string{
		"billing:\n  skonto: {percent: \"120\", days: 10}\n":                         `takt.yaml:4: billing.skonto.percent: "120" is not a cash discount`,
		"billing:\n  payment_terms_days: 20\n  skonto: {percent: \"2\", days: 30}\n": "billing.skonto.days: 30 is out of range",
		"billing:\n  seller_vat_id: \"12\"\n":                                        `billing.seller_vat_id: "12" is not a VAT id`,
		"billing:\n  xero: {tax_types: {export: ZERO}}\n":                            `billing.xero.tax_types: "export" is not a VAT case`,
		"billing:\n  customers: [{payment_terms_days: 10}]\n":                        "entry 1 has no customer_id",
	} {
		_, err := Parse("takt.yaml", []byte(billingBase+text))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %s", text, err, want)
		}
	}
}
