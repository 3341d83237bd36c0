package facade

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
)

// servedLocal serves a new local site; gets counts the handler's calls for
// the site.
func servedLocal(t *testing.T) (http.Handler, *atomic.Int64) {
	t.Helper()
	s, err := local.Open(t.TempDir(), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	gets := new(atomic.Int64)
	return Handler(func(context.Context) (provider.Site, error) { gets.Add(1); return s, nil }), gets
}

// countingReader yields n bytes of a JSON object holding one long string,
// counting what is read.
type countingReader struct {
	n, read int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.read >= c.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), c.n-c.read)
	for i := range p[:k] {
		switch pos := c.read + int64(i); {
		case pos < 16:
			p[i] = `{"SequenceXML":"`[pos]
		case pos == c.n-2:
			p[i] = '"'
		case pos == c.n-1:
			p[i] = '}'
		default:
			p[i] = 'A'
		}
	}
	c.read += k
	return int(k), nil
}

func TestRequestBodyIsLimited(t *testing.T) {
	h, gets := servedLocal(t)
	const path = "/AdminService/wmi/SMS_TaskSequencePackage.ImportSequence"

	// A declared length over the limit is refused before a byte is read.
	body := &countingReader{n: 60 << 20}
	r := httptest.NewRequest("POST", path, body)
	r.ContentLength = body.n
	w := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge || body.read != 0 || time.Since(start) > time.Second {
		t.Errorf("60 MB declared: %d after reading %d bytes in %v", w.Code, body.read, time.Since(start))
	}
	if !strings.Contains(w.Body.String(), fmt.Sprintf("over %d bytes", MaxRequestBytes)) {
		t.Errorf("413 body: %s", w.Body.String())
	}

	// Undeclared (chunked), it is read up to the limit only, in bounded
	// memory: what the decoder's buffer and the string cost for a body of
	// MaxRequestBytes (the old decoder took all 60 MB into a buffer, and a
	// string, and answered 400 afterwards).
	body = &countingReader{n: 60 << 20}
	r = httptest.NewRequest("POST", path, body)
	r.ContentLength = -1
	w = httptest.NewRecorder()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	h.ServeHTTP(w, r)
	runtime.ReadMemStats(&after)
	if w.Code != http.StatusRequestEntityTooLarge || body.read > MaxRequestBytes+64<<10 {
		t.Errorf("60 MB chunked: %d after reading %d bytes", w.Code, body.read)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 6*MaxRequestBytes && !raceDetector {
		t.Errorf("60 MB chunked body allocated %d MB", alloc>>20)
	}
	if gets.Load() != 0 {
		t.Errorf("the site was used for a refused body")
	}

	// Shapes no request has are refused before they cost memory.
	for name, b := range map[string]string{
		"deep":     strings.Repeat("[", 100) + strings.Repeat("]", 100),
		"wide":     `{"a":[` + strings.Repeat("1,", 300_000) + `1]}`,
		"not JSON": `{"a":`,
		"array":    `[1]`,
		"trailing": `{} {}`,
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", path, strings.NewReader(b)))
		if w.Code != http.StatusBadRequest {
			t.Errorf("%s body: %d %s", name, w.Code, w.Body.String())
		}
	}

	// A real request still works.
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", path, strings.NewReader(`{"SequenceXML":"<sequence version=\"3.10\"><step type=\"SMS_TaskSequence_SetVariableAction\" name=\"x\"><defaultVarList><variable name=\"VariableName\" property=\"VariableName\">A</variable><variable name=\"VariableValue\" property=\"VariableValue\">1</variable></defaultVarList><action>smsts.exe</action></step></sequence>"}`)))
	if w.Code != 201 || !strings.Contains(w.Body.String(), "TaskSequence") {
		t.Errorf("ImportSequence: %d %s", w.Code, w.Body.String())
	}
}

// TestSlowClientHoldsNothing: a client that stalls in the middle of its
// body keeps no other request waiting: the site is asked for only once a
// body has been read.
func TestSlowClientHoldsNothing(t *testing.T) {
	h, gets := servedLocal(t)
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /AdminService/wmi/SMS_Package HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"Name\":")
	time.Sleep(100 * time.Millisecond) // the server is now reading the body

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/AdminService/wmi/SMS_Package", nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("a request behind a stalled one: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("query: %d", resp.StatusCode)
		}
	}
	if n := gets.Load(); n != 3 {
		t.Errorf("site asked for %d times, want 3 (not for the stalled request)", n)
	}
	// The stalled request completes once its body does.
	fmt.Fprintf(conn, "%s}", `"Late"`+strings.Repeat(" ", 1000-len(`{"Name":"Late"}`)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Errorf("late request: %d", resp.StatusCode)
	}
}

func TestAuthFailuresAreSlowed(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	l := LimitAuthFailures(RequireBasic(ok, "u", "pw")).(*authLimiter)
	l.now = func() time.Time { return now }
	try := func(addr, pass string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/AdminService/wmi/SMS_Site", nil)
		r.RemoteAddr = addr
		if pass != "" {
			r.SetBasicAuth("u", pass)
		}
		w := httptest.NewRecorder()
		l.ServeHTTP(w, r)
		return w
	}
	const a, b = "192.0.2.1:1000", "192.0.2.2:1000"
	// The challenge request (no credentials) is not a failure.
	for i := 0; i < 5; i++ {
		if w := try(a, ""); w.Code != 401 {
			t.Fatalf("challenge: %d", w.Code)
		}
	}
	// Two wrong passwords are answered at once; the third holds the
	// address off, each further one twice as long.
	for i := 0; i < 2; i++ {
		if w := try(a, "bad"); w.Code != 401 {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	if w := try(a, "pw"); w.Code != 200 {
		t.Fatalf("right password after two failures: %d", w.Code)
	}
	for i := 0; i < 3; i++ { // the success forgot the failures
		try(a, "bad")
	}
	w := try(a, "pw")
	if w.Code != 429 || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("held off: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	// Another address is not affected.
	if w := try(b, "pw"); w.Code != 200 {
		t.Errorf("other address: %d", w.Code)
	}
	delays := []time.Duration{}
	for i := 0; i < 10; i++ {
		now = now.Add(time.Hour / 60) // past any hold-off (at most a minute)
		try(a, "bad")
		f := l.clients[clientKey(a)]
		delays = append(delays, f.until.Sub(now))
	}
	for i := 1; i < len(delays); i++ {
		if delays[i] < delays[i-1] || delays[i] > authMaxDelay {
			t.Errorf("hold-offs %v: not growing up to %v", delays, authMaxDelay)
			break
		}
	}
	if delays[len(delays)-1] != authMaxDelay {
		t.Errorf("hold-offs %v never reach %v", delays, authMaxDelay)
	}
	// Held off, a right password is not even checked.
	if w := try(a, "pw"); w.Code != 429 {
		t.Errorf("right password while held off: %d", w.Code)
	}
	// IPv6 addresses count per /64.
	if clientKey("[2001:db8::1]:5") != clientKey("[2001:db8::2]:6") || clientKey("[2001:db8::1]:5") == clientKey("[2001:db8:0:1::1]:5") {
		t.Errorf("IPv6 keys: %s %s", clientKey("[2001:db8::1]:5"), clientKey("[2001:db8:0:1::1]:5"))
	}
}

func TestAuthFailuresOneAtATime(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		w.WriteHeader(401)
	})
	l := LimitAuthFailures(slow).(*authLimiter)
	base := time.Now()
	l.now = func() time.Time { return base }
	l.clients[clientKey("192.0.2.1:1")] = &authFailures{count: authFreeFailures + 1, last: base, until: base}
	done := make(chan int, 1)
	go func() {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "192.0.2.1:1"
		r.SetBasicAuth("u", "x")
		w := httptest.NewRecorder()
		l.ServeHTTP(w, r)
		done <- w.Code
	}()
	<-entered
	// While one attempt of a slowed address is checked, others wait their turn.
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.1:2"
	r.SetBasicAuth("u", "y")
	w := httptest.NewRecorder()
	l.ServeHTTP(w, r)
	if w.Code != 429 {
		t.Errorf("concurrent attempt of a slowed address: %d", w.Code)
	}
	close(release)
	if c := <-done; c != 401 {
		t.Errorf("first attempt: %d", c)
	}
}
