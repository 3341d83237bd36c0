// Package wmi reaches a Configuration Manager site through the SMS
// Provider's WMI interface (DCOM, namespace root\SMS\site_<CODE>). The
// COM side (conn_windows.go, github.com/microsoft/wmi and go-ole) is
// Windows-only; everything else — URL parsing, WQL, value conversion,
// HRESULT and SMS_ExtendedStatus mapping, the single COM worker goroutine
// and the provider.Site on top of a Conn — is plain Go and tested on any OS.
package wmi

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/tsctl/tsctl/provider"
)

// Target is a parsed wmi:// site URL.
type Target struct {
	Server   string // "" for the local machine
	SiteCode string // "" to discover it from SMS_ProviderLocation
}

// ParseURL reads wmi://SERVER/SITECODE, wmi://SERVER (site code
// discovered) or wmi:///SITECODE and wmi://./SITECODE (this machine).
func ParseURL(raw string) (Target, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "wmi" || u.User != nil || u.RawQuery != "" || u.Port() != "" {
		return Target{}, fmt.Errorf("site %q: expected wmi://SERVER/SITECODE", raw)
	}
	t := Target{Server: u.Hostname(), SiteCode: strings.Trim(u.Path, "/")}
	if t.Server == "." || strings.EqualFold(t.Server, "localhost") {
		t.Server = ""
	}
	if t.Server != "" && net.ParseIP(t.Server) == nil && !hostRE.MatchString(t.Server) {
		return Target{}, fmt.Errorf("site %q: %q is not a host name", raw, t.Server)
	}
	if t.SiteCode != "" && !validCode(t.SiteCode) {
		return Target{}, fmt.Errorf("site %q: %q is not a site code (three letters or digits)", raw, t.SiteCode)
	}
	t.SiteCode = strings.ToUpper(t.SiteCode)
	return t, nil
}

// hostRE matches DNS and NetBIOS host names.
var hostRE = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*$`)

func validCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Namespace is the SMS Provider namespace of a site.
func Namespace(code string) string { return `root\SMS\site_` + code }

// Conn is one WMI connection to a namespace: the seam between the
// provider logic and COM. Values are Go values as Normalize returns
// them; embedded objects travel as *provider.Instance whose Handle is the
// connection's own object.
type Conn interface {
	// Query runs a WQL query.
	Query(wql string) ([]*provider.Instance, error)
	// Get reads the object at a relative path, lazy properties included.
	Get(path string) (*provider.Instance, error)
	// Put writes an instance (spawned when it has no key, else read and
	// updated) and returns the relative path Put_ reported.
	Put(in *provider.Instance) (string, error)
	// Delete removes the object at a relative path.
	Delete(path string) error
	// Exec runs a static method with named in-parameters.
	Exec(class, method string, in map[string]any) (map[string]any, error)
	// LastError reads SWbemLastError after a failure (SMS_ExtendedStatus).
	LastError() *ExtendedStatus
	Close() error
}

// ExtendedStatus is the SMS Provider's SMS_ExtendedStatus detail.
type ExtendedStatus struct {
	Description string
	ErrorCode   uint32
}

// MapError turns a COM failure of op into a provider.Error.
func MapError(op string, hresult uint32, msg string, ext *ExtendedStatus) error {
	e := &provider.Error{Op: op, Code: hresult, Msg: strings.TrimSpace(msg), Kind: provider.KindFailed}
	if e.Msg == "" {
		e.Msg = fmt.Sprintf("HRESULT 0x%08X", hresult)
	} else {
		e.Msg += fmt.Sprintf(" (HRESULT 0x%08X)", hresult)
	}
	if k, ok := provider.KindOfCode(hresult); ok {
		e.Kind = k
	}
	if e.Kind == provider.KindDenied {
		e.Msg += "; the account needs a ConfigMgr security role (and DCOM/WMI remote access on the provider)"
	}
	if ext != nil && (ext.Description != "" || ext.ErrorCode != 0) {
		e.Msg += fmt.Sprintf("; SMS_ExtendedStatus %d: %s", ext.ErrorCode, strings.TrimSpace(ext.Description))
		e.Code = ext.ErrorCode
	}
	return e
}

// Normalize converts a VARIANT value as go-ole returns it to the value
// types the engine uses: integers as int64, strings, bools, []string,
// []int64; nil stays nil.
func Normalize(v any) any {
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	case int:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case []any:
		if len(x) == 0 {
			return []string{}
		}
		if _, ok := x[0].(string); ok {
			out := make([]string, 0, len(x))
			for _, e := range x {
				s, _ := e.(string)
				out = append(out, s)
			}
			return out
		}
		out := make([]int64, 0, len(x))
		for _, e := range x {
			n, _ := Normalize(e).(int64)
			out = append(out, n)
		}
		return out
	}
	return v
}

// Site is a provider.Site over a Conn. Every call runs on the worker, the
// one goroutine (locked to its OS thread) that owns the COM objects.
type Site struct {
	w    *Worker
	conn Conn
	code string
}

// NewSite wraps an open connection; w runs its calls.
func NewSite(w *Worker, conn Conn, code string) *Site { return &Site{w: w, conn: conn, code: code} }

// Code implements provider.Site.
func (s *Site) Code() string { return s.code }

// Query implements provider.Site.
func (s *Site) Query(ctx context.Context, q provider.Query) ([]*provider.Instance, error) {
	var out []*provider.Instance
	err := s.w.Do(ctx, func() (err error) { out, err = s.conn.Query(q.WQL()); return err })
	return out, err
}

// Get implements provider.Site.
func (s *Site) Get(ctx context.Context, path string) (*provider.Instance, error) {
	if _, _, err := provider.ParsePath(path); err != nil {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: "Get", Msg: err.Error()}
	}
	var out *provider.Instance
	err := s.w.Do(ctx, func() (err error) { out, err = s.conn.Get(path); return err })
	return out, err
}

// Put implements provider.Site.
func (s *Site) Put(ctx context.Context, in *provider.Instance) (string, error) {
	var path string
	err := s.w.Do(ctx, func() (err error) { path, err = s.conn.Put(in); return err })
	return path, err
}

// Delete implements provider.Site.
func (s *Site) Delete(ctx context.Context, path string) error {
	if _, _, err := provider.ParsePath(path); err != nil {
		return &provider.Error{Kind: provider.KindInvalid, Op: "Delete", Msg: err.Error()}
	}
	return s.w.Do(ctx, func() error { return s.conn.Delete(path) })
}

// ExecMethod implements provider.Site. A non-zero ReturnValue is an error.
func (s *Site) ExecMethod(ctx context.Context, class, method string, in map[string]any) (map[string]any, error) {
	var out map[string]any
	err := s.w.Do(ctx, func() (err error) { out, err = s.conn.Exec(class, method, in); return err })
	if err != nil {
		return nil, err
	}
	if err := provider.CheckReturnValue(class+"."+method, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Close implements provider.Site: closes the connection, then the worker.
func (s *Site) Close() error {
	err := s.w.Do(context.Background(), s.conn.Close)
	s.w.Stop()
	return err
}
