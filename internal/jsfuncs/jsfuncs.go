// Package jsfuncs counts the JavaScript callbacks (js.Func) that patchkv holds, so
// that tests can prove that calls release every callback they create: a js.Func
// that is never released keeps its Go closure, and everything it refers to, alive
// for as long as the page.
//
// Counting costs one atomic add per callback; the package is pure Go, so it
// imports no syscall/js and builds everywhere.
package jsfuncs

import "sync/atomic"

var live atomic.Int64

// Made counts a js.Func just made.
func Made() { live.Add(1) }

// Released counts a js.Func just released.
func Released() { live.Add(-1) }

// Live returns how many counted js.Funcs are made and not released.
func Live() int { return int(live.Load()) }
