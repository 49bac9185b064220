package ssogate

// The Go side of ssogate_directory_callbacks (see directory.go). A file with //export may only
// declare C functions in its preamble, hence this separate file; ssogate.h declares nothing else.
// Each trampoline converts the C arguments, calls hostDirectory, and turns the answer into a return
// code: 0, SSOGATE_NOT_FOUND or SSOGATE_STORE_CONFLICT for the host's ErrNotFound / ErrStoreConflict,
// and callbackFailed ("could not answer": STORE_UNAVAILABLE) for any other error or a panic. The
// library decides which of those codes each callback may return.

// #cgo pkg-config: ssogate
// #include <stdint.h>
// #include <stddef.h>
// #include <ssogate/ssogate.h>
import "C"

import (
	"errors"
	"runtime/cgo"
	"time"
	"unsafe"
)

// failClosed is deferred by every trampoline: a panic must not unwind into C, and it means the
// store could not answer, exactly like an error.
func failClosed(rc *C.int) {
	if recover() != nil {
		*rc = callbackFailed
	}
}

func directoryOf(userData unsafe.Pointer) hostDirectory {
	return cgo.Handle(uintptr(userData)).Value().(hostDirectory)
}

func goString(p *C.char, n C.size_t) string { return C.GoStringN(p, C.int(n)) }

func goBytes(p *C.char, n C.size_t) []byte { return C.GoBytes(unsafe.Pointer(p), C.int(n)) }

// code maps the host's error to the callback's return code.
func callbackCode(err error) C.int {
	switch {
	case err == nil:
		return callbackOK
	case errors.Is(err, ErrNotFound):
		return C.int(CodeNotFound)
	case errors.Is(err, ErrStoreConflict):
		return C.int(CodeStoreConflict)
	}
	return callbackFailed
}

// answer hands data (when there is a record) to out and returns the code for err.
func answerJSON(out *C.ssogate_json_out, data []byte, err error) C.int {
	if err != nil || data == nil {
		return callbackCode(err)
	}
	// C copies the bytes during the call; cgo keeps them in place until it returns.
	if C.ssogate_json_out_set(out, (*C.char)(unsafe.Pointer(unsafe.SliceData(data))), C.size_t(len(data))) != 0 {
		return callbackFailed
	}
	return callbackOK
}

//export ssogateGoDirPutAccount
func ssogateGoDirPutAccount(ud unsafe.Pointer, j *C.char, n C.size_t) (rc C.int) {
	defer failClosed(&rc)
	return callbackCode(directoryOf(ud).putAccount(goBytes(j, n)))
}

//export ssogateGoDirFindAccount
func ssogateGoDirFindAccount(ud unsafe.Pointer, id *C.char, idLen C.size_t, out *C.ssogate_json_out) (rc C.int) {
	defer failClosed(&rc)
	data, err := directoryOf(ud).findAccount(goString(id, idLen))
	return answerJSON(out, data, err)
}

//export ssogateGoDirPutConnection
func ssogateGoDirPutConnection(ud unsafe.Pointer, j *C.char, n C.size_t) (rc C.int) {
	defer failClosed(&rc)
	return callbackCode(directoryOf(ud).putConnection(goBytes(j, n)))
}

//export ssogateGoDirFindConnection
func ssogateGoDirFindConnection(ud unsafe.Pointer, id *C.char, idLen C.size_t, out *C.ssogate_json_out) (rc C.int) {
	defer failClosed(&rc)
	data, err := directoryOf(ud).findConnection(goString(id, idLen))
	return answerJSON(out, data, err)
}

//export ssogateGoDirListConnections
func ssogateGoDirListConnections(ud unsafe.Pointer, accountID *C.char, accountIDLen C.size_t,
	out *C.ssogate_json_out) (rc C.int) {
	defer failClosed(&rc)
	data, err := directoryOf(ud).listConnections(goString(accountID, accountIDLen))
	return answerJSON(out, data, err)
}

//export ssogateGoDirRemoveConnection
func ssogateGoDirRemoveConnection(ud unsafe.Pointer, id *C.char, idLen C.size_t) (rc C.int) {
	defer failClosed(&rc)
	return callbackCode(directoryOf(ud).d.RemoveConnection(goString(id, idLen)))
}

//export ssogateGoDirPutMember
func ssogateGoDirPutMember(ud unsafe.Pointer, j *C.char, n C.size_t) (rc C.int) {
	defer failClosed(&rc)
	return callbackCode(directoryOf(ud).putMember(goBytes(j, n)))
}

//export ssogateGoDirFindMember
func ssogateGoDirFindMember(ud unsafe.Pointer, accountID *C.char, accountIDLen C.size_t, email *C.char,
	emailLen C.size_t, out *C.ssogate_json_out) (rc C.int) {
	defer failClosed(&rc)
	data, err := directoryOf(ud).findMember(goString(accountID, accountIDLen), goString(email, emailLen))
	return answerJSON(out, data, err)
}

//export ssogateGoDirListMembers
func ssogateGoDirListMembers(ud unsafe.Pointer, accountID *C.char, accountIDLen C.size_t,
	out *C.ssogate_json_out) (rc C.int) {
	defer failClosed(&rc)
	data, err := directoryOf(ud).listMembers(goString(accountID, accountIDLen))
	return answerJSON(out, data, err)
}

//export ssogateGoDirPutInvite
func ssogateGoDirPutInvite(ud unsafe.Pointer, j *C.char, n C.size_t) (rc C.int) {
	defer failClosed(&rc)
	return callbackCode(directoryOf(ud).putInvite(goBytes(j, n)))
}

//export ssogateGoDirFindInvite
func ssogateGoDirFindInvite(ud unsafe.Pointer, accountID *C.char, accountIDLen C.size_t, email *C.char,
	emailLen C.size_t, now C.int64_t, out *C.ssogate_json_out) (rc C.int) {
	defer failClosed(&rc)
	data, err := directoryOf(ud).findInvite(goString(accountID, accountIDLen), goString(email, emailLen),
		time.Unix(int64(now), 0).UTC())
	return answerJSON(out, data, err)
}

//export ssogateGoDirRevokeInvite
func ssogateGoDirRevokeInvite(ud unsafe.Pointer, accountID *C.char, accountIDLen C.size_t, email *C.char,
	emailLen C.size_t) (rc C.int) {
	defer failClosed(&rc)
	return callbackCode(directoryOf(ud).d.RevokeInvite(goString(accountID, accountIDLen), goString(email, emailLen)))
}

//export ssogateGoDirPutJoinToken
func ssogateGoDirPutJoinToken(ud unsafe.Pointer, j *C.char, n C.size_t) (rc C.int) {
	defer failClosed(&rc)
	return callbackCode(directoryOf(ud).putJoinToken(goBytes(j, n)))
}

//export ssogateGoDirFindJoinToken
func ssogateGoDirFindJoinToken(ud unsafe.Pointer, token *C.char, tokenLen C.size_t, now C.int64_t,
	out *C.ssogate_json_out) (rc C.int) {
	defer failClosed(&rc)
	data, err := directoryOf(ud).findJoinToken(goString(token, tokenLen), time.Unix(int64(now), 0).UTC())
	return answerJSON(out, data, err)
}

//export ssogateGoDirReadAudit
func ssogateGoDirReadAudit(ud unsafe.Pointer, accountID *C.char, accountIDLen C.size_t, afterSeq C.int64_t,
	limit C.uint64_t, out *C.ssogate_json_out) (rc C.int) {
	defer failClosed(&rc)
	data, err := directoryOf(ud).readAudit(goString(accountID, accountIDLen), int64(afterSeq), uint64(limit))
	return answerJSON(out, data, err)
}

//export ssogateGoDirApply
func ssogateGoDirApply(ud unsafe.Pointer, j *C.char, n C.size_t, out *C.ssogate_json_out) (rc C.int) {
	defer failClosed(&rc)
	data, err := directoryOf(ud).apply(goBytes(j, n))
	return answerJSON(out, data, err)
}

//export ssogateGoDirFree
func ssogateGoDirFree(ud unsafe.Pointer) {
	cgo.Handle(uintptr(ud)).Delete()
}
