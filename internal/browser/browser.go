// Package browser starts Debian's headless Chromium for the native (host) tests and
// benchmarks that drive pages through chromedp.
//
// Every caller gets the same flags: headless, no network chatter (the machines have
// no internet, and Chromium's background fetches only fail), a fresh or given profile.
// A missing Chromium is an error, never a skip: ./build.sh installs it.
package browser

import (
	"context"
	"errors"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// ErrNoChromium is returned by Path when no Chromium binary can be found.
var ErrNoChromium = errors.New("browser: Chromium not found: run ./build.sh deps or set CHROMIUM")

// Path returns the Chromium binary: $CHROMIUM when set, else chromium on PATH.
// It errors with ErrNoChromium when there is none.
func Path() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Options returns the allocator options for a headless Chromium whose profile lives
// in userDataDir (an empty string gives a fresh temporary profile). chromedp adds
// --no-sandbox by itself when running as root.
func Options(userDataDir string, extra ...chromedp.ExecAllocatorOption) ([]chromedp.ExecAllocatorOption, error) {
	path, err := Path()
	if err != nil {
		return nil, err
	}
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts,
		chromedp.ExecPath(path),
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
	)
	if userDataDir != "" {
		opts = append(opts, chromedp.UserDataDir(userDataDir))
	}
	return append(opts, extra...), nil
}

// Start launches Chromium and returns a browser context (its first tab) and a
// function that closes the browser. The process ends when parent is cancelled too.
func Start(parent context.Context, userDataDir string, extra ...chromedp.ExecAllocatorOption) (context.Context, context.CancelFunc, error) {
	opts, err := Options(userDataDir, extra...)
	if err != nil {
		return nil, nil, err
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	if err := chromedp.Run(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		return nil, nil, err
	}
	return ctx, func() { cancelCtx(); cancelAlloc() }, nil
}
