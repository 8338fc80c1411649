package pipeline

import (
	"context"
	"time"

	"github.com/takt-billing/takt/extract/httpapi"
)

// WaitProgress is a Progress that also shows the waits of a stream's
// requests: for the vendor's rate limits ("throttled", "rate_limited") and
// before retries ("server_error", "transport_error").
type WaitProgress interface {
	Waited(source, stream, reason string, d time.Duration)
}

// streamContext returns the context a stream is extracted with: the
// shared HTTP client reports the waits of the stream's requests to the
// progress display, on the stream's own line.
func (p *Pipeline) streamContext(ctx context.Context, source, stream string) context.Context {
	wp, ok := p.Progress.(WaitProgress)
	if !ok {
		return ctx
	}
	return httpapi.WithWaitObserver(ctx, func(reason string, d time.Duration) {
		wp.Waited(source, stream, reason, d)
	})
}
