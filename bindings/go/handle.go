package ssogate

import (
	"runtime"
	"sync"
	"unsafe"
)

// swigHandle is what every SWIG-wrapped C pointer type provides.
type swigHandle interface{ Swigcptr() uintptr }

// ref owns one C handle and frees it exactly once: on Close, or from a finalizer when the Go value
// is dropped without Close. Calls that pass the raw handle to C run under the read lock, so a Close
// on another goroutine waits for them instead of freeing the handle under their feet.
//
// The finalizer sits on ref, not on the public types, and ref points to nothing but its handle, so
// no reference cycle can keep a finalizer from running.
type ref[T swigHandle] struct {
	mu   sync.RWMutex
	h    T
	live bool
	free func(T)
}

func newRef[T swigHandle](h T, free func(T)) *ref[T] {
	r := &ref[T]{h: h, live: true, free: free}
	runtime.SetFinalizer(r, func(r *ref[T]) { r.close() })
	return r
}

// close frees the handle; later calls do nothing.
func (r *ref[T]) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.live {
		return
	}
	r.live = false
	r.free(r.h)
	var zero T
	r.h = zero
	runtime.SetFinalizer(r, nil)
}

// use runs f with the live handle, or fails with CodeInvalidArgument (as C does for a NULL handle)
// once the handle was freed; what names the object in that message.
func (r *ref[T]) use(what string, f func(T) error) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.live {
		return &Error{Code: CodeInvalidArgument, Message: what + " was closed"}
	}
	err := f(r.h)
	// The handle is a bare uintptr to the garbage collector: keep r (and so its finalizer) alive
	// until C is done with the pointer.
	runtime.KeepAlive(r)
	return err
}

// view passes b to C without a copy. The C library only reads its inputs during the call and copies
// whatever it keeps, and cgo keeps b's memory in place for the call's duration, so the string never
// outlives the bytes it aliases. Uploaded metadata can be megabytes, hence no string(b) copy.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
