package config

// Identities configures pinned cross-system identities, under "identities:" in takt.yaml.
type Identities struct{}

func (v *validator) checkIdentities(c *Identities) {}
