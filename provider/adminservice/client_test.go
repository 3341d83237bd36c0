package adminservice

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/tsctl/tsctl/provider"
)

// siteHandler answers the site-code query Open makes and records every
// request it serves.
type siteHandler struct {
	mu   sync.Mutex
	seen []string // method and request URI
	// reply, when set, answers everything but SMS_Identification.
	reply func(w http.ResponseWriter, r *http.Request)
}

func (h *siteHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.seen = append(h.seen, r.Method+" "+r.URL.RequestURI())
	h.mu.Unlock()
	if strings.HasPrefix(r.URL.Path, "/AdminService/wmi/SMS_Identification") {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"@odata.context":"x","value":[{"ThisSiteCode":"PS1"}]}`)
		return
	}
	if h.reply != nil {
		h.reply(w, r)
		return
	}
	http.NotFound(w, r)
}

// withHint renders an error as the CLI prints it: the message, then its hint.
func withHint(err error) string {
	if err == nil {
		return "<nil>"
	}
	var pe *provider.Error
	if errors.As(err, &pe) && pe.Hint != "" {
		return err.Error() + "\nhint: " + pe.Hint
	}
	return err.Error()
}

func trusting(srv *httptest.Server) Options {
	return Options{Transport: srv.Client().Transport}
}

func TestWindowsAuthentication(t *testing.T) {
	site := &siteHandler{}
	auth := &ntlmServer{user: "admin", domain: "CONTOSO", password: "Corr3ct-Horse", next: site}
	srv := httptest.NewTLSServer(auth)
	defer srv.Close()
	ctx := context.Background()

	for _, user := range []string{`CONTOSO\admin`, `contoso\ADMIN`} {
		opt := trusting(srv)
		opt.Username, opt.Password = user, "Corr3ct-Horse"
		c, err := Open(ctx, srv.URL+"/AdminService", opt)
		if err != nil {
			t.Fatalf("open as %s: %v", user, err)
		}
		if c.Code() != "PS1" {
			t.Errorf("site code %q, want PS1", c.Code())
		}
		c.Close()
	}
	if auth.accepted != 2 {
		t.Errorf("%d NTLM handshakes accepted, want 2", auth.accepted)
	}

	opt := trusting(srv)
	opt.Username, opt.Password = `CONTOSO\admin`, "Wrong-Secret-99"
	_, err := Open(ctx, srv.URL+"/AdminService", opt)
	if !provider.IsKind(err, provider.KindDenied) || !strings.Contains(err.Error(), `authentication failed for CONTOSO\admin`) ||
		strings.Contains(err.Error(), "no credentials") {
		t.Fatalf("wrong password: got %v, want an authentication failure naming the user", err)
	}
	if strings.Contains(err.Error(), "Wrong-Secret-99") {
		t.Errorf("the password appears in the error: %v", err)
	}

	_, err = Open(ctx, srv.URL+"/AdminService", trusting(srv))
	if err == nil || !strings.Contains(err.Error(), "the server offers NTLM, Negotiate") ||
		!strings.Contains(err.Error(), "authentication required") || !strings.Contains(err.Error(), "no credentials were given") ||
		strings.Contains(err.Error(), "failed") {
		t.Fatalf("no credentials: got %v, want authentication required, not failed", err)
	}
}

func TestBearerToken(t *testing.T) {
	var got string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		fmt.Fprint(w, `{"value":[{"ThisSiteCode":"CM1"}]}`)
	}))
	defer srv.Close()
	opt := trusting(srv)
	opt.Token = "tok-123"
	c, err := Open(context.Background(), srv.URL+"/AdminService", opt)
	if err != nil {
		t.Fatal(err)
	}
	if got != "Bearer tok-123" || c.Code() != "CM1" {
		t.Errorf("Authorization %q, site %q", got, c.Code())
	}
}

func TestCertificateTrust(t *testing.T) {
	srv := httptest.NewTLSServer(&siteHandler{})
	defer srv.Close()
	ctx := context.Background()
	_, err := Open(ctx, srv.URL+"/AdminService", Options{})
	if !provider.IsKind(err, provider.KindDenied) || !strings.Contains(err.Error(), "not trusted") ||
		!strings.Contains(withHint(err), "\nhint: pass --ca-file") {
		t.Fatalf("untrusted certificate: got %v", err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, block, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, srv.URL+"/AdminService", Options{CAFile: ca}); err != nil {
		t.Fatalf("with --ca-file: %v", err)
	}
	if _, err := Open(ctx, srv.URL+"/AdminService", Options{InsecureSkipVerify: true}); err != nil {
		t.Fatalf("insecure: %v", err)
	}
	if _, err := Open(ctx, "http://cm01/AdminService", Options{}); err == nil {
		t.Error("plain http accepted")
	}
	// A trusted certificate that does not name the host used.
	local := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if _, err := Open(ctx, local+"/AdminService", Options{CAFile: ca}); !provider.IsKind(err, provider.KindDenied) ||
		!strings.Contains(err.Error(), "does not name this host") || strings.Contains(withHint(err), "--ca-file") {
		t.Errorf("wrong host name: got %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	if _, err := Open(ctx, srv.URL+"/AdminService", Options{CAFile: bad}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("bad CA file: %v", err)
	}
}

func TestTransportErrors(t *testing.T) {
	base := "https://cm01.corp.example/AdminService"
	expired := &url.Error{Op: "Get", URL: base + "/wmi/SMS_Site", Err: &tls.CertificateVerificationError{
		Err: x509.CertificateInvalidError{Reason: x509.Expired, Detail: "current time 2026-11-25 is after 2026-11-24"}}}
	for _, c := range []struct {
		err  error
		kind provider.ErrorKind
		want string
	}{
		{expired, provider.KindDenied, "query SMS_Site: TLS: the server certificate has expired or is not yet valid (certificate has expired or is not yet valid: current time 2026-11-25 is after 2026-11-24)\nhint: renew the certificate"},
		{&url.Error{Op: "Get", URL: base, Err: errors.New("dial tcp 10.0.0.5:443: connect: connection refused")}, provider.KindTransient,
			"query SMS_Site: cannot reach " + base + ": dial tcp 10.0.0.5:443: connect: connection refused"},
	} {
		err := transportError("query SMS_Site", base, c.err)
		if !provider.IsKind(err, c.kind) || !strings.HasPrefix(withHint(err), c.want) {
			t.Errorf("got %v\nwant prefix %s (kind %v)", err, c.want, c.kind)
		}
	}
	if err := transportError("q", base, context.Canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

func TestErrorKinds(t *testing.T) {
	cases := []struct {
		status int
		body   string
		kind   provider.ErrorKind
		msg    string
	}{
		{400, `{"error":{"code":"BadArgument","message":"Invalid property Foo"}}`, provider.KindInvalid, "HTTP 400: Invalid property Foo (BadArgument)"},
		{403, `{"error":{"message":"The user has no permission"}}`, provider.KindDenied, "access denied: The user has no permission"},
		{404, ``, provider.KindNotFound, "HTTP 404"},
		{409, `locked by CONTOSO\jdoe`, provider.KindLocked, `locked by CONTOSO\jdoe`},
		{500, `{"error":{"message":"Generic failure"}}`, provider.KindFailed, "HTTP 500: Generic failure"},
		{500, `{"error":{"message":"Not found"}}`, provider.KindNotFound, "HTTP 500: Not found"},
		{500, `{"error":{"message":"Generic failure: the source file was not found"}}`, provider.KindFailed, "Generic failure"},
		{500, `{"error":{"message":"Invalid parameter "}}`, provider.KindInvalid, "HTTP 500: Invalid parameter"},
		{500, `{"error":{"message":"Access denied "}}`, provider.KindDenied, "HTTP 500: Access denied"},
		{500, `{"error":{"message":"The RPC server is unavailable."}}`, provider.KindTransient, "RPC server"},
		{500, `{"error":{"message":"Something odd happened"}}`, provider.KindFailed, "HTTP 500: Something odd"},
		{500, `{"error":{"message":"Failed to save: the object is locked by CONTOSO\\ann on ADMIN7"}}`, provider.KindLocked, `locked by CONTOSO\ann on ADMIN7`},
		{405, ``, provider.KindNotFound, "HTTP 405"},
		{501, `not implemented`, provider.KindNotFound, "HTTP 501"},
		{500, `{"error":{"code":"InternalError","message":"SetSequence: the sequence was rejected (0x80041001)"}}`, provider.KindFailed, "rejected (0x80041001) (InternalError)"},
		{500, `{"error":{"message":"Invalid parameter 0x80041008"}}`, provider.KindInvalid, "HTTP 500: Invalid parameter"},
		{500, `{"error":{"message":"Exception from HRESULT: 0x800706BA"}}`, provider.KindTransient, "0x800706BA"},
		{500, `{"error":{"message":"code 0x80041234 unknown, then 0x80041002"}}`, provider.KindNotFound, "0x80041002"},
		{502, `bad gateway`, provider.KindTransient, "HTTP 502: bad gateway"},
		{429, `slow down`, provider.KindTransient, "HTTP 429: slow down"},
		{503, `{"error":{"message":"busy (0x80041001)"}}`, provider.KindTransient, "HTTP 503: busy"},
		{503, `busy`, provider.KindTransient, "HTTP 503: busy"},
	}
	for _, tc := range cases {
		site := &siteHandler{reply: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			fmt.Fprint(w, tc.body)
		}}
		srv := httptest.NewTLSServer(site)
		c, err := Open(context.Background(), srv.URL+"/AdminService", trusting(srv))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Query(context.Background(), provider.Query{Class: "SMS_Package"})
		if !provider.IsKind(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("HTTP %d: got %v, want kind %v with %q", tc.status, err, tc.kind, tc.msg)
		}
		srv.Close()
	}

	// A method whose ReturnValue is not 0 fails.
	site := &siteHandler{reply: func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ReturnValue":2}`)
	}}
	srv := httptest.NewTLSServer(site)
	defer srv.Close()
	c, _ := Open(context.Background(), srv.URL+"/AdminService", trusting(srv))
	if _, err := c.ExecMethod(context.Background(), "SMS_TaskSequencePackage", "SetSequence", nil); err == nil || !strings.Contains(err.Error(), "ReturnValue 2") {
		t.Errorf("ReturnValue 2: got %v", err)
	}
}

func TestRequestsOnTheWire(t *testing.T) {
	site := &siteHandler{reply: func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"value":[{"PackageID":"PS100001","ProgramName":"Install","Name":"O'Brien"}]}`)
	}}
	srv := httptest.NewTLSServer(site)
	defer srv.Close()
	ctx := context.Background()
	c, err := Open(ctx, srv.URL+"/AdminService", trusting(srv))
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.Query(ctx, provider.Query{Class: "SMS_Package", Select: []string{"PackageID", "Name"}, Where: map[string]string{"Name": "O'Brien"}})
	if err != nil || len(list) != 1 || list[0].String("Name") != "O'Brien" {
		t.Fatalf("query: %v %v", list, err)
	}
	if _, err := c.Get(ctx, provider.Path("SMS_Package", "PackageID", "PS100001")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, provider.Path("SMS_Program", "PackageID", "PS100001", "ProgramName", "Install")); err != nil {
		t.Fatal(err)
	}
	in := &provider.Instance{Class: "SMS_Package", Props: map[string]any{"PackageID": "PS100001", "Name": "Tools"}}
	if path, err := c.Put(ctx, in); err != nil || path != provider.Path("SMS_Package", "PackageID", "PS100001") {
		t.Fatalf("put: %q %v", path, err)
	}
	if err := c.Delete(ctx, provider.Path("SMS_Package", "PackageID", "PS100001")); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /AdminService/wmi/SMS_Identification?%24select=ThisSiteCode",
		"GET /AdminService/wmi/SMS_Package?%24filter=Name+eq+%27O%27%27Brien%27&%24select=PackageID%2CName",
		"GET /AdminService/wmi/SMS_Package('PS100001')",
		"GET /AdminService/wmi/SMS_Program?%24filter=PackageID+eq+%27PS100001%27+and+ProgramName+eq+%27Install%27",
		"POST /AdminService/wmi/SMS_Package('PS100001')",
		"DELETE /AdminService/wmi/SMS_Package('PS100001')",
	}
	if strings.Join(site.seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(site.seen, "\n"), strings.Join(want, "\n"))
	}
}

// ntlmServer is the server side of NTLMv2 (MS-NLMP) in front of next: it
// issues a challenge and verifies the client's NTProofStr against the
// password it knows, so a wrong password or a mangled message fails.
type ntlmServer struct {
	user, domain, password string
	next                   http.Handler
	mu                     sync.Mutex
	accepted               int
}

var serverChallenge = []byte{1, 2, 3, 4, 5, 6, 7, 8}

func (s *ntlmServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	msg, err := base64.StdEncoding.DecodeString(token)
	deny := func() {
		w.Header().Add("WWW-Authenticate", "NTLM")
		w.Header().Add("WWW-Authenticate", "Negotiate")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"message":"Access is denied."}}`)
	}
	if (scheme != "NTLM" && scheme != "Negotiate") || err != nil || len(msg) < 12 || !bytes.HasPrefix(msg, []byte("NTLMSSP\x00")) {
		deny()
		return
	}
	switch binary.LittleEndian.Uint32(msg[8:]) {
	case 1:
		w.Header().Set("WWW-Authenticate", scheme+" "+base64.StdEncoding.EncodeToString(challengeMessage(s.domain)))
		w.WriteHeader(http.StatusUnauthorized)
	case 3:
		if !s.verify(msg) {
			deny()
			return
		}
		s.mu.Lock()
		s.accepted++
		s.mu.Unlock()
		s.next.ServeHTTP(w, r)
	default:
		deny()
	}
}

func challengeMessage(domain string) []byte {
	name := utf16le(domain)
	var info []byte
	info = binary.LittleEndian.AppendUint16(info, 2) // MsvAvNbDomainName
	info = binary.LittleEndian.AppendUint16(info, uint16(len(name)))
	info = append(info, name...)
	info = append(info, 0, 0, 0, 0) // MsvAvEOL
	const flags = 0x00000001 | 0x00000004 | 0x00000200 | 0x00080000 | 0x00800000
	m := []byte("NTLMSSP\x00")
	m = binary.LittleEndian.AppendUint32(m, 2)
	m = appendField(m, len(name), 48)
	m = binary.LittleEndian.AppendUint32(m, flags)
	m = append(m, serverChallenge...)
	m = append(m, make([]byte, 8)...)
	m = appendField(m, len(info), 48+len(name))
	m = append(m, name...)
	return append(m, info...)
}

func appendField(b []byte, n, offset int) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(n))
	b = binary.LittleEndian.AppendUint16(b, uint16(n))
	return binary.LittleEndian.AppendUint32(b, uint32(offset))
}

func field(msg []byte, at int) []byte {
	if len(msg) < at+8 {
		return nil
	}
	n := int(binary.LittleEndian.Uint16(msg[at:]))
	off := int(binary.LittleEndian.Uint32(msg[at+4:]))
	if off+n > len(msg) {
		return nil
	}
	return msg[off : off+n]
}

func (s *ntlmServer) verify(msg []byte) bool {
	nt, domain, user := field(msg, 20), field(msg, 28), field(msg, 36)
	if len(nt) < 16+28 || !strings.EqualFold(fromUTF16le(user), s.user) || !strings.EqualFold(fromUTF16le(domain), s.domain) {
		return false
	}
	ntHash := md4Sum(utf16le(s.password))
	// The client hashed the user name as it typed it (upper-cased) with
	// the domain as typed: recompute with what it sent.
	key := hmacMD5(ntHash[:], utf16le(strings.ToUpper(fromUTF16le(user))+fromUTF16le(domain)))
	proof := hmacMD5(key, serverChallenge, nt[16:])
	return hmac.Equal(proof, nt[:16])
}

func hmacMD5(key []byte, data ...[]byte) []byte {
	h := hmac.New(md5.New, key)
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(nil)
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

func fromUTF16le(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// md4Sum is RFC 1320 MD4, which NTLM uses to hash the password.
func md4Sum(msg []byte) [16]byte {
	n := len(msg)
	msg = append(append([]byte(nil), msg...), 0x80)
	for len(msg)%64 != 56 {
		msg = append(msg, 0)
	}
	msg = binary.LittleEndian.AppendUint64(msg, uint64(n)*8)
	h := [4]uint32{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}
	r2 := [16]int{0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15}
	r3 := [16]int{0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15}
	for len(msg) > 0 {
		var x [16]uint32
		for i := range x {
			x[i] = binary.LittleEndian.Uint32(msg[4*i:])
		}
		a, b, c, d := h[0], h[1], h[2], h[3]
		for i := 0; i < 16; i++ {
			s := [4]int{3, 7, 11, 19}[i%4]
			a = bits.RotateLeft32(a+(b&c|^b&d)+x[i], s)
			a, b, c, d = d, a, b, c
		}
		for i := 0; i < 16; i++ {
			s := [4]int{3, 5, 9, 13}[i%4]
			a = bits.RotateLeft32(a+(b&c|b&d|c&d)+x[r2[i]]+0x5a827999, s)
			a, b, c, d = d, a, b, c
		}
		for i := 0; i < 16; i++ {
			s := [4]int{3, 9, 11, 15}[i%4]
			a = bits.RotateLeft32(a+(b^c^d)+x[r3[i]]+0x6ed9eba1, s)
			a, b, c, d = d, a, b, c
		}
		h[0], h[1], h[2], h[3] = h[0]+a, h[1]+b, h[2]+c, h[3]+d
		msg = msg[64:]
	}
	var out [16]byte
	for i, v := range h {
		binary.LittleEndian.PutUint32(out[4*i:], v)
	}
	return out
}

func TestMD4(t *testing.T) {
	for in, want := range map[string]string{
		"":    "31d6cfe0d16ae931b73c59d7e0c089c0",
		"abc": "a448017aaf21d8525fc10ae87aa6729d",
		"12345678901234567890123456789012345678901234567890123456789012345678901234567890": "e33b4ddc9c38f2199c3e7b164fcc0536",
	} {
		got := md4Sum([]byte(in))
		if hex.EncodeToString(got[:]) != want {
			t.Errorf("md4(%q) = %x, want %s", in, got, want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 0 ", 0},
		{"-3", 0},
		{"soon", 0},
		{"Wed, 25 Nov 2026 12:00:10 GMT", 10 * time.Second},
		{"Wed, 25 Nov 2026 11:59:00 GMT", 0},
		{"99999999", 24 * time.Hour},
	}
	for _, tc := range cases {
		if got := retryAfter(tc.header, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

// A 503 with Retry-After is retried no sooner than the site asked.
func TestRetryAfterFromSite(t *testing.T) {
	calls := 0
	site := &siteHandler{reply: func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"value":[]}`)
	}}
	srv := httptest.NewTLSServer(site)
	defer srv.Close()
	c, err := Open(context.Background(), srv.URL+"/AdminService", trusting(srv))
	if err != nil {
		t.Fatal(err)
	}
	r := provider.NewRetrying(c)
	r.Base = time.Millisecond
	start := time.Now()
	if _, err := r.Query(context.Background(), provider.Query{Class: "SMS_Package"}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second || calls != 2 {
		t.Errorf("%d calls in %v; want the retry after the site's 1 s", calls, d)
	}
}

// A paged collection is read to its end; updates carry only what the
// instance holds, at the keyed URL; a program that does not exist yet is
// created at the collection.
func TestPagingAndUpdates(t *testing.T) {
	var bodies []string
	site := &siteHandler{reply: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			bodies = append(bodies, string(b))
			if strings.Contains(r.URL.Path, "SMS_Program(") {
				w.WriteHeader(404)
				return
			}
			fmt.Fprint(w, `{"PackageID":"PS100001","ProgramName":"Install"}`)
			return
		}
		switch r.URL.Query().Get("$skiptoken") {
		case "":
			fmt.Fprint(w, `{"value":[{"PackageID":"PS100001"}],"@odata.nextLink":"https://provider.other.example/AdminService/wmi/SMS_Package?$skiptoken=2"}`)
		case "2":
			fmt.Fprint(w, `{"value":[{"PackageID":"PS100002"}],"@odata.nextLink":"wmi/SMS_Package?$skiptoken=3"}`)
		case "3":
			fmt.Fprint(w, `{"value":[{"PackageID":"PS100003"}]}`)
		case "loop":
			fmt.Fprint(w, `{"value":[],"@odata.nextLink":"wmi/SMS_Package?$skiptoken=loop"}`)
		}
	}}
	srv := httptest.NewTLSServer(site)
	defer srv.Close()
	ctx := context.Background()
	c, err := Open(ctx, srv.URL+"/AdminService", trusting(srv))
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.Query(ctx, provider.Query{Class: "SMS_Package"})
	if err != nil || len(list) != 3 || list[2].String("PackageID") != "PS100003" {
		t.Fatalf("paged query: %v %v", list, err)
	}
	if _, err := c.collection(ctx, "query SMS_Package", "wmi/SMS_Package?$skiptoken=loop"); err == nil || !strings.Contains(err.Error(), "repeats") {
		t.Errorf("a looping nextLink: %v", err)
	}
	upd := &provider.Instance{Class: "SMS_Package", Props: map[string]any{"PackageID": "PS100001", "Description": "new"}}
	if _, err := c.Put(ctx, upd); err != nil {
		t.Fatal(err)
	}
	prog := &provider.Instance{Class: "SMS_Program", Props: map[string]any{"PackageID": "PS100001", "ProgramName": "Install", "CommandLine": "x.cmd"}}
	if path, err := c.Put(ctx, prog); err != nil || path != `SMS_Program.PackageID="PS100001",ProgramName="Install"` {
		t.Fatal(path, err)
	}
	want := []string{
		"GET /AdminService/wmi/SMS_Identification?%24select=ThisSiteCode",
		"GET /AdminService/wmi/SMS_Package",
		"GET /AdminService/wmi/SMS_Package?$skiptoken=2",
		"GET /AdminService/wmi/SMS_Package?$skiptoken=3",
		"GET /AdminService/wmi/SMS_Package?$skiptoken=loop",
		"GET /AdminService/wmi/SMS_Package?$skiptoken=loop",
		"POST /AdminService/wmi/SMS_Package('PS100001')",
		"POST /AdminService/wmi/SMS_Program(PackageID='PS100001',ProgramName='Install')",
		"POST /AdminService/wmi/SMS_Program",
	}
	if strings.Join(site.seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(site.seen, "\n"), strings.Join(want, "\n"))
	}
	if strings.TrimSpace(bodies[0]) != `{"Description":"new","PackageID":"PS100001"}` {
		t.Errorf("update body %s", bodies[0])
	}
}

// TestEmbeddedObjectPassedBack: an object a method answers with
// (ImportSequence's SMS_TaskSequence) is decoded into the instance's
// properties, and passed back to the site (SetSequence) it is sent byte
// for byte as the site wrote it — its members' order, spaces and escapes
// as they came — not decoded and encoded again.
func TestEmbeddedObjectPassedBack(t *testing.T) {
	const ts = `{ "@odata.type" : "#AdminService.SMS_TaskSequence", "SchemaVersion":"3.10",` +
		`"Steps":[{"@odata.type":"#AdminService.SMS_TaskSequence_RunCommandLineAction","Name":"Run \u003cit\u003e","Enabled":true}],` +
		`"@tsctl.sequenceXml":"\u003csequence version=\"3.10\"/\u003e" }`
	var setBody []byte
	var reply atomic.Value // the TaskSequence ImportSequence answers with
	reply.Store(ts)
	site := &siteHandler{reply: func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, ".ImportSequence"):
			w.WriteHeader(201)
			fmt.Fprint(w, `{"@odata.context":"x","ReturnValue":0,"TaskSequence":`+reply.Load().(string)+`}`)
		case strings.HasSuffix(r.URL.Path, ".SetSequence"):
			setBody, _ = io.ReadAll(r.Body)
			w.WriteHeader(201)
			fmt.Fprint(w, `{"ReturnValue":0,"SavedTaskSequencePackagePath":"SMS_TaskSequencePackage.PackageID=\"PS100001\""}`)
		default:
			http.NotFound(w, r)
		}
	}}
	srv := httptest.NewTLSServer(site)
	defer srv.Close()
	ctx := context.Background()
	c, err := Open(ctx, srv.URL+"/AdminService", trusting(srv))
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.ExecMethod(ctx, "SMS_TaskSequencePackage", "ImportSequence", map[string]any{"SequenceXML": `<sequence version="3.10"/>`})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := out["TaskSequence"].(*provider.Instance)
	if got == nil || got.Class != "SMS_TaskSequence" || got.String("SchemaVersion") != "3.10" {
		t.Fatalf("TaskSequence = %#v", out["TaskSequence"])
	}
	if steps, _ := got.Props["Steps"].([]*provider.Instance); len(steps) != 1 || steps[0].String("Name") != "Run <it>" {
		t.Fatalf("Steps = %#v", got.Props["Steps"])
	}
	pkg := &provider.Instance{Class: "SMS_TaskSequencePackage", Props: map[string]any{"Name": "Demo"}}
	if _, err := c.ExecMethod(ctx, "SMS_TaskSequencePackage", "SetSequence", map[string]any{"TaskSequencePackage": pkg, "TaskSequence": got}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(setBody, []byte(`"TaskSequence":`+ts)) {
		t.Errorf("SetSequence body:\n%s\nwant the TaskSequence as the site sent it:\n%s", setBody, ts)
	}
	// Its annotations, left out of its properties, are still checked.
	reply.Store(strings.Replace(ts, `\u003csequence`, `\x003csequence`, 1))
	if _, err := c.ExecMethod(ctx, "SMS_TaskSequencePackage", "ImportSequence", map[string]any{"SequenceXML": `<sequence version="3.10"/>`}); err == nil || !strings.Contains(err.Error(), "invalid JSON reply") {
		t.Errorf("a reply with an invalid escape in an annotation: %v", err)
	}
}
