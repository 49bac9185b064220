package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"

	"ssogate.dev/ssogate"
)

// Serves the login endpoints for connections saved in a SQLite gate (the Python dashboard's admin
// pages, or the ssogate CLI, save them):
//
//	go run . -db sqlite:/var/lib/app/ssogate.db -addr 127.0.0.1:8080
func main() {
	db := flag.String("db", "sqlite:ssogate.db", "the gate's store")
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	secure := flag.Bool("secure-cookie", false, "mark the session cookie Secure (behind HTTPS)")
	flag.Parse()
	gate, err := ssogate.OpenGate(*db, "")
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close()
	sso := &SSO{Gate: gate, Secure: *secure}
	fmt.Fprintf(os.Stderr, "listening on http://%s\n", *addr)
	log.Fatal(http.ListenAndServe(*addr, sso.Handler()))
}
