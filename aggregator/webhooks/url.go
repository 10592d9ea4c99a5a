package webhooks

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"hailong"
)

// maxURL bounds a receiver's URL.
const maxURL = 2000

// Validate checks a subscription as a person made it: an http(s) URL
// without credentials (they would be shown in every listing: a receiver
// authenticates deliveries by their signature instead), known events, a
// unit. With allowPrivate false, a URL naming a loopback, private or
// link-local address is refused too; a host name is checked again on
// every connection (NewClient), as it may resolve elsewhere later.
func Validate(s Subscription, allowPrivate bool) error {
	var fields []hailong.FieldError
	if msg := checkURL(s.URL, allowPrivate); msg != "" {
		fields = append(fields, hailong.FieldError{Field: "url", Message: msg})
	}
	if len(s.Events) == 0 {
		fields = append(fields, hailong.FieldError{Field: "events", Message: "name at least one event"})
	}
	for _, e := range s.Events {
		if !slices.Contains(hailong.EventTypes(), e) {
			fields = append(fields, hailong.Fieldf("events", "%q is not an event (alert.opened, alert.closed, rating.stored)", e))
		}
	}
	if s.Unit == "" {
		fields = append(fields, hailong.FieldError{Field: "unit", Message: "is required"})
	}
	if len(s.Description) > 200 {
		fields = append(fields, hailong.FieldError{Field: "description", Message: "is longer than 200 characters"})
	}
	if fields != nil {
		return hailong.Invalid("The subscription is not valid.", fields...)
	}
	return nil
}

// checkURL returns what is wrong with a receiver's URL, "" when nothing.
func checkURL(raw string, allowPrivate bool) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > maxURL {
		return "is longer than 2000 characters"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must start with http:// or https://"
	case u.User != nil:
		return "must not carry a user name or password; the receiver checks the signature instead"
	case u.Hostname() == "":
		return "has no host"
	case u.Fragment != "":
		return "must not have a fragment (#…)"
	case !validPort(u.Port()):
		return "has a port outside 1–65535"
	}
	// Names compare without case and without the root's trailing dot:
	// LOCALHOST and localhost. are localhost.
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	ip, err := netip.ParseAddr(host)
	if err != nil && numeric(host) {
		// 127.1, 2130706433, 0x7f000001: forms of an address some
		// resolvers read and others do not, which a check of the name
		// would not see as the loopback they may be.
		return "names an address in a form other than the usual one (like 203.0.113.5 or [2001:db8::1])"
	}
	if !allowPrivate && (err == nil && private(ip) || host == "localhost" || strings.HasSuffix(host, ".localhost")) {
		return "names a private or loopback address, which this server is set to refuse"
	}
	return ""
}

// validPort reports whether port, of a URL, is none or one a connection
// can be made to.
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

// numeric reports whether a host that is not an address in its usual form
// still reads as one: its last label is all digits, or a hexadecimal
// number (0x...). No top-level domain is numeric.
func numeric(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if rest, ok := strings.CutPrefix(last, "0x"); ok {
		last = rest
		return last == "" || strings.Trim(last, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// private reports whether ip is loopback, private, link-local or
// unspecified: addresses of the server's own network.
func private(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast()
}

// errPrivate refuses a connection to a private address.
var errPrivate = errors.New("the receiver's address is private or loopback, which this server is set to refuse")

// NewClient returns the HTTP client deliveries are sent with: timeout per
// attempt, no redirects followed (a 3xx is a failed attempt: the
// subscription should name the final URL), and with allowPrivate false a
// dialer that refuses private addresses whatever a name resolves to.
func NewClient(timeout time.Duration, allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || private(ap.Addr()) {
				return errPrivate
			}
			return nil
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}
	tr.Proxy = nil // receivers sit on the province's network
	tr.MaxIdleConnsPerHost = 4
	// A delivery of 200 ratings is about 80 kB: written in 64 kB pieces
	// rather than the default 4 kB, it takes a few system calls, not 20.
	tr.WriteBufferSize = 64 << 10
	return &http.Client{
		Timeout:   timeout,
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
