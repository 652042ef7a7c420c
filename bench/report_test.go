//go:build !js

package main

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		in   []float64
		want float64
	}{
		{"odd", []float64{3, 1, 2}, 2},
		{"even", []float64{4, 1, 3, 2}, 2.5},
		{"skips missing rounds", []float64{nan, 5, nan, 1, 3}, 3},
		{"one", []float64{7}, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := median(tc.in); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if got := median([]float64{nan, nan}); !math.IsNaN(got) {
		t.Errorf("median of nothing: got %v, want NaN", got)
	}
}

func TestSpeedVsRawIsPerRound(t *testing.T) {
	// Round 2 is slow for both: per-round ratios stay 2, while a ratio of medians
	// would be 20/10 = 2 too but 15/… would drift; a missing kv round is skipped.
	res := newResults(3)
	for r, ms := range []float64{10, 100, 12} {
		res.add(implRaw, "set", r, result{MS: ms, Ops: 1})
	}
	res.add(implKV, "set", 0, result{MS: 5, Ops: 1})
	res.add(implKV, "set", 1, result{MS: 50, Ops: 1})
	res.fail(implKV, "set", 2, errors.New("boom\nstack"))
	if got := speedVsRaw(res, implKV, "set"); got != 2 {
		t.Errorf("got %v, want 2", got)
	}
	if got := res.lookup(implKV, "set").errs["boom"]; !slices.Equal(got, []int{3}) {
		t.Errorf("errors: got %#v, want round 3 under %q", got, "boom")
	}
	if got := timeRatio(res, implKV, "set", implRaw, "set"); got != 0.5 {
		t.Errorf("time ratio: got %v, want 0.5", got)
	}
}

func TestRotate(t *testing.T) {
	s := []string{"a", "b", "c"}
	for k, want := range [][]string{{"a", "b", "c"}, {"b", "c", "a"}, {"c", "a", "b"}, {"a", "b", "c"}} {
		if got := rotate(s, k); !slices.Equal(got, want) {
			t.Errorf("rotate(%d): got %#v, want %#v", k, got, want)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d): got %q, want %q", n, got, want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-quick", "-rounds", "3", "-impls", "kv"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.rounds != 3 || cfg.small != 200 || cfg.bulk != 20000 {
		t.Errorf("quick with -rounds 3: got rounds %d, n %d, bulk %d; want 3, 200, 20000", cfg.rounds, cfg.small, cfg.bulk)
	}
	if !slices.Equal(cfg.impls, []string{implRaw, implKV}) {
		t.Errorf("impls: got %#v, want raw always first", cfg.impls)
	}
	if _, err := parseFlags([]string{"-impls", "localStorage"}); err == nil {
		t.Error("unknown implementation: got no error")
	}
}

// TestReportShape checks that the table has the same lines with or without data.
func TestReportShape(t *testing.T) {
	cfg, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	ws := workloads(cfg)
	render := func(res *results) []string {
		var b strings.Builder
		report(&b, environment{root: t.TempDir(), cfg: cfg, elapsed: time.Second}, ws, res)
		return strings.Split(b.String(), "\n")
	}
	full := newResults(cfg.rounds)
	for _, w := range append(ws, coldRows...) {
		for _, impl := range append(cfg.impls, coldRef) {
			for r := 0; r < cfg.rounds; r++ {
				full.add(impl, w.id, r, result{MS: float64(10 + r), Ops: 1, Bytes: 1 << 20})
			}
		}
	}
	a, b := render(newResults(cfg.rounds)), render(full)
	if len(a) != len(b) {
		t.Fatalf("got %d lines without data, %d with data", len(a), len(b))
	}
	for i := range a {
		if strings.Contains(a[i], "set, awaited") != strings.Contains(b[i], "set, awaited") {
			t.Errorf("line %d differs in kind: %q vs %q", i, a[i], b[i])
		}
	}
}
