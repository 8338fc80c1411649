package config

// Incidents configures automatic incidents, under "incidents:" in takt.yaml.
type Incidents struct{}

func (v *validator) checkIncidents(c *Incidents) {}
