// Package contract is patchkv's contract suite: the behaviour of the kv API written
// once, in JavaScript, and run through every way a caller reaches kv, in the manner
// of hackpadfs's fstest.
//
// The suite is harness.js, which defines globalThis.contract, and the cases in
// cases/*.js, classic scripts that each call
//
//	contract.test('delete resolves whether the key existed', async (t) => {
//	  const kv = await t.root();       // root kv of a fresh patch, through the entry under test
//	  const s = kv.store('s');
//	  t.equal(await s.delete('a'), false, 'missing key');
//	});
//
// contract.d.ts documents `t`. A runner loads Files into a JavaScript context (a page,
// a Worker, the wasm test binary's page), gives the harness an entry — an object whose
// root(patch) resolves to the root kv of patch the way that entry does — and Run
// turns each case into a subtest:
//
//   - wasm/contract_test.go: the js.Func entry (globalThis.patchkv.open), under
//     wasmbrowsertest;
//   - contract_test.go in this package: the loader's exported entry (loadKV) in a
//     page, and loadKV in a dedicated Worker, in headless Chromium.
//
// Writing a case: put it in the cases/*.js file of its topic (a new file is picked
// up by itself); give it a name that states the promise, since the name is the
// subtest's and the README's Guarantees cite it; make every check say what it
// checked (t.equal(got, want, 'after delete')). t.raw looks at the database from
// outside with plain IndexedDB; t.entry names the entry, for the rare case that
// cannot run in one (t.skipIf(t.entry === 'worker', 'no DOM in a Worker')); a case
// that needs more than 30 s says so: contract.test(name, fn, {timeout: 60_000}).
// Every patch a case opens is deleted after it.
//
// Behaviour that needs several contexts at once (pages, workers, a crash) stays in Go
// tests in faults/ and e2e/; what needs the module's insides stays in wasm/.
package contract

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing"
)

//go:embed harness.js cases/*.js
var files embed.FS

// File is one classic script of the suite, to be evaluated in order.
type File struct {
	// Name is the file's path in this package, "harness.js" or "cases/x.js".
	Name string
	// Source is the script, ending with a sourceURL comment that names the file
	// "contract/<Name>" in stack traces; a case file's first line begins by
	// telling the harness its name (so line numbers stay the file's).
	Source string
}

// Files returns the harness followed by every case file, in name order. Evaluating
// each Source as a classic script (indirect eval, Runtime.evaluate) in one context
// registers the whole suite there.
func Files() []File {
	out := []File{load("harness.js", "")}
	names, err := fs.Glob(files, "cases/*.js")
	if err != nil {
		panic(err) // the pattern is constant
	}
	for _, n := range names {
		out = append(out, load(n, "contract.beginFile("+jsString(n)+"); "))
	}
	return out
}

func load(name, prefix string) File {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err) // embedded
	}
	return File{Name: name, Source: prefix + string(b) + "\n//# sourceURL=contract/" + path.Clean(name) + "\n"}
}

// jsString quotes s as a JavaScript string literal; JSON's quoting is one, and Go's
// %q is not (it escapes differently).
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Case names a case of the suite, as contract.list() reports it.
type Case struct {
	Name string `json:"name"`
	File string `json:"file"`
}

// Report is how one run of a case went, as contract.run reports it (harness.js
// builds it; keep the two in sync).
type Report struct {
	Name    string   `json:"name"`
	File    string   `json:"file"`
	Status  string   `json:"status"` // "pass", "fail" or "skip"
	Message string   `json:"message"`
	Where   string   `json:"where"` // "cases/x.js:12:5" when the stack shows it
	Stack   string   `json:"stack"`
	Logs    []string `json:"logs"`
	MS      float64  `json:"ms"`
}

// Runner runs the suite in one context through one entry.
type Runner interface {
	// List returns the cases registered in the context, in order.
	List() ([]Case, error)
	// Run runs the case named name and returns its report; an error means the
	// context itself failed (a crashed page, a dead Worker), not the case.
	Run(name string) (Report, error)
}

// Run runs every case of r as a subtest of t named after the case. A failing case
// fails its subtest with the case's file and line and what differed; a skipped one
// is skipped with the reason. It fails t when no case is registered.
func Run(t *testing.T, r Runner) {
	t.Helper()
	cases, err := r.List()
	if err != nil {
		t.Fatalf("listing the contract cases: %v", err)
	}
	if len(cases) == 0 {
		t.Fatal("no contract cases registered: were the Files evaluated?")
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			rep, err := r.Run(c.Name)
			if err != nil {
				t.Fatalf("%s: running %q: %v", c.File, c.Name, err)
			}
			for _, l := range rep.Logs {
				t.Log(l)
			}
			switch rep.Status {
			case "pass":
			case "skip":
				t.Skip(rep.Message)
			default:
				at := c.File
				if rep.Where != "" {
					at = rep.Where
				}
				msg := fmt.Sprintf("%s: %s", at, rep.Message)
				if rep.Where == "" && rep.Stack != "" {
					msg += "\n" + rep.Stack
				}
				t.Error(msg)
			}
		})
	}
}
