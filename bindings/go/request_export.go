package ssogate

// The Go side of ssogate_request_callbacks (see request_callbacks.go). A file with //export may only
// declare C functions in its preamble, hence this separate file; ssogate.h declares nothing else.

// #cgo pkg-config: ssogate
// #include <stdint.h>
// #include <stddef.h>
// #include <ssogate/ssogate.h>
import "C"

import (
	"math"
	"runtime/cgo"
	"time"
	"unsafe"
)

// The callbacks' answers: 0 = the store answered; anything else = it could not, which the library
// turns into STORE_UNAVAILABLE (fail closed).
const (
	callbackOK     C.int = 0
	callbackFailed C.int = 1
)

// requestStoreOf finds the host's store behind user_data.
func requestStoreOf(userData unsafe.Pointer) PendingRequestStore {
	return cgo.Handle(uintptr(userData)).Value().(PendingRequestStore)
}

// goTime converts the C ABI's Unix seconds; INT64_MIN ("whatever its expiry") becomes the zero
// Time, which is earlier than every expiry (time.Unix would overflow on it).
func goTime(s C.int64_t) time.Time {
	if s == math.MinInt64 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0).UTC()
}

// cBytes passes s to C without a copy: ssogate_pending_request_set copies what it is given during
// the call, and s's bytes hold no Go pointers. (NULL, 0) is what C expects for "".
func cBytes(s string) (*C.char, C.size_t) {
	if s == "" {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// handBack reports the record a take found (or none) the way the C contract wants it.
func handBack(r *PendingRequest, out *C.ssogate_pending_request, found *C.int) C.int {
	if r == nil {
		*found = 0
		return callbackOK
	}
	id, idLen := cBytes(r.RequestID)
	conn, connLen := cBytes(r.ConnectionID)
	rt, rtLen := cBytes(r.ReturnTo)
	if C.ssogate_pending_request_set(out, id, idLen, conn, connLen, rt, rtLen,
		C.int64_t(r.CreatedAt.Unix()), C.int64_t(r.ExpiresAt.Unix())) != 0 {
		return callbackFailed
	}
	*found = 1
	return callbackOK
}

// Every trampoline recovers: a panic must not unwind into C, and it means "the store could not
// answer" (fail closed), exactly like an error.

//export ssogateGoRequestPut
func ssogateGoRequestPut(userData unsafe.Pointer, token *C.char, tokenLen C.size_t,
	request *C.ssogate_pending_request) (rc C.int) {
	defer func() {
		if recover() != nil {
			rc = callbackFailed
		}
	}()
	r := PendingRequest{
		RequestID:    C.GoString(C.ssogate_pending_request_request_id(request)),
		ConnectionID: C.GoString(C.ssogate_pending_request_connection_id(request)),
		ReturnTo:     C.GoString(C.ssogate_pending_request_return_to(request)),
		CreatedAt:    goTime(C.ssogate_pending_request_created_at(request)),
		ExpiresAt:    goTime(C.ssogate_pending_request_expires_at(request)),
	}
	if err := requestStoreOf(userData).Put(C.GoStringN(token, C.int(tokenLen)), r); err != nil {
		return callbackFailed
	}
	return callbackOK
}

//export ssogateGoRequestTake
func ssogateGoRequestTake(userData unsafe.Pointer, token *C.char, tokenLen C.size_t, now C.int64_t,
	out *C.ssogate_pending_request, found *C.int) (rc C.int) {
	defer func() {
		if recover() != nil {
			rc = callbackFailed
		}
	}()
	r, err := requestStoreOf(userData).Take(C.GoStringN(token, C.int(tokenLen)), goTime(now))
	if err != nil {
		return callbackFailed
	}
	return handBack(r, out, found)
}

//export ssogateGoRequestTakeByID
func ssogateGoRequestTakeByID(userData unsafe.Pointer, connectionID *C.char, connectionIDLen C.size_t,
	requestID *C.char, requestIDLen C.size_t, now C.int64_t, out *C.ssogate_pending_request, found *C.int) (rc C.int) {
	defer func() {
		if recover() != nil {
			rc = callbackFailed
		}
	}()
	// Only registered for stores that implement PendingRequestStoreByID (request_callbacks.go).
	store := requestStoreOf(userData).(PendingRequestStoreByID)
	r, err := store.TakeByRequestID(C.GoStringN(connectionID, C.int(connectionIDLen)),
		C.GoStringN(requestID, C.int(requestIDLen)), goTime(now))
	if err != nil {
		return callbackFailed
	}
	return handBack(r, out, found)
}

//export ssogateGoRequestFree
func ssogateGoRequestFree(userData unsafe.Pointer) {
	cgo.Handle(uintptr(userData)).Delete()
}
