package jsembed

import (
	"bufio"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedFilesAreCurrent fails when a .js file changed and its generated
// Go file was not regenerated (run go generate ./idb ./wasm, or ./build.sh).
func TestGeneratedFilesAreCurrent(t *testing.T) {
	found := 0
	for _, dir := range []string{"../../idb", "../../wasm"} {
		goFiles, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range goFiles {
			file, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(file)
			for sc.Scan() {
				out, specs, ok := Directive(strings.TrimSpace(sc.Text()))
				if !ok {
					continue
				}
				found++
				want, err := Generate(dir, packageName(t, f), specs)
				if err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(filepath.Join(dir, out))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != string(want) {
					t.Errorf("%s is stale: run go generate ./%s", filepath.Join(dir, out), filepath.Base(dir))
				}
			}
			file.Close()
		}
	}
	if found == 0 {
		t.Fatal("no //go:generate lines for jsembed found")
	}
}

func packageName(t *testing.T, file string) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	return f.Name.Name
}
