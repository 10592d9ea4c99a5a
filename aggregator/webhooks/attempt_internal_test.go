package webhooks

import (
	"context"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestAttemptErrorSaysWhyInWords: the delivery log says why an attempt
// failed without Go's error chain and without the aggregator's own
// network (its name server's address).
func TestAttemptErrorSaysWhyInWords(t *testing.T) {
	post := func(err error) error { return &url.Error{Op: "Post", URL: "http://r.example:9/h", Err: err} }
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"a name not known", post(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "r.example", Server: "10.255.255.53:53", IsNotFound: true}}),
			"the receiver's host name is not known to the name service: r.example"},
		{"a name server that does not answer", post(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "i/o timeout", Name: "r.example", Server: "10.255.255.53:53", IsTimeout: true}}),
			"could not be looked up now"},
		{"a closed port", post(&net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}),
			"refused the connection"},
		{"a private address", post(&net.OpError{Op: "dial", Net: "tcp", Err: errPrivate}), errPrivate.Error()},
		{"a stop", post(context.Canceled), "shutting down"},
		{"a timeout", post(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), "did not answer in time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := attemptError(tc.err)
			if !strings.Contains(got, tc.want) || strings.Contains(got, "10.255.255.53") || strings.Contains(got, "Post ") {
				t.Errorf("%q, want %q without the name server or Go's chain", got, tc.want)
			}
		})
	}
}
