// Package browsertest holds what the tests that drive Chromium through chromedp
// (e2e, faults) share: a browser of a test's own, and names unique to a test run.
package browsertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
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
	stop := func() { once.Do(cancel) }
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
