//go:build js && wasm

package main

import (
	"context"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/patchies/patchkv/idb"
	"github.com/patchies/patchkv/idb/goapi"
)

// The tests in this package drive the registered JavaScript API (globalThis.patchkv
// and the kv objects it hands out) the way a page does, in headless Chromium with
// its real IndexedDB. JavaScript snippets run as async function bodies so that
// "issued in the same task, not awaited" means exactly that.

func TestMain(m *testing.M) {
	register()
	os.Exit(m.Run())
}

// uniquePatch returns a patch id no other test uses and deletes its database at
// the end of the test.
func uniquePatch(tb testing.TB) string {
	tb.Helper()
	name := strings.NewReplacer("/", "-", " ", "_").Replace(tb.Name())
	patch := fmt.Sprintf("test-%s-%d", name, rand.Uint64())
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = goapi.DeleteDatabase(ctx, patch)
	})
	return patch
}

// openKV opens the root kv of a fresh patch through globalThis.patchkv.open.
func openKV(tb testing.TB) js.Value {
	tb.Helper()
	return openPatch(tb, uniquePatch(tb))
}

func openPatch(tb testing.TB, patch string) js.Value {
	tb.Helper()
	kv, err := await(js.Global().Get("patchkv").Call("open", patch))
	require.NoError(tb, err)
	return kv
}

// openSecondConnection opens patch through a separate registry: a second root and
// IndexedDB connection in the same page, as another tab would have.
func openSecondConnection(tb testing.TB, patch string, opts idb.Options) js.Value {
	tb.Helper()
	reg := &registry{roots: map[string]*root{}, opts: opts}
	kv, err := await(reg.open(js.ValueOf(patch), js.Undefined()))
	require.NoError(tb, err)
	tb.Cleanup(func() {
		for _, r := range reg.roots {
			r.db.Close()
		}
	})
	return kv
}

// rejection is a rejection seen from Go: the JavaScript error's name and message.
type rejection struct {
	Name, Message string
	Value         js.Value
}

func (e *rejection) Error() string { return e.Name + ": " + e.Message }

// await waits for a Promise (or returns a plain value as is).
func await(p js.Value) (js.Value, error) {
	if p.Type() != js.TypeObject || p.Get("then").Type() != js.TypeFunction {
		return p, nil
	}
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	ok := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	defer ok.Release()
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		je := &rejection{Value: e, Name: "(non-error)", Message: js.Global().Get("String").Invoke(e).String()}
		if e.Type() == js.TypeObject {
			je.Name, je.Message = e.Get("name").String(), e.Get("message").String()
		}
		ch <- result{err: je}
		return nil
	})
	defer fail.Release()
	p.Call("then", ok, fail)
	// No Go timer here: a pending Go timer makes the runtime reschedule a
	// JavaScript timeout on every call into Go, which distorts the benchmarks.
	// A promise that never settles is caught by go test's -timeout.
	r := <-ch
	return r.v, r.err
}

// run evaluates body as the body of an async JavaScript function with the given
// parameters and awaits its result.
func run(tb testing.TB, body string, params map[string]any) (js.Value, error) {
	tb.Helper()
	names := make([]any, 0, len(params)+1)
	values := make([]any, 0, len(params))
	for k, v := range params {
		names = append(names, k)
		values = append(values, v)
	}
	names = append(names, "return (async () => {\n"+jsHelpers+"\n"+body+"\n})();")
	fn := js.Global().Get("Function").New(names...)
	return await(fn.Invoke(values...))
}

// mustRun is run that fails the test on a rejection.
func mustRun(tb testing.TB, body string, params map[string]any) js.Value {
	tb.Helper()
	v, err := run(tb, body, params)
	require.NoError(tb, err, "script:\n%s", body)
	return v
}

// errName returns the JavaScript error name of err ("" when err is nil).
func errName(err error) string {
	if je, ok := err.(*rejection); ok {
		return je.Name
	}
	if err != nil {
		return "(go) " + err.Error()
	}
	return ""
}

// jsHelpers is prepended to every script: `same` compares two values by type and
// content the way a user would expect a round trip to preserve them.
//
//go:embed testdata/helpers.js
var jsHelpers string

// fixtureBody is a script that calls method of fixture (a testdata file that is
// an expression evaluating to an object of async methods) with one object of the
// params by name.
func fixtureBody(fixture, method string, params map[string]any) string {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	return "return (\n" + fixture + "\n)." + method + "({" + strings.Join(names, ", ") + "});"
}

// runFixture is run with the script fixtureBody makes.
func runFixture(tb testing.TB, fixture, method string, params map[string]any) (js.Value, error) {
	tb.Helper()
	return run(tb, fixtureBody(fixture, method, params), params)
}

// mustRunFixture is runFixture that fails the test on a rejection.
func mustRunFixture(tb testing.TB, fixture, method string, params map[string]any) js.Value {
	tb.Helper()
	v, err := runFixture(tb, fixture, method, params)
	require.NoError(tb, err, "fixture method %s", method)
	return v
}

var (
	blockedMu   sync.Mutex
	blockedMsgs = map[string]int{}
)

// idbOptionsForTests shortens the blocked-upgrade bound and counts the progress
// messages per database instead of printing them.
func idbOptionsForTests() idb.Options {
	return idb.Options{
		BlockedTimeoutMS: 4000,
		OnBlocked: func(msg string) {
			blockedMu.Lock()
			defer blockedMu.Unlock()
			for _, part := range strings.Split(msg, `"`) {
				if strings.HasPrefix(part, "patchkv:test-") {
					blockedMsgs[strings.TrimPrefix(part, "patchkv:")]++
				}
			}
		},
	}
}

func blockedWarnings(patch string) int {
	blockedMu.Lock()
	defer blockedMu.Unlock()
	return blockedMsgs[patch]
}

// setTestHook sets testHook until the test ends. Calls skip Go while the patch's
// connection is open (glue.js), so every method is made to enter Go meanwhile.
func setTestHook(t *testing.T, hook func(method string)) {
	t.Helper()
	testHook = hook
	glue.Call("slowPath", true)
	t.Cleanup(func() {
		testHook = nil
		glue.Call("slowPath", false)
	})
}
