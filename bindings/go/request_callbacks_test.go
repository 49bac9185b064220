package ssogate_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"ssogate.dev/ssogate"
)

// mapRequests is the host's own pending-request store of these tests: a Go map under a mutex, so
// that Take is atomic. failWith / panicWith make every call fail the chosen way.
type mapRequests struct {
	mu        sync.Mutex
	records   map[string]ssogate.PendingRequest
	failWith  error
	panicWith any
	takeNows  []time.Time
}

func newMapRequests() *mapRequests {
	return &mapRequests{records: map[string]ssogate.PendingRequest{}}
}

func (m *mapRequests) trouble() error {
	if m.panicWith != nil {
		panic(m.panicWith)
	}
	return m.failWith
}

func (m *mapRequests) Put(token string, r ssogate.PendingRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.trouble(); err != nil {
		return err
	}
	m.records[token] = r
	return nil
}

// live hands back r unless it expired at or before now (a zero now asks for it whatever its expiry).
func live(r ssogate.PendingRequest, now time.Time) *ssogate.PendingRequest {
	if !r.ExpiresAt.After(now) {
		return nil
	}
	return &r
}

func (m *mapRequests) Take(token string, now time.Time) (*ssogate.PendingRequest, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.trouble(); err != nil {
		return nil, err
	}
	m.takeNows = append(m.takeNows, now)
	r, ok := m.records[token]
	if !ok {
		return nil, nil
	}
	delete(m.records, token)
	return live(r, now), nil
}

func (m *mapRequests) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.records)
}

// mapRequestsByID also finds records by (connection, request ID).
type mapRequestsByID struct{ *mapRequests }

func (m mapRequestsByID) TakeByRequestID(connectionID, requestID string, now time.Time) (*ssogate.PendingRequest, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.trouble(); err != nil {
		return nil, err
	}
	for token, r := range m.records {
		if r.ConnectionID == connectionID && r.RequestID == requestID {
			delete(m.records, token)
			return live(r, now), nil
		}
	}
	return nil, nil
}

// hostLogin: a testing IdP, a connection "c1" for it and a replay cache, all at loginNow.
type hostLogin struct {
	tidp   *ssogate.TestIdP
	conn   *ssogate.Connection
	replay *ssogate.ReplayCache
}

func newHostLogin(t *testing.T) *hostLogin {
	t.Helper()
	tidp, idp := newTestIdP(t, ssogate.TestIdPConfig{})
	replay, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{Now: loginNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { replay.Close() })
	conn := newConn(t, idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "c1"})
	return &hostLogin{tidp: tidp, conn: conn, replay: replay}
}

// answer is a fresh signed response (a new assertion ID every time) to requestID.
func (h *hostLogin) answer(t *testing.T, requestID string, now time.Time) string {
	t.Helper()
	r, err := h.tidp.Response(h.conn, ssogate.TestResponseParams{InResponseTo: requestID, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return r.Base64
}

func (h *hostLogin) finish(t *testing.T, store *ssogate.RequestStore, relayState, requestID string, now time.Time) (*ssogate.FinishedSPLogin, error) {
	t.Helper()
	return ssogate.FinishSPLogin(h.conn, store, relayState, h.answer(t, requestID, now),
		ssogate.VerifyOptions{ReplayCache: h.replay, Now: now})
}

func hostStore(t *testing.T, s ssogate.PendingRequestStore) *ssogate.RequestStore {
	t.Helper()
	store, err := ssogate.NewRequestStoreFromStore(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func TestHostRequestStoreRoundTrip(t *testing.T) {
	h := newHostLogin(t)
	m := newMapRequests()
	store := hostStore(t, m)

	req, err := ssogate.BeginSPLogin(h.conn, store, ssogate.SPLoginOptions{ReturnTo: "/after", Now: loginNow})
	if err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	kept, ok := m.records[req.RelayState]
	m.mu.Unlock()
	want := ssogate.PendingRequest{RequestID: req.RequestID, ConnectionID: "c1", ReturnTo: "/after",
		CreatedAt: loginNow, ExpiresAt: loginNow.Add(10 * time.Minute)}
	if !ok || kept != want {
		t.Fatalf("the store keeps %+v (present %v) under the RelayState; want %+v", kept, ok, want)
	}

	done, err := h.finish(t, store, req.RelayState, req.RequestID, loginNow)
	if err != nil {
		t.Fatal(err)
	}
	if done.ReturnTo != "/after" || done.InResponseTo != req.RequestID || m.size() != 0 {
		t.Errorf("finished: ReturnTo %q, InResponseTo %q (want %q), %d records left", done.ReturnTo,
			done.InResponseTo, req.RequestID, m.size())
	}
	// ssogate asks for the record whatever its expiry (C's INT64_MIN), which Go sees as the zero Time.
	if len(m.takeNows) != 1 || !m.takeNows[0].IsZero() {
		t.Errorf("Take was given now = %v; want the zero Time", m.takeNows)
	}

	// The record was taken: the same RelayState again is unknown, even with a fresh response.
	if _, err := h.finish(t, store, req.RelayState, req.RequestID, loginNow); !errors.Is(err, ssogate.ErrRequestUnknown) {
		t.Errorf("second FinishSPLogin with the same RelayState: %v; want ErrRequestUnknown", err)
	}

	// Expiry is judged by ssogate from the record the store handed back.
	old, err := ssogate.BeginSPLogin(h.conn, store, ssogate.SPLoginOptions{TTL: time.Minute, Now: loginNow})
	if err != nil {
		t.Fatal(err)
	}
	later := loginNow.Add(61 * time.Second)
	if _, err := h.finish(t, store, old.RelayState, old.RequestID, later); !errors.Is(err, ssogate.ErrRequestExpired) {
		t.Errorf("expired request: %v; want ErrRequestExpired", err)
	}
}

// Without a RelayState the request is found by the response's InResponseTo, if the store can.
func TestHostRequestStoreByRequestID(t *testing.T) {
	h := newHostLogin(t)
	withID := mapRequestsByID{newMapRequests()}
	store := hostStore(t, withID)
	req, err := ssogate.BeginSPLogin(h.conn, store, ssogate.SPLoginOptions{ReturnTo: "/by-id", Now: loginNow})
	if err != nil {
		t.Fatal(err)
	}
	done, err := h.finish(t, store, "", req.RequestID, loginNow)
	if err != nil {
		t.Fatal(err)
	}
	if done.ReturnTo != "/by-id" || withID.size() != 0 {
		t.Errorf("ReturnTo %q, %d records left; want /by-id and none", done.ReturnTo, withID.size())
	}

	plain := newMapRequests()
	store = hostStore(t, plain)
	req, err = ssogate.BeginSPLogin(h.conn, store, ssogate.SPLoginOptions{Now: loginNow})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.finish(t, store, "", req.RequestID, loginNow); !errors.Is(err, ssogate.ErrRequestUnknown) {
		t.Errorf("no RelayState, a store without TakeByRequestID: %v; want ErrRequestUnknown", err)
	}
	if plain.size() != 1 {
		t.Errorf("the record should still be pending, %d left", plain.size())
	}
}

// A store that errors or panics refuses both halves of the login (fail closed), and the process
// goes on.
func TestHostRequestStoreFailsClosed(t *testing.T) {
	h := newHostLogin(t)
	for name, breakIt := range map[string]func(*mapRequests){
		"error": func(m *mapRequests) { m.failWith = errors.New("database is down") },
		"panic": func(m *mapRequests) { m.panicWith = "nil map" },
	} {
		t.Run(name, func(t *testing.T) {
			m := newMapRequests()
			store := hostStore(t, m)
			req, err := ssogate.BeginSPLogin(h.conn, store, ssogate.SPLoginOptions{Now: loginNow})
			if err != nil {
				t.Fatal(err)
			}
			breakIt(m)
			if _, err := ssogate.BeginSPLogin(h.conn, store, ssogate.SPLoginOptions{Now: loginNow}); !errors.Is(err, ssogate.ErrStoreUnavailable) {
				t.Errorf("BeginSPLogin over a broken store: %v; want ErrStoreUnavailable", err)
			}
			_, err = h.finish(t, store, req.RelayState, req.RequestID, loginNow)
			if !errors.Is(err, ssogate.ErrStoreUnavailable) {
				t.Errorf("FinishSPLogin over a broken store: %v; want ErrStoreUnavailable", err)
			}
			var e *ssogate.Error
			if errors.As(err, &e) && e.UserMessage == "" {
				t.Errorf("refusal without a user message: %+v", e)
			}
		})
	}
	if _, err := ssogate.NewRequestStoreFromStore(nil); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("nil store: %v; want ErrInvalidArgument", err)
	}
}

// Many goroutines finish the same pending login at once: the store's atomic Take lets exactly one
// through. Others finish their own logins beside them. Run with -race.
func TestHostRequestStoreConcurrent(t *testing.T) {
	h := newHostLogin(t)
	m := newMapRequests()
	store := hostStore(t, m)
	shared, err := ssogate.BeginSPLogin(h.conn, store, ssogate.SPLoginOptions{Now: loginNow})
	if err != nil {
		t.Fatal(err)
	}
	const racers = 8
	answers := make([]string, racers)
	for i := range answers {
		answers[i] = h.answer(t, shared.RequestID, loginNow)
	}
	vo := ssogate.VerifyOptions{ReplayCache: h.replay, Now: loginNow}
	var wg sync.WaitGroup
	results := make([]error, 2*racers)
	for i := 0; i < racers; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			_, results[i] = ssogate.FinishSPLogin(h.conn, store, shared.RelayState, answers[i], vo)
		}(i)
		go func(i int) {
			defer wg.Done()
			req, err := ssogate.BeginSPLogin(h.conn, store, ssogate.SPLoginOptions{Now: loginNow})
			if err != nil {
				results[racers+i] = err
				return
			}
			r, err := h.tidp.Response(h.conn, ssogate.TestResponseParams{InResponseTo: req.RequestID, Now: loginNow})
			if err != nil {
				results[racers+i] = err
				return
			}
			_, results[racers+i] = ssogate.FinishSPLogin(h.conn, store, req.RelayState, r.Base64, vo)
		}(i)
	}
	wg.Wait()
	won := 0
	for i, err := range results[:racers] {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ssogate.ErrRequestUnknown):
			t.Errorf("racer %d: %v; want success or ErrRequestUnknown", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d racers finished the same login; want exactly 1", won)
	}
	for i, err := range results[racers:] {
		if err != nil {
			t.Errorf("own login %d: %v", i, err)
		}
	}
	if m.size() != 0 {
		t.Errorf("%d records left after every login finished", m.size())
	}
}
