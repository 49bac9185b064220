package ssogate

// The host's own pending-request store, over ssogate_request_callbacks. As for the replay store
// (replay_callbacks.go), SWIG cannot turn a Go func into a C function pointer, so this file calls
// the C ABI through cgo: the callbacks are Go functions exported in request_export.go, and
// user_data is a runtime/cgo.Handle to the PendingRequestStore. The resulting handle is then used
// through the SWIG layer like any other RequestStore.

/*
#cgo pkg-config: ssogate
#include <stdint.h>
#include <stdlib.h>
#include <ssogate/ssogate.h>

// Defined in Go (request_export.go); cgo spells *C.char and the record pointer without const.
extern int ssogateGoRequestPut(void *user_data, char *token, size_t token_len, ssogate_pending_request *request);
extern int ssogateGoRequestTake(void *user_data, char *token, size_t token_len, int64_t now,
                                ssogate_pending_request *out, int *found);
extern int ssogateGoRequestTakeByID(void *user_data, char *connection_id, size_t connection_id_len,
                                    char *request_id, size_t request_id_len, int64_t now,
                                    ssogate_pending_request *out, int *found);
extern void ssogateGoRequestFree(void *user_data);

// Handles travel as integers so that no Go code converts a uintptr back to a pointer. by_id says
// whether the host's store can take a record by request ID; without it the library refuses
// responses that come back without a RelayState.
static uintptr_t ssogate_go_request_store_new(uintptr_t handle, int by_id, uintptr_t err) {
    ssogate_request_callbacks cb;
    cb.struct_size = sizeof cb;
    cb.user_data = (void *)handle;
    cb.put = (int (*)(void *, const char *, size_t, const ssogate_pending_request *))ssogateGoRequestPut;
    cb.take = (int (*)(void *, const char *, size_t, int64_t, ssogate_pending_request *, int *))ssogateGoRequestTake;
    cb.take_by_request_id = by_id
        ? (int (*)(void *, const char *, size_t, const char *, size_t, int64_t, ssogate_pending_request *,
                   int *))ssogateGoRequestTakeByID
        : NULL;
    cb.free_user_data = ssogateGoRequestFree;
    return (uintptr_t)ssogate_request_store_new_callbacks(&cb, (ssogate_error *)err);
}
*/
import "C"

import (
	"runtime/cgo"
	"time"

	"ssogate.dev/ssogate/internal/capi"
)

// PendingRequest is one pending SP-initiated login as the host's PendingRequestStore keeps it.
// Store every field and hand them back unchanged: the library checks the answer against them.
type PendingRequest struct {
	// RequestID is the AuthnRequest ID (the InResponseTo of the IdP's answer).
	RequestID string
	// ConnectionID is the connection the login was begun for.
	ConnectionID string
	// ReturnTo is where to send the user after the login ("" for none), validated when it began.
	ReturnTo string
	// CreatedAt and ExpiresAt are whole seconds (the C ABI carries Unix seconds).
	CreatedAt time.Time
	ExpiresAt time.Time
}

// PendingRequestStore is the host's own storage for pending SP-initiated logins (its database or
// cache cluster). Every method may be called from several goroutines at once. An error, or a
// panic, refuses the login with ErrStoreUnavailable: a store that cannot answer never lets a login
// through unchecked.
type PendingRequestStore interface {
	// Put stores r under token (the opaque RelayState) until r.ExpiresAt.
	Put(token string, r PendingRequest) error
	// Take removes and returns the record stored under token, atomically: when two calls race for
	// the same token, at most one may get the record (otherwise one login could be finished twice).
	// It returns nil, nil when there is none. A record that expired at or before now is reported as
	// none, except that now is the zero Time when ssogate asks for the record whatever its expiry
	// (it then tells the user "expired" rather than "unknown" itself); since the zero Time is
	// earlier than any expiry, the comparison r.ExpiresAt.After(now) gives the right answer in both
	// cases.
	Take(token string, now time.Time) (*PendingRequest, error)
}

// PendingRequestStoreByID is a PendingRequestStore that can also find a record by the request ID,
// for IdPs that drop the RelayState on the way back. Without it such responses are refused with
// ErrRequestUnknown.
type PendingRequestStoreByID interface {
	PendingRequestStore
	// TakeByRequestID is Take, finding the record by its connection and request ID. A record taken
	// either way is gone for both.
	TakeByRequestID(connectionID, requestID string, now time.Time) (*PendingRequest, error)
}

// NewRequestStoreFromStore makes a RequestStore over the host's store, for BeginSPLogin, FinishSPLogin
// and NewGate. When store also implements PendingRequestStoreByID, responses without a RelayState
// are looked up by their InResponseTo. The RequestStore keeps store until it is closed.
func NewRequestStoreFromStore(store PendingRequestStore) (*RequestStore, error) {
	if store == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "NewRequestStoreFromStore: the store is nil"}
	}
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	byID := C.int(0)
	if _, ok := store.(PendingRequestStoreByID); ok {
		byID = 1
	}
	handle := cgo.NewHandle(store)
	p := C.ssogate_go_request_store_new(C.uintptr_t(handle), byID, C.uintptr_t(e.h.Swigcptr()))
	if p == 0 {
		handle.Delete() // not taken over: the library calls free_user_data only for a store it made
		return nil, e.failure("ssogate_request_store_new_callbacks")
	}
	h := capi.SwigcptrStruct_SS_ssogate_request_store(uintptr(p))
	return &RequestStore{ref: newRef[capi.Struct_SS_ssogate_request_store](h, capi.Ssogate_request_store_free)}, nil
}
