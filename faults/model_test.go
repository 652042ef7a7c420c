//go:build !js

package faults

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The model test issues a long seeded random sequence of operations from two pages
// on one patch and checks every result against an in-memory model of the stores.

const (
	modelSeed   = 20250611
	modelRounds = 2000
)

type valueSpec struct {
	T string `json:"t"`
	N int    `json:"n,omitempty"` // 0 for undef, ok
}

type scopeDesc struct {
	Kind string  `json:"kind"`
	Name string  `json:"name"`
	Via  *string `json:"via,omitempty"`
}

type modelOp struct {
	Op    string     `json:"op"`
	Scope scopeDesc  `json:"scope"`
	Key   int        `json:"key"`
	Value *valueSpec `json:"value,omitempty"`
	Name  string     `json:"name"` // store: the store name asked for
	Wait  bool       `json:"wait"`
}

// model is what the stores should hold: object store name → key index → value.
type model struct {
	stores map[string]map[int]valueSpec
	order  []int // key indexes in IndexedDB order
}

// storeID is the object store a scope descriptor reaches (the model's view of spec
// §4: a named store is one store, whichever node opens it).
func storeID(d scopeDesc) string {
	switch d.Kind {
	case "host":
		return "host"
	case "node":
		return "node:" + d.Name
	}
	return "store:" + d.Name
}

// apply runs o on the model and returns the result the page must report.
func (m *model) apply(o modelOp) any {
	id := storeID(o.Scope)
	s := m.stores[id]
	switch o.Op {
	case "set":
		if s == nil {
			s = map[int]valueSpec{}
			m.stores[id] = s
		}
		s[o.Key] = *o.Value
		return valueSpec{T: "ok"}
	case "get":
		if v, ok := s[o.Key]; ok {
			return v
		}
		return valueSpec{T: "undef"}
	case "has":
		_, ok := s[o.Key]
		return ok
	case "delete":
		delete(s, o.Key)
		return valueSpec{T: "ok"}
	case "clear":
		clear(s)
		return valueSpec{T: "ok"}
	case "keys":
		keys := []int{}
		for _, k := range m.order {
			if _, ok := s[k]; ok {
				keys = append(keys, k)
			}
		}
		return keys
	case "store":
		return true
	}
	panic("unknown op " + o.Op)
}

// gen makes random steps over a fixed universe of scopes, some of which are only
// written for the first time during the run (version upgrades while the other page
// works).
type gen struct {
	r       *rand.Rand
	keys    int
	nodes   []string // node ids in use
	named   []string // store names in use
	fresh   int      // next new node id
	counter int      // distinct values
}

func (g *gen) scopeDescs() map[string][]scopeDesc {
	out := map[string][]scopeDesc{"host": {{Kind: "host"}}}
	for _, n := range g.nodes {
		out["node:"+n] = []scopeDesc{{Kind: "node", Name: n}}
	}
	for _, s := range g.named {
		ds := []scopeDesc{{Kind: "store", Name: s}}
		for _, via := range g.nodes[:3] {
			ds = append(ds, scopeDesc{Kind: "store", Name: s, Via: &via})
		}
		out["store:"+s] = ds
	}
	return out
}

// step returns 1 to 8 operations on one or two object stores not in avoid.
func (g *gen) step(avoid map[string]bool) ([]modelOp, map[string]bool) {
	if g.r.IntN(40) == 0 {
		g.nodes = append(g.nodes, "fresh"+strconv.Itoa(g.fresh))
		g.fresh++
	}
	all := g.scopeDescs()
	ids := make([]string, 0, len(all))
	for id := range all {
		if !avoid[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	used := map[string]bool{}
	pick := []string{ids[g.r.IntN(len(ids))], ids[g.r.IntN(len(ids))]}
	n := 1 + g.r.IntN(8)
	ops := make([]modelOp, 0, n)
	for range n {
		id := pick[g.r.IntN(2)]
		used[id] = true
		ds := all[id]
		o := modelOp{Scope: ds[g.r.IntN(len(ds))], Key: g.r.IntN(g.keys), Wait: g.r.IntN(3) == 0}
		switch x := g.r.IntN(100); {
		case x < 38:
			o.Op = "set"
			g.counter++
			o.Value = &valueSpec{T: []string{"num", "str", "obj", "bytes", "undef"}[g.r.IntN(5)], N: g.counter}
			if o.Value.T == "undef" {
				o.Value.N = 0
			}
		case x < 58:
			o.Op = "get"
		case x < 68:
			o.Op = "has"
		case x < 80:
			o.Op = "delete"
		case x < 91:
			o.Op = "keys"
		case x < 94:
			o.Op = "clear"
		default:
			o.Op = "store"
			o.Name = g.named[g.r.IntN(len(g.named))]
		}
		ops = append(ops, o)
	}
	return ops, used
}

// Two pages issue a seeded random mix of set/get/has/delete/keys/clear/store on
// node scopes, named stores reached through different nodes, and the host scope,
// some awaited and some issued in the same task; pages run at the same time on
// disjoint object stores. Every result is checked against the model, and at the
// end both pages' full contents. Spec §4: order per caller, scope isolation, shared
// named stores, has === keys().includes.
func TestModelTwoPages(t *testing.T) {
	seed := uint64(modelSeed)
	if s := os.Getenv("PATCHKV_MODEL_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "PATCHKV_MODEL_SEED")
		seed = v
	}
	b := sharedBrowser(t)
	patch := patchID(t)
	pages := []*Tab{openTab(t, b, tabOptions{}), openTab(t, b, tabOptions{})}
	for _, p := range pages {
		p.openKV(patch)
	}
	var nkeys int
	m := &model{stores: map[string]map[int]valueSpec{}}
	pages[0].eval(`faults.KEYS.length`, &nkeys)
	pages[0].eval(`faults.keyOrder()`, &m.order)
	g := &gen{
		r:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		keys:  nkeys,
		nodes: []string{"a", "b", "", "__proto__", "host", "store:s"},
		named: []string{"s", "t", "a", "", "node:a"},
	}

	checked, divergences := 0, 0
	var report []string
	check := func(ops []modelOp, got []json.RawMessage, who string) {
		require.Len(t, got, len(ops), who)
		for i, o := range ops {
			want := m.apply(o)
			checked++
			if !sameJSON(t, want, got[i]) {
				divergences++
				if len(report) < 20 {
					report = append(report, fmt.Sprintf("%s op %+v (scope %s): got %s, want %s", who, o, storeID(o.Scope), got[i], lit(want)))
				}
			}
		}
	}
	start := time.Now()
	for round := 0; round < modelRounds; round++ {
		first, used := g.step(nil)
		var second []modelOp
		if g.r.IntN(3) > 0 {
			second, _ = g.step(used) // at the same time, on other object stores
		}
		steps := [][]modelOp{first, second}
		results := make([][]json.RawMessage, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, ops := range steps {
			if ops == nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = pages[i].evalErr(60*time.Second, `faults.runOps(kv, `+lit(ops)+`)`, &results[i])
			}()
		}
		wg.Wait()
		for i, ops := range steps {
			if ops == nil {
				continue
			}
			require.NoError(t, errs[i], "round %d page %d", round, i)
			check(ops, results[i], fmt.Sprintf("round %d page %d", round, i))
		}
	}

	// Both pages see exactly the model's contents.
	all := map[string]scopeDesc{}
	for id, ds := range g.scopeDescs() {
		all[id] = ds[0]
	}
	want := map[string]map[string]valueSpec{}
	for id := range all {
		entry := map[string]valueSpec{}
		for k, v := range m.stores[id] {
			entry[strconv.Itoa(k)] = v
		}
		want[id] = entry
	}
	for i, p := range pages {
		var got map[string]map[string]valueSpec
		p.eval(`faults.dump(kv, `+lit(all)+`)`, &got)
		for id := range all {
			checked++
			if !reflect.DeepEqual(want[id], got[id]) {
				divergences++
				report = append(report, fmt.Sprintf("page %d final contents of %s: got %v, want %v", i, id, got[id], want[id]))
			}
		}
	}
	t.Logf("model test (seed %d): %d operations checked from 2 pages on %d scopes in %v; divergences: %d",
		seed, checked, len(all), time.Since(start).Round(time.Millisecond), divergences)
	assert.Zero(t, divergences, "divergences from the model:\n%s", strings.Join(report, "\n"))
}

// sameJSON reports whether the JSON of want equals got, compared as decoded values.
func sameJSON(tb testing.TB, want any, got json.RawMessage) bool {
	var a, b any
	require.NoError(tb, json.Unmarshal([]byte(lit(want)), &a))
	if err := json.Unmarshal(got, &b); err != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}
