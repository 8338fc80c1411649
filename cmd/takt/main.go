// Command takt turns a services firm's delivered work into correct, timely
// invoices: it snapshots HubSpot, Harvest, Xero and export files into a
// DuckDB warehouse, reconciles approved work against invoices, computes
// KPIs and writes reports. Run `takt --help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// exitError carries a process exit code with a message already shown.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err == nil {
		return
	}
	var ee exitError
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	fmt.Fprintln(os.Stderr, "takt:", err)
	os.Exit(1)
}
