#!/usr/bin/env bash
# build.sh — the one entry point for building, serving, testing and measuring patchkv.
#
#   ./build.sh            build kv.wasm and wasm_exec.js next to index.html
#   ./build.sh serve [port]  build, then serve the repository root on 127.0.0.1 (default 8080)
#   ./build.sh test       install what is missing, then run every test
#   ./build.sh bench      install what is missing, then run the benchmarks
#   ./build.sh typecheck  type-check every JavaScript file (tsc --checkJs, tsconfig.json)
#
# Each step is a small function below; read it like a Makefile. Tool versions are
# pinned: Go tools through go.mod (so the Go module proxy and go.sum pin them), npm
# packages by exact version.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

# Pinned npm packages (installed into node_modules/, git-ignored).
P5_VERSION=2.3.4
IDB_KEYVAL_VERSION=6.2.2
# TypeScript only type-checks our JavaScript (JSDoc and .d.ts); nothing is compiled.
TYPESCRIPT_VERSION=5.9.3
ACORN_VERSION=8.19.0

TOOLS=$ROOT/.tools/bin
export PATH=$TOOLS:$PATH

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# host_go runs the go command for the machine itself, whatever GOOS/GOARCH the caller exported.
host_go() { env -u GOOS -u GOARCH go "$@"; }

need_go() {
  command -v go >/dev/null 2>&1 || die "Go is missing: install Go 1.26 or newer (https://go.dev/doc/install)."
}

# need_chromium finds Debian's Chromium, installing it with apt-get when we are root.
need_chromium() {
  if [ -n "${CHROMIUM:-}" ] && [ -x "$CHROMIUM" ]; then return; fi
  for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then export CHROMIUM=$(command -v "$c"); return; fi
  done
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's chromium (apt-get)"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
    export CHROMIUM=$(command -v chromium)
    return
  fi
  die "Chromium is missing: run 'sudo apt-get install chromium' (or set CHROMIUM=/path/to/chrome)."
}

need_node() {
  command -v npm >/dev/null 2>&1 || die "npm is missing: run 'sudo apt-get install nodejs npm'."
}

# npm_deps installs the pinned npm packages: p5 and acorn for the page, idb-keyval for
# the benchmark, typescript for the type check.
npm_deps() {
  local want="p5@$P5_VERSION idb-keyval@$IDB_KEYVAL_VERSION acorn@$ACORN_VERSION typescript@$TYPESCRIPT_VERSION"
  if [ -f node_modules/.patchkv-deps ] && [ "$(cat node_modules/.patchkv-deps)" = "$want" ]; then return; fi
  need_node
  log "installing npm packages: $want"
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$ROOT" $want >&2
  echo "$want" > node_modules/.patchkv-deps
}

# tools builds the pinned Go tools for the host. wasmbrowsertest is pinned in go.mod's
# tool block; it is built under the name go test looks for with -exec.
tools() {
  need_go
  mkdir -p "$TOOLS"
  if [ ! -x "$TOOLS/go_js_wasm_exec" ] || [ go.mod -nt "$TOOLS/go_js_wasm_exec" ]; then
    log "building wasmbrowsertest (pinned in go.mod)"
    host_go build -o "$TOOLS/go_js_wasm_exec" github.com/agnivade/wasmbrowsertest
  fi
}

# wasm_exec copies the support file of the Go toolchain in use, and fails loudly if the
# toolchain does not ship one.
wasm_exec() {
  local src
  src="$(host_go env GOROOT)/lib/wasm/wasm_exec.js"
  [ -f "$src" ] || src="$(host_go env GOROOT)/misc/wasm/wasm_exec.js"
  [ -f "$src" ] || die "this Go toolchain has no wasm_exec.js (looked in $(host_go env GOROOT)/lib/wasm)"
  if ! cmp -s "$src" wasm_exec.js 2>/dev/null; then cp "$src" wasm_exec.js; fi
}

# check_wasm_exec fails when wasm_exec.js next to index.html is not the toolchain's own.
check_wasm_exec() {
  local src
  src="$(host_go env GOROOT)/lib/wasm/wasm_exec.js"
  [ -f "$src" ] || src="$(host_go env GOROOT)/misc/wasm/wasm_exec.js"
  cmp -s "$src" wasm_exec.js || die "wasm_exec.js differs from $(go version)'s; run ./build.sh to refresh it"
}

# build writes kv.wasm, kv.wasm.gz, kv.wasm.br and wasm_exec.js next to index.html,
# each only when its content changes: an unchanged build leaves the files (and their
# times) as they were, so a browser's cached copy and V8's compiled code stay valid.
build() {
  need_go
  wasm_exec
  log "building kv.wasm"
  # The bridge's JavaScript (idb/*.js, wasm/glue.js) goes into Go constants (internal/jsembed).
  GOOS=js GOARCH=wasm go generate ./idb ./wasm
  # No inlining outside package runtime (the last matching -gcflags pattern wins):
  # patchkv's packages and syscall/js are glue around calls into JavaScript, where
  # an inlined copy at every call site costs bytes and saves nothing next to the
  # call's trip; the rest of the standard library here (maps, sync, strconv) runs
  # on Go's slow path only, since data calls skip Go while the connection is open.
  # The runtime keeps its inlining (allocation, GC). 6.6 KB gzip less than
  # inlining everywhere but in patchkv and syscall/js.
  GOOS=js GOARCH=wasm go build -trimpath -gcflags='all=-l' -gcflags='runtime=' \
    -ldflags='-s -w' -o kv.wasm.new ./wasm
  check_wasm_exec
  replace_if_changed kv.wasm.new kv.wasm || true
  # The compressed files were made from the kv.wasm whose hash the stamp holds.
  local sum stamp=$TOOLS/../kv.wasm.sha256
  sum=$(sha256sum kv.wasm | cut -d' ' -f1)
  if [ ! -f kv.wasm.gz ] || [ ! -f kv.wasm.br ] || [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
    compress kv.wasm
    mkdir -p "$(dirname "$stamp")"
    echo "$sum" > "$stamp"
  fi
}

# replace_if_changed moves NEW over FILE when their bytes differ (true) and drops NEW
# when they are the same (false).
replace_if_changed() {
  local new=$1 file=$2
  if [ -f "$file" ] && cmp -s "$new" "$file"; then
    rm -f "$new"
    return 1
  fi
  mv -f "$new" "$file"
}

# compress writes NAME.gz and NAME.br so the dev server can send precompressed files;
# both compressors are deterministic, and a file whose bytes come out the same is
# not rewritten.
compress() {
  local f=$1
  gzip -9 -n -c "$f" > "$f.gz.new"
  replace_if_changed "$f.gz.new" "$f.gz" || true
  if command -v node >/dev/null 2>&1; then
    node -e '
      const fs = require("fs"), zlib = require("zlib");
      const src = fs.readFileSync(process.argv[1]);
      fs.writeFileSync(process.argv[1] + ".br.new", zlib.brotliCompressSync(src, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: src.length } }));
    ' "$f"
    replace_if_changed "$f.br.new" "$f.br" || true
  else
    rm -f "$f.br"
  fi
}

# typecheck runs TypeScript's checker over every .js and .d.ts file that tsconfig.json
# includes (the page, the loader, bridge JavaScript in wasm/ and idb/, tests and
# benchmarks): any error fails the build.
typecheck() {
  npm_deps
  log "type-checking the JavaScript (tsc $TYPESCRIPT_VERSION, tsconfig.json)"
  node node_modules/typescript/bin/tsc --noEmit -p tsconfig.json >&2 || die "tsc found type errors (above)"
}

sizes() {
  printf 'kv.wasm: %d bytes raw, %d gzip, %s brotli\n' "$(stat -c %s kv.wasm)" "$(stat -c %s kv.wasm.gz)" \
    "$( [ -f kv.wasm.br ] && stat -c %s kv.wasm.br || echo '?')"
}

serve() {
  local port=${1:-8080}
  build
  npm_deps
  log "serving $ROOT on http://127.0.0.1:$port/"
  exec env -u GOOS -u GOARCH go run ./internal/devserver/serve -root "$ROOT" -addr "127.0.0.1:$port"
}

test_go() {
  need_go
  need_chromium
  tools
  build
  npm_deps
  typecheck
  log "go vet (host and js/wasm)"
  host_go vet ./...
  GOOS=js GOARCH=wasm go vet ./scope/... ./idb/... ./wasm/...
  log "host tests (pure Go, fuzz seed corpora, page end-to-end in Chromium)"
  # The page and fault tests drive real browsers; on a busy 2-core machine they need more
  # than go test's default 10 minutes per package.
  host_go test -count=1 -timeout 30m ./...
  log "browser tests (GOOS=js GOARCH=wasm in headless Chromium via wasmbrowsertest)"
  # Same bound: go test's default 10 minutes per package is too short on a busy machine.
  GOOS=js GOARCH=wasm go test -count=1 -timeout 30m -exec="$TOOLS/go_js_wasm_exec" ./scope/... ./idb/... ./wasm/...
}

# bench runs the benchmark in bench/ (patchkv vs raw IndexedDB vs idb-keyval in headless
# Chromium): ./build.sh bench [-quick] [-rounds N] [-profile] [-h for the rest]. The table
# goes to stdout and to artifacts/bench.txt.
bench() {
  need_go
  need_chromium
  tools
  build
  npm_deps
  sizes
  host_go run ./bench "$@"
}

case "${1:-build}" in
  build) build; sizes ;;
  serve) shift; serve "$@" ;;
  test) shift; test_go "$@" ;;
  bench) shift; bench "$@" ;;
  typecheck) typecheck ;;
  deps) need_chromium; tools; npm_deps ;;
  *) die "unknown step '$1' (build, serve, test, bench, typecheck, deps)" ;;
esac
