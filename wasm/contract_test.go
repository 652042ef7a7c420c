//go:build js && wasm

package main

import (
	"encoding/json"
	"syscall/js"
	"testing"

	"github.com/patchies/patchkv/internal/contract"
)

// TestContract runs the contract suite (internal/contract) through the js.Func
// entry: globalThis.patchkv.open, as registered by this package, without the
// loader handing over the module's exports. The loader's entry and the Worker run
// the same cases in internal/contract's own tests.
func TestContract(t *testing.T) {
	useArchive() // kv.export/import/removeScope/destroy need js/archive.js, which the loader would import
	eval := js.Global().Get("eval")
	for _, f := range contract.Files() {
		eval.Invoke(f.Source)
	}
	entry := js.Global().Get("Function").New(`return {
		name: 'jsfunc',
		root: (patch) => globalThis.patchkv.open(patch),
	};`).Invoke()
	contract.Run(t, jsRunner{entry: entry})
}

// jsRunner runs the suite registered in this page through entry.
type jsRunner struct{ entry js.Value }

func (r jsRunner) List() ([]contract.Case, error) {
	var cases []contract.Case
	err := json.Unmarshal([]byte(jsonOf(js.Global().Get("contract").Call("list"))), &cases)
	return cases, err
}

func (r jsRunner) Run(name string) (contract.Report, error) {
	var rep contract.Report
	v, err := await(js.Global().Get("contract").Call("run", name, r.entry))
	if err != nil {
		return rep, err
	}
	err = json.Unmarshal([]byte(jsonOf(v)), &rep)
	return rep, err
}

func jsonOf(v js.Value) string { return js.Global().Get("JSON").Call("stringify", v).String() }
