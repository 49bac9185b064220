package ssogate

// The Go side of ssogate_replay_callbacks (see replay_callbacks.go). A file with //export may only
// declare C functions in its preamble, hence this separate file.

// #include <stdint.h>
// #include <stddef.h>
import "C"

import (
	"runtime/cgo"
	"time"
	"unsafe"
)

//export ssogateGoReplayInsert
func ssogateGoReplayInsert(userData unsafe.Pointer, key *C.char, keyLen C.size_t, expiresAt C.int64_t,
	inserted *C.int) (rc C.int) {
	// A panic must not unwind into C: it becomes "the store could not answer" (fail closed).
	defer func() {
		if recover() != nil {
			rc = 1
		}
	}()
	store := cgo.Handle(uintptr(userData)).Value().(ReplayStore)
	ok, err := store.InsertIfAbsent(C.GoStringN(key, C.int(keyLen)), time.Unix(int64(expiresAt), 0).UTC())
	if err != nil {
		return 1
	}
	if ok {
		*inserted = 1
	} else {
		*inserted = 0
	}
	return 0
}

//export ssogateGoReplayFree
func ssogateGoReplayFree(userData unsafe.Pointer) {
	cgo.Handle(uintptr(userData)).Delete()
}
