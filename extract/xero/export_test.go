package xero

import "time"

// SetClock makes the connector's token cache read time from now, so tests
// can move past a token's expiry without waiting.
func SetClock(c *Connector, now func() time.Time) { c.api.tokens.now = now }
