package e2e

import (
	"errors"
	"testing"

	"hailong"
	"hailong/syncapi"
)

// kioskClient is the aggregator at base as the kiosk of cred calls it: the
// tests upload, beat and read the configuration through syncapi.Client, as
// the kiosk's uploader does. The zero credential sends none.
func kioskClient(base string, cred syncapi.Credential) *syncapi.Client {
	return &syncapi.Client{BaseURL: base, Credential: cred}
}

// statusOf is the status the aggregator answered a client's call with: 200
// when err is nil, else the *syncapi.HTTPError's; any other error (the
// network) fails the test.
func statusOf(t *testing.T, err error) int {
	t.Helper()
	var he *syncapi.HTTPError
	switch {
	case err == nil:
		return 200
	case errors.As(err, &he):
		return he.Status
	}
	t.Fatal(err)
	return 0
}

// fieldErrors are the fields a refused call names.
func fieldErrors(err error) []hailong.FieldError {
	var he *syncapi.HTTPError
	if errors.As(err, &he) {
		return he.Errors
	}
	return nil
}

// syncOK uploads req as the kiosk of cred and fails the test unless the
// aggregator took the upload.
func syncOK(t *testing.T, base string, cred syncapi.Credential, req syncapi.Request) syncapi.Response {
	t.Helper()
	res, err := kioskClient(base, cred).Sync(t.Context(), req)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	return res
}
