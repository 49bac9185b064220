package ssogate

// The host's own replay store, over ssogate_replay_callbacks. SWIG cannot turn a Go func into a C
// function pointer, so this file calls the C ABI through cgo directly: the C callback is a Go
// function exported in replay_export.go, and user_data is a runtime/cgo.Handle to the ReplayStore.
// The resulting handle is then used through the SWIG layer like any other cache.

/*
#cgo pkg-config: ssogate
#include <stdint.h>
#include <stdlib.h>
#include <ssogate/ssogate.h>

// Defined in Go (replay_export.go); cgo spells *C.char without const.
extern int ssogateGoReplayInsert(void *user_data, char *key, size_t key_len, int64_t expires_at, int *inserted);
extern void ssogateGoReplayFree(void *user_data);

// Handles travel as integers so that no Go code converts a uintptr back to a pointer.
static uintptr_t ssogate_go_replay_cache_new(uintptr_t handle, uintptr_t err) {
    ssogate_replay_callbacks cb;
    cb.struct_size = sizeof cb;
    cb.user_data = (void *)handle;
    cb.insert_if_absent = (int (*)(void *, const char *, size_t, int64_t, int *))ssogateGoReplayInsert;
    cb.free_user_data = ssogateGoReplayFree;
    return (uintptr_t)ssogate_replay_cache_new_callbacks(&cb, (ssogate_error *)err);
}
*/
import "C"

import (
	"runtime/cgo"
	"time"

	"ssogate.dev/ssogate/internal/capi"
)

// ReplayStore is the host's own replay store (its database or cache cluster).
type ReplayStore interface {
	// InsertIfAbsent records key until expiresAt, atomically, and reports whether the key was
	// absent (true: first use) or present (false: a replay). An error, or a panic, refuses the login
	// with ErrStoreUnavailable: a store that cannot answer never lets a login through unchecked.
	// It may be called from several goroutines at once.
	InsertIfAbsent(key string, expiresAt time.Time) (inserted bool, err error)
}

// ReplayStoreFunc adapts a function to ReplayStore.
type ReplayStoreFunc func(key string, expiresAt time.Time) (bool, error)

// InsertIfAbsent calls f.
func (f ReplayStoreFunc) InsertIfAbsent(key string, expiresAt time.Time) (bool, error) {
	return f(key, expiresAt)
}

// NewReplayCacheFromStore makes a replay cache over the host's store. The cache keeps store until
// it is closed.
func NewReplayCacheFromStore(store ReplayStore) (*ReplayCache, error) {
	if store == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "NewReplayCacheFromStore: the store is nil"}
	}
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	handle := cgo.NewHandle(store)
	p := C.ssogate_go_replay_cache_new(C.uintptr_t(handle), C.uintptr_t(e.h.Swigcptr()))
	if p == 0 {
		handle.Delete() // not taken over: the library calls free_user_data only for a cache it made
		return nil, e.failure("ssogate_replay_cache_new_callbacks")
	}
	h := capi.SwigcptrStruct_SS_ssogate_replay_cache(uintptr(p))
	return &ReplayCache{ref: newRef[capi.Struct_SS_ssogate_replay_cache](h, capi.Ssogate_replay_cache_free)}, nil
}
