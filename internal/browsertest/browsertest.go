// Package browsertest holds what the tests that drive Chromium through chromedp
// (e2e, faults) share: a browser of a test's own, tabs whose uncaught errors fail
// the test, and names unique to a test run.
package browsertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patchies/patchkv/internal/browser"
)

// Start launches a browser of the test's own on profile dir (a fresh temporary
// profile when empty), closed at cleanup or earlier by calling the returned
// function, which is then a no-op at cleanup. It fails the test when Chromium
// does not start.
func Start(tb testing.TB, profile string, extra ...chromedp.ExecAllocatorOption) (context.Context, func()) {
	tb.Helper()
	ctx, cancel, err := browser.Start(context.Background(), profile, extra...)
	require.NoError(tb, err, "starting Chromium")
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if profile != "" {
				// Chromium's helper processes outlive the browser by a moment and
				// still write to the profile: a t.TempDir profile would then
				// fail its cleanup with "directory not empty".
				waitProfileReleased(profile, 10*time.Second)
			}
		})
	}
	tb.Cleanup(stop)
	return ctx, stop
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// UniqueID returns prefix, the test's name in lower case, and random hex: an id
// (a patch id, say) that no other test and no other run uses, so that tests
// sharing a browser profile never see each other's data.
func UniqueID(tb testing.TB, prefix string) string {
	tb.Helper()
	b := make([]byte, 4)
	_, err := rand.Read(b)
	require.NoError(tb, err)
	return prefix + strings.ToLower(strings.Trim(nonAlnum.ReplaceAllString(tb.Name(), "-"), "-")) + "-" + hex.EncodeToString(b)
}

// Tab is a browser tab of a test: its uncaught errors fail the test at cleanup,
// and what it logged is shown when the test fails.
type Tab struct {
	// Ctx is the tab's chromedp context.
	Ctx context.Context

	mu         sync.Mutex
	exceptions []string
	console    []string
}

// OpenTab opens a new tab in browserCtx; also, when set, receives every event
// of the tab. At cleanup the tab closes, after the events it sent before have
// been handled.
func OpenTab(tb testing.TB, browserCtx context.Context, also func(ev any)) *Tab {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	t := &Tab{Ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			t.mu.Lock()
			t.exceptions = append(t.exceptions, browser.ExceptionText(e.ExceptionDetails))
			t.mu.Unlock()
		case *runtime.EventConsoleAPICalled:
			t.mu.Lock()
			t.console = append(t.console, browser.ConsoleText(e))
			t.mu.Unlock()
		}
		if also != nil {
			also(ev)
		}
	})
	tb.Cleanup(func() {
		// One round trip, so that events the page sent before it are all handled.
		flush, stop := context.WithTimeout(ctx, 5*time.Second)
		_ = chromedp.Run(flush, chromedp.Evaluate(`true`, nil))
		stop()
		t.mu.Lock()
		defer t.mu.Unlock()
		assert.Empty(tb, t.exceptions, "uncaught errors in the page")
		if tb.Failed() {
			for _, line := range t.console {
				tb.Log("console:", line)
			}
		}
		cancel()
	})
	// The first Run opens the tab and ties it to the context it gets: give it the
	// tab's own context, not one with a timeout that would close the tab.
	require.NoError(tb, chromedp.Run(ctx), "opening a tab")
	return t
}

// Console returns what the page has logged so far.
func (t *Tab) Console() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.console...)
}

// Eval evaluates expr in the tab (awaiting a Promise) into out, within timeout.
func (t *Tab) Eval(timeout time.Duration, expr string, out any) error {
	ctx, cancel := context.WithTimeout(t.Ctx, timeout)
	defer cancel()
	return browser.Evaluate(ctx, expr, out)
}

// Lit quotes v as a JavaScript literal (JSON is one).
func Lit(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// RepoRoot returns the repository root (the parent of the test's package) and
// fails the test when one of the built files it names is missing.
func RepoRoot(tb testing.TB, files ...string) string {
	tb.Helper()
	root, err := filepath.Abs("..")
	require.NoError(tb, err)
	for _, f := range files {
		_, err := os.Stat(filepath.Join(root, f))
		require.NoErrorf(tb, err, "%s is missing: run ./build.sh (or ./build.sh test) first", f)
	}
	return root
}

// waitProfileReleased waits until no process has profile in its command line, or
// until timeout.
func waitProfileReleased(profile string, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !profileInUse(profile) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func profileInUse(profile string) bool {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), profile) {
			return true
		}
	}
	return false
}
