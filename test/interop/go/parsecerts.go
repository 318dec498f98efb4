// Parses every certificate in the PEM files named on the command line with
// Go's crypto/x509, as a Go partner agency's client (or its TLS stack) would,
// and prints one JSON line per certificate. Exits 1 if any does not parse.
// Run by test/interop/certificates-parse.test.ts with Debian 12's Go (1.19).
package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
)

type parsed struct {
	File       string `json:"file"`
	Subject    string `json:"subject,omitempty"`
	Thumbprint string `json:"thumbprint,omitempty"`
	Extensions int    `json:"extensions"`
	Error      string `json:"error,omitempty"`
}

func main() {
	failed := false
	for _, file := range os.Args[1:] {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		for {
			var block *pem.Block
			block, data = pem.Decode(data)
			if block == nil {
				break
			}
			if block.Type != "CERTIFICATE" {
				continue
			}
			result := parsed{File: file}
			certificate, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				result.Error = err.Error()
				failed = true
			} else {
				digest := sha256.Sum256(certificate.Raw)
				result.Subject = certificate.Subject.String()
				result.Thumbprint = base64.RawURLEncoding.EncodeToString(digest[:])
				result.Extensions = len(certificate.Extensions)
			}
			line, _ := json.Marshal(result)
			fmt.Println(string(line))
		}
	}
	if failed {
		os.Exit(1)
	}
}
