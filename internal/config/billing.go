package config

// Billing configures draft billing runs, under "billing:" in takt.yaml.
type Billing struct{}

func (v *validator) checkBilling(c *Billing) {}
