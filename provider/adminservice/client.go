package adminservice

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/go-ntlmssp"

	"github.com/tsctl/tsctl/internal/edm"
	"github.com/tsctl/tsctl/internal/jsonvalue"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// Options configure a client.
type Options struct {
	CAFile             string        // extra trusted roots (PEM), besides the system's
	InsecureSkipVerify bool          // do not verify the server certificate (warned by the CLI)
	Token              string        // bearer token (AdminService_TokenAuth, CMG)
	Username, Password string        // Windows authentication (NTLM, also inside Negotiate) or Basic, when the server asks; DOMAIN\user or user@domain
	Kerberos           *Kerberos     // Kerberos (SPNEGO) instead of NTLM
	Timeout            time.Duration // per request (default 60s)
	Transport          http.RoundTripper
}

// Client is an AdminService site.
type Client struct {
	base string // https://server/AdminService
	http *http.Client
	opt  Options
	code string
	neg  *negotiate // Kerberos, when chosen
}

// Open connects to base (https://SERVER/AdminService) and reads the site
// code (SMS_Identification.ThisSiteCode).
func Open(ctx context.Context, base string, opt Options) (*Client, error) {
	c, err := Dial(base, opt)
	if err != nil {
		return nil, err
	}
	code, err := provider.ReadSiteCode(ctx, c)
	if err != nil {
		return nil, err
	}
	c.SetCode(code)
	return c, nil
}

// Dial prepares a client for base (https://SERVER/AdminService, or a token
// authentication base such as https://SERVER/AdminService_TokenAuth or a
// cloud management gateway's https://CMG/CCM_Proxy_MutualAuth/<id>/AdminService)
// without sending anything; Code is empty until SetCode. Callers that
// count their calls read the site code through their own wrapper
// (provider.ReadSiteCode) and then call SetCode.
func Dial(base string, opt Options) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("site %q: expected https://SERVER/AdminService", base)
	}
	if opt.Timeout == 0 {
		opt.Timeout = 60 * time.Second
	}
	rt := opt.Transport
	if rt == nil {
		tlsc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: opt.InsecureSkipVerify}
		if opt.CAFile != "" {
			pem, err := os.ReadFile(opt.CAFile)
			if err != nil {
				return nil, fmt.Errorf("read CA file: %w", err)
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("CA file %s holds no PEM certificate", opt.CAFile)
			}
			tlsc.RootCAs = pool
		}
		// Connections are kept for reuse (no new TLS handshake per call)
		// up to maxIdleConns, more than the calls tsctl makes at once
		// (--parallelism).
		rt = &http.Transport{TLSClientConfig: tlsc, Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: maxIdleConns,
			DialContext: (&net.Dialer{Timeout: 15 * time.Second}).DialContext, TLSHandshakeTimeout: 15 * time.Second}
	}
	// On-premises AdminService uses Windows authentication. With Kerberos
	// every request carries a SPNEGO token; otherwise the negotiator answers
	// an NTLM or Negotiate challenge with the credentials (and Basic only
	// when the server asks for it), and without credentials it is inert.
	var neg *negotiate
	if k := opt.Kerberos; k != nil {
		krb, err := k.client()
		if err != nil {
			return nil, transportError("connect", base, err) // an *AuthError: denied, with its hint
		}
		spn := k.SPN
		if spn == "" {
			spn = "HTTP/" + strings.ToLower(u.Hostname())
		}
		neg = &negotiate{next: rt, krb: krb, spn: spn, src: k.Source()}
		rt = neg
	} else {
		rt = ntlmssp.Negotiator{RoundTripper: rt, AllowBasicAuth: true}
	}
	return &Client{base: strings.TrimRight(base, "/"), http: &http.Client{Transport: rt, Timeout: opt.Timeout}, opt: opt, neg: neg}, nil
}

// Code implements provider.Site.
func (c *Client) Code() string { return c.code }

// SetCode sets the site code Code reports; call it before sharing c.
func (c *Client) SetCode(code string) { c.code = code }

// Close implements provider.Site.
func (c *Client) Close() error { c.http.CloseIdleConnections(); return nil }

// odataError is the body of a failed request.
type odataError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// do sends one request (body encoded as JSON, when not nil) and returns
// the JSON object it is answered with (nil for an empty reply).
func (c *Client) do(ctx context.Context, op, method, rel string, body any) (map[string]any, error) {
	return c.doTaking(ctx, op, method, rel, body, nil)
}

// doTaking is do, the reply's object members shown to take as it is
// decoded (jsonvalue.DecodeObjectMembers), when take is not nil.
func (c *Client) doTaking(ctx context.Context, op, method, rel string, body any, take jsonvalue.Taker) (map[string]any, error) {
	var rd io.Reader
	if body != nil {
		// Sequence XML is full of < and >: unescaped, a body is about as
		// long as the XML instead of up to six times longer.
		b, err := jsonvalue.Marshal(body)
		if err != nil {
			return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: err.Error()}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/"+rel, rd)
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: err.Error()}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.opt.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.opt.Token)
	case c.opt.Username != "" && c.opt.Kerberos == nil:
		req.SetBasicAuth(c.opt.Username, c.opt.Password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(op, c.base, err)
	}
	defer func() {
		// Read to the end, so that the connection is kept for the next
		// request rather than closed.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}()
	if resp.StatusCode < 300 {
		return decodeReply(op, resp, take)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindTransient, Op: op, Msg: "reading the reply: " + err.Error()}
	}
	var oe odataError
	msg := strings.TrimSpace(string(data))
	if json.Unmarshal(data, &oe) == nil && oe.Error.Message != "" {
		msg = oe.Error.Message
		if oe.Error.Code != "" {
			msg += " (" + oe.Error.Code + ")"
		}
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	kind, hint := provider.KindFailed, ""
	switch {
	case resp.StatusCode == 401:
		// Say what happened, not the server's text alone: a server
		// answers "the user name or password is incorrect" also to a
		// request that carried none.
		kind = provider.KindDenied
		offers := ""
		if o := resp.Header.Values("Www-Authenticate"); len(o) > 0 {
			offers = " (the server offers " + schemes(o) + ")"
		}
		switch {
		case c.neg != nil && c.neg.asked.Load():
			msg = "authentication failed: " + msg + offers + "; the site refused the Kerberos ticket from the " + c.neg.src
			hint = "check the clock (Kerberos allows 5 minutes of skew) and the site's service principal (TSCTL_SPN)"
		case c.opt.Token == "" && c.opt.Username == "":
			msg = "authentication required" + offers + ": no credentials were given"
			hint = "set TSCTL_USERNAME (DOMAIN\\user) and TSCTL_PASSWORD, or TSCTL_TOKEN, or run kinit for Kerberos"
		case c.opt.Token != "":
			msg = "authentication failed with the token in " + EnvToken + ": " + msg + offers
			hint = "the token may have expired: get a new one"
		default:
			msg = "authentication failed for " + c.opt.Username + ": " + msg + offers
		}
	case resp.StatusCode == 403:
		kind, msg = provider.KindDenied, "access denied: "+msg
		hint = "the account needs the rights listed under Permissions (RBAC) in tsctl's README"
	case resp.StatusCode == 404:
		kind = provider.KindNotFound
	case resp.StatusCode == 405 || resp.StatusCode == 501:
		// No such route or method on this site (version).
		kind = provider.KindNotFound
	case resp.StatusCode == 409 || resp.StatusCode == 423:
		kind = provider.KindLocked
	case resp.StatusCode == 400:
		kind = provider.KindInvalid
	case resp.StatusCode == http.StatusRequestEntityTooLarge:
		kind = provider.KindTooLarge
	case resp.StatusCode == 500:
		kind = classify500(msg)
	case resp.StatusCode > 500, resp.StatusCode == http.StatusTooManyRequests:
		kind = provider.KindTransient
	}
	e := &provider.Error{Kind: kind, Op: op, Msg: fmt.Sprintf("HTTP %d: %s", resp.StatusCode, msg), Hint: hint}
	switch resp.StatusCode {
	case 400, 409, 423, 500:
		// A save refused because someone holds the object's SEDO lock:
		// the same outcome as a lock GetLockInformation reports.
		if li, ok := provider.LockHolderIn(msg); ok {
			e.Kind, e.Holder = provider.KindLocked, &li
		}
	}
	if kind == provider.KindTransient {
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return nil, e
}

// decodeReply reads a successful reply whole, into a buffer kept for the
// next one, and decodes it in one pass (internal/jsonvalue: the values
// encoding/json's Decoder with UseNumber reads, at a fraction of its
// CPU); what it returns shares nothing with the buffer. A reply cut short
// is transient (worth a retry); one that is not a JSON object, or is over
// maxReplyBytes, a failure. take, when not nil, is shown the reply's
// object members (jsonvalue.DecodeObjectMembers).
func decodeReply(op string, resp *http.Response, take jsonvalue.Taker) (map[string]any, error) {
	buf := replyBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			replyBuffers.Put(buf)
		}
	}()
	buf.Reset()
	if n := resp.ContentLength; n > 0 && n <= maxReplyBytes {
		buf.Grow(int(n))
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxReplyBytes+1)); err != nil {
		return nil, &provider.Error{Kind: provider.KindTransient, Op: op, Msg: "reading the reply: " + err.Error()}
	}
	if buf.Len() > maxReplyBytes {
		return nil, &provider.Error{Kind: provider.KindFailed, Op: op, Msg: fmt.Sprintf("the reply is over %d bytes", maxReplyBytes)}
	}
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return nil, nil
	}
	if take != nil {
		m, err := jsonvalue.DecodeObjectMembers(buf.Bytes(), take)
		if err != nil {
			return nil, &provider.Error{Kind: provider.KindFailed, Op: op, Msg: "invalid JSON reply: " + err.Error()}
		}
		return m, nil
	}
	v, err := jsonvalue.Decode(buf.Bytes())
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindFailed, Op: op, Msg: "invalid JSON reply: " + err.Error()}
	}
	m, ok := v.(map[string]any)
	if !ok && v != nil {
		return nil, &provider.Error{Kind: provider.KindFailed, Op: op, Msg: "invalid JSON reply: not an object"}
	}
	return m, nil
}

// member returns the member of a reply a struct field of that name would
// be decoded from, matched as encoding/json matches it: its exact name,
// else one differing in case only.
func member(reply map[string]any, name string) (any, bool) {
	if v, ok := reply[name]; ok {
		return v, true
	}
	for k, v := range reply {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

var replyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// replyValue returns the "value" array of a collection's reply, each of
// its elements an object (or null).
func replyValue(op string, reply map[string]any) ([]map[string]any, error) {
	v, _ := member(reply, "value")
	if v == nil {
		return nil, nil
	}
	a, ok := v.([]any)
	if !ok {
		return nil, &provider.Error{Kind: provider.KindFailed, Op: op, Msg: "invalid JSON reply: value is not an array"}
	}
	out := make([]map[string]any, 0, len(a))
	for _, e := range a {
		m, ok := e.(map[string]any)
		if !ok && e != nil {
			return nil, &provider.Error{Kind: provider.KindFailed, Op: op, Msg: "invalid JSON reply: an element of value is not an object"}
		}
		out = append(out, m)
	}
	return out, nil
}

// annotation reports whether an object's member is an instance
// annotation its instance leaves out (edm.FromJSON): all but
// @odata.type, which names its class.
func annotation(key string) bool {
	return strings.HasPrefix(key, "@") && key != "@odata.type"
}

// maxIdleConns is how many connections to the site a client keeps open
// between calls.
const maxIdleConns = 64

// maxReplyBytes is the most of a reply read.
const maxReplyBytes = 64 << 20

// classify500 classifies an HTTP 500: the SMS Provider's own failures
// arrive as 500, so it is a provider failure unless its message says it is
// one of the transient ones. The HRESULT the message names decides; else
// the WMI error text ("Generic failure", "Not found", "Invalid parameter",
// "Access denied", …). Deterministic refusals are not worth retrying.
func classify500(msg string) provider.ErrorKind {
	if _, k, ok := provider.CodeIn(msg); ok {
		return k
	}
	m := strings.ToLower(msg)
	for _, t := range wmiTexts {
		if strings.Contains(m, t.text) {
			return t.kind
		}
	}
	return provider.KindFailed
}

// wmiTexts are the WMI error descriptions (WBEM_E_*) a 500 may carry
// instead of an HRESULT, in the order they are tried: a generic failure
// that mentions something not found is still a generic failure.
var wmiTexts = []struct {
	text string
	kind provider.ErrorKind
}{
	{"generic failure", provider.KindFailed},
	{"invalid parameter", provider.KindInvalid},
	{"invalid query", provider.KindInvalid},
	{"invalid class", provider.KindNotFound},
	{"not found", provider.KindNotFound},
	{"access denied", provider.KindDenied},
	{"access is denied", provider.KindDenied},
	{"timed out", provider.KindTransient},
	{"server too busy", provider.KindTransient},
	{"shutting down", provider.KindTransient},
	{"rpc server is unavailable", provider.KindTransient},
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date
// (RFC 9110 §10.2.3); 0 when absent, unreadable or past.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		return max(0, time.Duration(min(n, 24*3600))*time.Second)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// schemes lists the authentication schemes of WWW-Authenticate headers.
func schemes(offers []string) string {
	var names []string
	for _, o := range offers {
		name, _, _ := strings.Cut(strings.TrimSpace(o), " ")
		if name != "" {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// transportError maps connection problems to clear errors: certificate
// problems say what to fix; anything else is a retryable "cannot reach".
func transportError(op, base string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // drop the method and URL: base names the site
	}
	var ie x509.CertificateInvalidError
	var he x509.HostnameError
	var ua x509.UnknownAuthorityError
	var ce *tls.CertificateVerificationError
	var ae *AuthError
	if errors.As(err, &ae) {
		return &provider.Error{Kind: provider.KindDenied, Op: op, Msg: ae.Msg, Hint: ae.Hint}
	}
	denied := func(msg, hint string) error {
		return &provider.Error{Kind: provider.KindDenied, Op: op, Msg: "TLS: " + msg, Hint: hint}
	}
	switch {
	case errors.As(err, &ie) && ie.Reason == x509.Expired:
		return denied("the server certificate has expired or is not yet valid ("+strings.TrimPrefix(ie.Error(), "x509: ")+")",
			"renew the certificate bound to the site server's HTTPS port, or check this computer's clock")
	case errors.As(err, &he):
		return denied("the server certificate does not name this host ("+strings.TrimPrefix(he.Error(), "x509: ")+")",
			"connect with a name the certificate holds (usually the server's FQDN)")
	case errors.As(err, &ua), errors.As(err, &ie), errors.As(err, &ce):
		return denied("the server certificate is not trusted: "+err.Error(),
			"pass --ca-file with the issuing CA, or --insecure-skip-verify for a test site")
	case errors.Is(err, context.Canceled):
		return err
	}
	return &provider.Error{Kind: provider.KindTransient, Op: op, Msg: "cannot reach " + base + ": " + err.Error()}
}

// keyOf renders a class's key for a URL: ('PS100001') or (16777219).
func keyOf(path string) (class, key string, err error) {
	class, keys, err := provider.ParsePath(path)
	if err != nil {
		return "", "", err
	}
	if len(keys) != 1 {
		// Composite keys (SMS_Program) go as a filter.
		return class, "", nil
	}
	for k, v := range keys {
		return class, "(" + edm.KeyLiteral(class, k, v) + ")", nil
	}
	return "", "", nil
}

func filterOf(where map[string]string) string {
	keys := make([]string, 0, len(where))
	for k := range where {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+" eq '"+strings.ReplaceAll(where[k], "'", "''")+"'")
	}
	return strings.Join(parts, " and ")
}

// Query implements provider.Site. A collection the service pages is
// read to its end by following @odata.nextLink.
func (c *Client) Query(ctx context.Context, q provider.Query) ([]*provider.Instance, error) {
	v := url.Values{}
	if len(q.Select) > 0 {
		v.Set("$select", strings.Join(q.Select, ","))
	}
	if len(q.Where) > 0 {
		v.Set("$filter", filterOf(q.Where))
	}
	rel := "wmi/" + q.Class
	if len(v) > 0 {
		rel += "?" + v.Encode()
	}
	values, err := c.collection(ctx, "query "+q.Class, rel)
	if err != nil {
		return nil, err
	}
	list := make([]*provider.Instance, 0, len(values))
	for _, m := range values {
		list = append(list, edm.FromJSON(q.Class, m))
	}
	return list, nil
}

// maxPages bounds how many @odata.nextLink pages one read follows.
const maxPages = 10000

// collection GETs rel and every page after it.
func (c *Client) collection(ctx context.Context, op, rel string) ([]map[string]any, error) {
	var all []map[string]any
	seen := map[string]bool{}
	for page := 0; ; page++ {
		reply, err := c.do(ctx, op, http.MethodGet, rel, nil)
		if err != nil {
			return nil, err
		}
		values, err := replyValue(op, reply)
		if err != nil {
			return nil, err
		}
		all = append(all, values...)
		link, _ := member(reply, "@odata.nextLink")
		if link == nil {
			return all, nil
		}
		nextLink, isString := link.(string)
		if !isString {
			return nil, &provider.Error{Kind: provider.KindFailed, Op: op, Msg: "invalid JSON reply: @odata.nextLink is not a string"}
		}
		if nextLink == "" {
			return all, nil
		}
		next, err := c.relative(nextLink)
		if err != nil || seen[next] || page+1 >= maxPages {
			if err == nil {
				err = fmt.Errorf("the service repeats page %q or pages past %d", nextLink, maxPages)
			}
			return nil, &provider.Error{Kind: provider.KindFailed, Op: op, Msg: "following @odata.nextLink: " + err.Error()}
		}
		seen[next] = true
		rel = next
	}
}

// relative turns an @odata.nextLink (absolute, or relative to the service
// root) into a path below c.base. The link's host is not followed: the
// request goes to the server (and credentials) the site URL names.
func (c *Client) relative(link string) (string, error) {
	base, err := url.Parse(c.base + "/")
	if err != nil {
		return "", err
	}
	u, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("invalid link %q", link)
	}
	if !u.IsAbs() && !strings.HasPrefix(u.Path, "/") {
		u = base.ResolveReference(u)
	}
	// Service roots are matched case-insensitively, as IIS does.
	root := strings.ToLower(base.Path)
	p := u.EscapedPath()
	if !strings.HasPrefix(strings.ToLower(p), root) {
		return "", fmt.Errorf("link %q leaves the service root %s", link, base.Path)
	}
	rel := p[len(root):]
	if u.RawQuery != "" {
		rel += "?" + u.RawQuery
	}
	return rel, nil
}

// Get implements provider.Site.
func (c *Client) Get(ctx context.Context, path string) (*provider.Instance, error) {
	class, key, err := keyOf(path)
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: "Get", Msg: err.Error()}
	}
	rel := "wmi/" + class + key
	if key == "" {
		_, keys, _ := provider.ParsePath(path)
		rel = "wmi/" + class + "?" + url.Values{"$filter": {filterOf(keys)}}.Encode()
	}
	reply, err := c.do(ctx, "Get "+path, http.MethodGet, rel, nil)
	if err != nil {
		return nil, err
	}
	values, err := replyValue("Get "+path, reply)
	if err != nil {
		return nil, err
	}
	if len(values) == 0 {
		return nil, &provider.Error{Kind: provider.KindNotFound, Op: "Get " + path, Msg: "object not found"}
	}
	return edm.FromJSON(class, values[0]), nil
}

// Put implements provider.Site. An instance without its key is created
// with POST wmi/<Class>. One with its key updates the object with exactly
// the properties it holds — callers pass the key and the changed
// properties, never an instance read back (its nulls, read-only and lazy
// properties and embedded arrays are refused by real sites) — by POST to
// the keyed URL, as public clients update SMS_Application
// (autopkg/iancohn-recipes McmApplicationUploaderBase.py). A class with a
// composite key (SMS_Program) is updated at
// wmi/SMS_Program(PackageID='…',ProgramName='…') and created with POST
// wmi/SMS_Program when that object does not exist.
func (c *Client) Put(ctx context.Context, in *provider.Instance) (string, error) {
	body := edm.ToJSON(in, false)
	keys := object.KeyOf(in.Class)
	var kv []string
	for _, k := range keys {
		if in.String(k) == "" {
			kv = nil
			break
		}
		kv = append(kv, k, in.String(k))
	}
	op := "Put " + in.Class
	var out map[string]any
	if kv == nil {
		var err error
		if out, err = c.do(ctx, op, http.MethodPost, "wmi/"+in.Class, body); err != nil {
			return "", err
		}
	} else {
		var err error
		out, err = c.do(ctx, op, http.MethodPost, "wmi/"+in.Class+keyURL(in.Class, kv), body)
		if provider.IsKind(err, provider.KindNotFound) && len(keys) > 1 {
			out, err = c.do(ctx, op, http.MethodPost, "wmi/"+in.Class, body)
		}
		if err != nil {
			return "", err
		}
	}
	if v, ok := out["value"].([]any); ok && len(v) > 0 {
		out, _ = v[0].(map[string]any)
	}
	got := edm.FromJSON(in.Class, out)
	kv = kv[:0]
	for _, k := range keys {
		v := got.String(k)
		if v == "" {
			v = in.String(k)
		}
		kv = append(kv, k, v)
	}
	return provider.Path(in.Class, kv...), nil
}

// keyURL renders a key for a URL: ('PS100001'), or
// (PackageID='PS100001',ProgramName='Install') for a composite key.
func keyURL(class string, kv []string) string {
	if len(kv) == 2 {
		return "(" + edm.KeyLiteral(class, kv[0], kv[1]) + ")"
	}
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+"="+edm.KeyLiteral(class, kv[i], kv[i+1]))
	}
	return "(" + strings.Join(parts, ",") + ")"
}

// Delete implements provider.Site.
func (c *Client) Delete(ctx context.Context, path string) error {
	class, key, err := keyOf(path)
	if err != nil || key == "" {
		return &provider.Error{Kind: provider.KindInvalid, Op: "Delete", Msg: "cannot delete " + path}
	}
	_, err = c.do(ctx, "Delete "+path, http.MethodDelete, "wmi/"+class+key, nil)
	return err
}

// ExecMethod implements provider.Site: POST wmi/<Class>.<Method> for a
// static method; POST wmi/<Class>(<key>)/AdminService.<Method> for an
// instance method (an Action bound to the class, as a real site's
// $metadata declares AddPackages and AddDistributionPoints).
func (c *Client) ExecMethod(ctx context.Context, target, method string, in map[string]any) (map[string]any, error) {
	body := map[string]any{}
	for k, v := range in {
		if o, ok := v.(*provider.Instance); ok {
			if r, ok := o.Handle.(jsonvalue.Raw); ok {
				// An object the site answered with, passed back: sent as
				// it came (below).
				body[k] = r
				continue
			}
		}
		body[k] = edm.ValueToJSON(v)
	}
	class, keys, err := provider.MethodClass(target)
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: target + "." + method, Msg: err.Error()}
	}
	op := class + "." + method
	rel := "wmi/" + class + "." + method
	if keys != nil {
		var kv []string
		for _, k := range object.KeyOf(class) {
			kv = append(kv, k, keys[k])
		}
		rel = "wmi/" + class + keyURL(class, kv) + "/AdminService." + method
	}
	// An embedded object the site answers with (ImportSequence's
	// SMS_TaskSequence) is kept as the bytes it came in as well as
	// decoded: passed back to the site (SetSequence), it is sent as it
	// came, not encoded again. Its instance annotations, which its
	// properties leave out (edm.FromJSON), are checked but not decoded:
	// the façade's is the sequence's XML, 40 KB.
	var raws map[string]jsonvalue.Raw
	out, err := c.doTaking(ctx, op, http.MethodPost, rel, body, func(key string, raw []byte) (any, bool) {
		m, err := jsonvalue.DecodeObjectOmitting(raw, annotation)
		if err != nil {
			return nil, false // decoded, and refused, with the reply
		}
		if raws == nil {
			raws = map[string]jsonvalue.Raw{}
		}
		raws[key] = jsonvalue.Raw(bytes.Clone(raw))
		return m, true
	})
	if err != nil {
		return nil, err
	}
	res := map[string]any{}
	for k, v := range out {
		if strings.HasPrefix(k, "@odata") {
			continue
		}
		val := edm.ValueFromJSON(v)
		if o, ok := val.(*provider.Instance); ok && raws[k] != nil {
			o.Handle = raws[k]
		}
		res[k] = val
	}
	if err := provider.CheckReturnValue(op, res); err != nil {
		return nil, err
	}
	return res, nil
}
