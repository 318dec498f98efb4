// GET <hub>/.well-known/jwks.json over mutual TLS with Go's crypto/tls, as a
// Go partner agency's client would: go run jwksget.go HUB_URL CA_PEM CERT_PEM KEY_PEM.
// Prints the HTTP status and the number of keys as JSON. Run by
// test/interop/partner-agency.test.ts with Debian 12's Go (1.19), whose
// crypto/x509 refused the scheme's certificates while they carried a policy
// OID with an arc wider than 64 bits, failing the handshake.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	hub, caFile, certFile, keyFile := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	caPem, err := os.ReadFile(caFile)
	if err != nil {
		fail(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPem) {
		fail(fmt.Errorf("no CA certificate in %s", caFile))
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		fail(err)
	}
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}},
	}
	response, err := client.Get(hub + "/.well-known/jwks.json")
	if err != nil {
		fail(err)
	}
	defer response.Body.Close()
	var jwks struct {
		Keys []map[string]interface{} `json:"keys"`
	}
	if err := json.NewDecoder(response.Body).Decode(&jwks); err != nil {
		fail(err)
	}
	line, _ := json.Marshal(map[string]interface{}{"status": response.StatusCode, "keys": len(jwks.Keys), "tlsVersion": response.TLS.Version})
	fmt.Println(string(line))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
