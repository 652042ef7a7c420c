//go:build !js

package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/chromedp"
)

// Filling 100,000 keys takes IndexedDB several seconds per implementation, most of
// a round. So the bulk scope of each implementation's "bench-big" patch is filled
// once per run, in a seed profile that is closed cleanly and then copied into each
// round's new profile directory, without its caches: every round still starts a
// new browser whose HTTP cache and compiled-code cache are empty.

// seedProfile fills the bulk scopes and returns the closed profile's directory
// ("" when there is nothing to seed) and the fill time per implementation.
func seedProfile(cfg config, base string) (string, map[string]result, error) {
	if cfg.bulk == 0 {
		return "", nil, nil
	}
	dir, err := os.MkdirTemp("", "patchkv-bench-seed-")
	if err != nil {
		return "", nil, err
	}
	ctx, stop, err := startBrowser(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	closed := false
	defer func() {
		if !closed {
			stop()
		}
	}()
	if err := chromedp.Run(ctx, chromedp.Navigate(base+"/bench/page.html"), evalAwait(`window.benchLoaded`, nil)); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("seed: loading bench/page.html: %w", err)
	}
	fills := map[string]result{}
	w := workload{id: "seed", js: "seedBulk", patch: "bench-big", params: map[string]any{"bulk": cfg.bulk}}
	for _, impl := range cfg.impls {
		out, err := runWorkload(ctx, cfg, w, impl)
		if err != nil {
			// Not fatal: prepScan fills what the seed lacks, round by round.
			logf("seed %-10s error: %s", impl, errText(err))
			continue
		}
		fills[impl] = out
		logf("seed %-10s %s keys in %.0f ms", impl, count(cfg.bulk), out.MS)
	}
	stop() // a clean close writes everything out before the copies
	closed = true
	return dir, fills, nil
}

// skipInProfileCopy names what a round's profile must not inherit from the seed:
// caches (a warm cache would make the cold start warm) and the running browser's
// lock files.
func skipInProfileCopy(name string) bool {
	switch name {
	case "Cache", "Code Cache", "GPUCache", "GrShaderCache", "ShaderCache", "GraphiteDawnCache",
		"DawnGraphiteCache", "DawnWebGPUCache", "GPUPersistentCache", "component_crx_cache", "Service Worker":
		return true
	}
	return strings.HasPrefix(name, "Singleton")
}

// copyProfile copies the seed profile src into the empty directory dst.
func copyProfile(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil || rel == "." {
			return err
		}
		if skipInProfileCopy(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o700)
		case d.Type().IsRegular():
			return copyFile(path, target)
		}
		return nil // symlinks and sockets belong to the closed browser
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
