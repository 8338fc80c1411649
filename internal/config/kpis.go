package config

// KPIs configures KPI baselines and targets, under "kpis:" in takt.yaml.
type KPIs struct{}

func (v *validator) checkKPIs(c *KPIs) {}
