//go:build js && wasm

package main

import (
	_ "embed"
	"runtime"
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The kv behaviour a single caller sees (keys, values, order, scopes, errors) is the
// contract suite's (internal/contract/cases, run here through the js.Func entry by
// TestContract). The tests below need the module's insides: its registry and
// connections, a forced panic, Go's memory statistics, a second registry as
// another tab would have, a shortened blocked-upgrade bound.

// kvJS holds the scripts of the tests below.
//
//go:embed testdata/kv.js
var kvJS string

// TestResolvedWritesAreCommitted closes every connection of the patch and opens it
// anew through the registry: what resolved is there. (That another connection sees
// it at once is the contract case "a resolved write is visible to another
// connection at once".)
func TestResolvedWritesAreCommitted(t *testing.T) {
	patch := uniquePatch(t)
	kv := openPatch(t, patch)
	mustRunFixture(t, kvJS, "resolvedWritesSet", map[string]any{"kv": kv})
	for _, r := range defaultRegistry.roots {
		if r.db.Patch() == patch {
			r.db.Close()
		}
	}
	delete(defaultRegistry.roots, patch)
	again := openPatch(t, patch)
	assert.False(t, again.Equal(kv), "a new root after the registry forgot the patch")
	mustRunFixture(t, kvJS, "resolvedWritesCheck", map[string]any{"kv": again})
}

func TestOneFailureRejectsOnlyItsCall(t *testing.T) {
	kv := openKV(t)
	setTestHook(t, func(method string) {
		if method == "kv.get" {
			panic("forced failure")
		}
	})
	_, err := runFixture(t, kvJS, "getA", map[string]any{"kv": kv})
	testHook = nil
	require.Error(t, err)
	assert.Contains(t, err.Error(), "forced failure")
	mustRunFixture(t, kvJS, "setThenGetA", map[string]any{"kv": kv})
}

func TestBinaryValuesAreNotCopiedIntoGoMemory(t *testing.T) {
	kv := openKV(t)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	mustRunFixture(t, kvJS, "binaryRoundTrip", map[string]any{"kv": kv})
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grown := int64(after.Sys) - int64(before.Sys)
	t.Logf("Go memory grew by %d KiB for a 64 MiB ArrayBuffer and Blob round trip", grown>>10)
	assert.LessOrEqual(t, grown, int64(4<<20))
}

func TestSecondConnectionCreatingScopesConcurrently(t *testing.T) {
	patch := uniquePatch(t)
	a := openPatch(t, patch)
	b := openSecondConnection(t, patch, idbOptionsForTests())
	got := mustRunFixture(t, kvJS, "scopesFromTwoConnections", map[string]any{"a": a, "b": b})
	assert.Equal(t, "380:41", got.String())
}

func TestWorkerConnectionDuringUpgrades(t *testing.T) {
	got := runOnNewPatch(t, "workerDuringUpgrades")
	assert.Equal(t, "200:200:31", got.String())
}

// runOnNewPatch runs method of kvJS with {kv, patch}: the root kv of a new
// patch and its id.
func runOnNewPatch(t *testing.T, method string) js.Value {
	patch := uniquePatch(t)
	kv := openPatch(t, patch)
	return mustRunFixture(t, kvJS, method, map[string]any{"kv": kv, "patch": patch})
}

// TestUpgradeLockIsLeasedThenLetGo: upgrades one after another share one request
// of the upgrade lock (each request slowed the open after it by 4-5 ms), and the
// lock is let go soon after the last, so other contexts' upgrades are not held up.
func TestUpgradeLockIsLeasedThenLetGo(t *testing.T) {
	got := runOnNewPatch(t, "upgradeLockLease")
	requests, free := got.Get("requests").Int(), got.Get("free").Float()
	t.Logf("5 upgrades: %d lock requests; the lock was free %.1f ms after the last", requests, free)
	assert.Less(t, requests, 5, "upgrades right after another reuse the held lock")
	assert.Less(t, free, 1000.0, "the lock is let go once upgrades stop")
}

// TestUpgradeLockYieldsToWaiters: a context creating scopes one after another
// keeps the lock between them, yet another context that asks for it meanwhile
// gets it before the sequence ends.
func TestUpgradeLockYieldsToWaiters(t *testing.T) {
	got := runOnNewPatch(t, "upgradeLockYields")
	after, total := got.Get("grantedAfter").Int(), got.Get("total").Int()
	t.Logf("the other request was granted after %d of %d upgrades (asked after 3)", after, total)
	assert.Less(t, after, total, "another request is granted while upgrades go on")
}

func TestBlockedUpgradeWaitsThenSucceeds(t *testing.T) {
	patch := uniquePatch(t)
	kv := openSecondConnection(t, patch, idbOptionsForTests())
	got := mustRunFixture(t, kvJS, "blockedUpgradeWaits", map[string]any{"kv": kv, "patch": patch})
	assert.Equal(t, "v", got.String())
	assert.Equal(t, 1, blockedWarnings(patch), "progress is reported once")
}

func TestBlockedUpgradeGivesUpAfterTheBound(t *testing.T) {
	patch := uniquePatch(t)
	kv := openSecondConnection(t, patch, idbOptionsForTests())
	_, err := runFixture(t, kvJS, "blockedUpgradeHeld", map[string]any{"kv": kv, "patch": patch})
	require.Error(t, err)
	assert.Equal(t, "TimeoutError", errName(err))
	assert.Contains(t, err.Error(), "did not")
	// Once the holder lets go, the same write works.
	mustRunFixture(t, kvJS, "blockedUpgradeReleased", map[string]any{"kv": kv})
	mustRunFixture(t, kvJS, "seedIsKept", map[string]any{"kv": kv})
}

// TestCallsBehindAnUpgradeThatNeverEndsSettle: while another context's upgrade
// keeps its versionchange transaction busy, the browser leaves kv's open request
// without any event; the call waiting for it rejects with a TimeoutError after the
// bound instead of staying pending, and calls work again once that upgrade ends.
func TestCallsBehindAnUpgradeThatNeverEndsSettle(t *testing.T) {
	patch := uniquePatch(t)
	kv := openSecondConnection(t, patch, idbOptionsForTests())
	v, err := runFixture(t, kvJS, "upgradeNeverEnds", map[string]any{"kv": kv, "patch": patch})
	require.Error(t, err, "%v", v)
	assert.Equal(t, "TimeoutError", errName(err))
	assert.Contains(t, err.Error(), "did not answer")
	waited := mustRunFixture(t, kvJS, "upgradeEnded", map[string]any{"kv": kv}).Float()
	t.Logf("the call rejected after %.0f ms (bound 4000 ms)", waited)
	assert.GreaterOrEqual(t, waited, 3900.0, "it waited for the bound")
}

// TestReentrantCallFromGetter runs testscripts.Reentrant through the js.Func
// entry (faults/values_test.go runs it through the loader's exported entry).
