package reports

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds the browser, or fails the test with how to install it:
// the pages are only proven in a real browser.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	t.Fatal("Chromium is not installed; the page tests run the pages in headless Chromium. " +
		"Install it with `apt-get install -y chromium` (Debian; CI does the same) and run the test again.")
	return ""
}

// pageProblems collects what must not happen on the page: console errors and
// warnings, uncaught exceptions, dialogs (an alert means injected script
// ran), and the URLs the page requested.
type pageProblems struct {
	mu       sync.Mutex
	problems []string
	requests []string
}

func (pp *pageProblems) add(list *[]string, s string) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	*list = append(*list, s)
}

func (pp *pageProblems) listen(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning ||
				ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				pp.add(&pp.problems, "console "+string(ev.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			pp.add(&pp.problems, "uncaught exception: "+text)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				pp.add(&pp.problems, "browser log "+string(ev.Entry.Level)+": "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *page.EventJavascriptDialogOpening:
			pp.add(&pp.problems, "dialog: "+ev.Message)
			// A dialog blocks the page; close it from outside the listener.
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{})
		case *network.EventRequestWillBeSent:
			pp.add(&pp.requests, ev.Request.URL)
		}
	})
	if err != nil {
		t.Fatalf("listen to the page: %v", err)
	}
}
