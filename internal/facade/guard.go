package facade

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RequireBasic wraps h so that every request must carry HTTP Basic
// credentials for user and password; others get 401 with a Basic
// challenge. It stands in for the Windows authentication of a real
// AdminService when a site is served for tests and demos (over TLS only).
func RequireBasic(h http.Handler, user, password string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(strings.ToLower(u)), []byte(strings.ToLower(user))) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="tsctl local site", charset="UTF-8"`)
			writeJSONError(w, 401, "Unauthorized", "the user name or password is incorrect")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// readMethods are the static methods that change nothing on a site.
var readMethods = map[string]bool{"ImportSequence": true, "GetLockInformation": true}

// ReadOnly wraps h so that every request that would change the site gets
// 403, as for an account whose security role can read but not modify
// task sequences and packages.
func ReadOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if m := routeMethod.FindStringSubmatch(r.URL.Path); m == nil || !readMethods[canonicalMethod(m[2])] {
				class, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/AdminService/wmi/"), "(")
				class, _, _ = strings.Cut(class, ".")
				writeJSONError(w, 403, "Forbidden", fmt.Sprintf("the account has no permission to modify %s objects", class))
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// canonicalMethod is a method name in the case readMethods uses.
func canonicalMethod(name string) string {
	for m := range readMethods {
		if strings.EqualFold(m, name) {
			return m
		}
	}
	return name
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

// Backoff of repeated authentication failures (LimitAuthFailures).
const (
	authFreeFailures = 2 // failures from one address before it is slowed
	authFirstDelay   = 500 * time.Millisecond
	authMaxDelay     = time.Minute      // the longest an address is held off
	authForgetAfter  = 15 * time.Minute // failures older than this are forgotten
	authMaxClients   = 10_000           // addresses remembered at once
)

// LimitAuthFailures wraps an authenticating handler so that an address
// that keeps failing to authenticate is slowed down: after
// authFreeFailures failures, each further one holds that address off for
// twice as long as the one before (from authFirstDelay up to
// authMaxDelay). A request with credentials from an address that is held
// off gets 429 with Retry-After, without its credentials being checked;
// a success forgets the address's failures. A failure is a 401 answer to a
// request that carried credentials (an Authorization header): the first
// request of a challenge exchange, which carries none, does not count.
// IPv6 addresses count per /64, the block one host usually has.
func LimitAuthFailures(h http.Handler) http.Handler {
	return &authLimiter{next: h, clients: map[string]*authFailures{}, now: time.Now}
}

type authLimiter struct {
	next    http.Handler
	mu      sync.Mutex
	clients map[string]*authFailures
	now     func() time.Time
}

type authFailures struct {
	count    int
	last     time.Time // of the last failure
	until    time.Time // held off until then
	checking int       // requests of this address being authenticated now
}

// clientKey is the address a request comes from (per /64 for IPv6).
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// authDelay is how long an address is held off after n failures.
func authDelay(n int) time.Duration {
	if n <= authFreeFailures {
		return 0
	}
	d := authFirstDelay
	for i := authFreeFailures + 1; i < n && d < authMaxDelay; i++ {
		d *= 2
	}
	return min(d, authMaxDelay)
}

func (l *authLimiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") == "" {
		l.next.ServeHTTP(w, r)
		return
	}
	key := clientKey(r.RemoteAddr)
	now := l.now()
	l.mu.Lock()
	f := l.clients[key]
	// Held off; and once slowed, an address has one attempt at a time, so
	// that sending many at once gains nothing.
	if f != nil && (now.Before(f.until) || f.count > authFreeFailures && f.checking > 0) {
		wait := max(f.until.Sub(now), time.Second)
		l.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		writeJSONError(w, http.StatusTooManyRequests, "TooManyRequests", "too many failed authentication attempts from this address; try again later")
		return
	}
	if f != nil {
		f.checking++
	}
	l.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w}
	l.next.ServeHTTP(sw, r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if f != nil {
		f.checking--
	}
	if sw.status != http.StatusUnauthorized {
		if sw.status != 0 && sw.status < 400 {
			delete(l.clients, key)
		}
		return
	}
	now = l.now()
	f = l.clients[key]
	if f == nil || now.Sub(f.last) > authForgetAfter {
		if len(l.clients) >= authMaxClients {
			l.forget(now)
		}
		f = &authFailures{}
		l.clients[key] = f
	}
	f.count++
	f.last = now
	f.until = now.Add(authDelay(f.count))
}

// forget drops the addresses whose failures are old, or, when all are
// recent, the one whose last failure is the oldest.
func (l *authLimiter) forget(now time.Time) {
	var oldest string
	for k, f := range l.clients {
		if now.Sub(f.last) > authForgetAfter {
			delete(l.clients, k)
			continue
		}
		if oldest == "" || f.last.Before(l.clients[oldest].last) {
			oldest = k
		}
	}
	if len(l.clients) >= authMaxClients && oldest != "" {
		delete(l.clients, oldest)
	}
}

// statusWriter records the status a handler answers with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
