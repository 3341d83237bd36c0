package wmi

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/tsctl/tsctl/internal/object"
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

// Conn is one WMI connection to a namespace (SWbemServices): the seam
// between the provider logic and COM. It only moves objects; reading and
// writing their properties, choosing between spawning and updating, and
// every type conversion happen in Site, on any OS.
type Conn interface {
	// Query runs a WQL query (ExecQuery).
	Query(wql string) ([]Object, error)
	// Get reads the object at a relative path, lazy properties included,
	// or a class object when path is a class name (SWbemServices.Get).
	Get(path string) (Object, error)
	// Delete removes the object at a relative path.
	Delete(path string) error
	// MethodParameters returns a new instance of a method's in-parameters
	// (Methods_(method).InParameters.SpawnInstance_()).
	MethodParameters(class, method string) (Object, error)
	// ExecMethod runs a method and returns its out-parameters
	// (SWbemServices.ExecMethod): target is a class for a static method,
	// an object's relative path for an instance method.
	ExecMethod(target, method string, in Object) (Object, error)
	// LastError reads SWbemLastError after a failure (SMS_ExtendedStatus).
	LastError() *ExtendedStatus
	Close() error
}

// ServerName is what SWbemLocator.ConnectServer is given for a server:
// the name exactly as written ("." for this machine). It is never glued
// to a domain suffix: github.com/microsoft/wmi joins server and domain
// with a dot, which turns "cm01" into "cm01." and breaks IPv6 addresses,
// so tsctl connects without that join.
func ServerName(server string) string {
	if server == "" {
		return "."
	}
	return server
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
	// handles are the embedded out-parameters handed to callers (the
	// SMS_TaskSequence from ImportSequence), released on Close.
	handles []Object
}

// NewSite wraps an open connection; w runs its calls.
func NewSite(w *Worker, conn Conn, code string) *Site { return &Site{w: w, conn: conn, code: code} }

// Code implements provider.Site.
func (s *Site) Code() string { return s.code }

// Query implements provider.Site.
func (s *Site) Query(ctx context.Context, q provider.Query) ([]*provider.Instance, error) {
	var out []*provider.Instance
	err := s.w.Do(ctx, func() error {
		objs, err := s.conn.Query(q.WQL())
		if err != nil {
			return err
		}
		defer releaseAll(objs)
		out = make([]*provider.Instance, 0, len(objs))
		for _, o := range objs {
			in, err := decode(o)
			if err != nil {
				return &provider.Error{Kind: provider.KindFailed, Op: "query " + q.Class, Msg: err.Error()}
			}
			out = append(out, in)
		}
		return nil
	})
	return out, err
}

// Get implements provider.Site.
func (s *Site) Get(ctx context.Context, path string) (*provider.Instance, error) {
	if _, _, err := provider.ParsePath(path); err != nil {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: "Get", Msg: err.Error()}
	}
	var out *provider.Instance
	err := s.w.Do(ctx, func() error {
		o, err := s.conn.Get(path)
		if err != nil {
			return err
		}
		defer o.Release()
		if out, err = decode(o); err != nil {
			return &provider.Error{Kind: provider.KindFailed, Op: "Get " + path, Msg: err.Error()}
		}
		return nil
	})
	return out, err
}

// Put implements provider.Site: an instance whose object exists (its key
// properties are set and Get finds it) is read, given in's properties and
// written back; any other is spawned from its class
// (Get(class).SpawnInstance_()), populated and written, as Microsoft's
// "How to Create a Configuration Manager Object by Using WMI" does. So a
// new SMS_Program, whose keys are always set, is created, not looked up.
func (s *Site) Put(ctx context.Context, in *provider.Instance) (string, error) {
	var path string
	err := s.w.Do(ctx, func() error {
		o, err := s.object(in)
		if err != nil {
			return err
		}
		defer o.Release()
		path, err = o.Put()
		return err
	})
	return path, err
}

// object returns the SWbemObject to write for in: the stored object when
// in's key finds one, else a new instance of in's class; either way with
// in's properties set.
func (s *Site) object(in *provider.Instance) (Object, error) {
	op := "Put " + in.Class
	var o Object
	if path := keyPath(in); path != "" {
		var err error
		o, err = s.conn.Get(path)
		if err != nil && !provider.IsKind(err, provider.KindNotFound) {
			return nil, err
		}
	}
	if o == nil {
		cls, err := s.conn.Get(in.Class)
		if err != nil {
			return nil, err
		}
		o, err = cls.SpawnInstance()
		cls.Release()
		if err != nil {
			return nil, err
		}
	}
	if err := s.fill(op, o, in.Props); err != nil {
		o.Release()
		return nil, err
	}
	return o, nil
}

// fill sets props on o, each converted for the CIM type o declares for it.
func (s *Site) fill(op string, o Object, props map[string]any) error {
	decl, err := o.Properties()
	if err != nil {
		return err
	}
	types := make(map[string]Property, len(decl))
	for _, p := range decl {
		types[strings.ToLower(p.Name)] = Property{Name: p.Name, Type: p.Type, Array: p.Array}
	}
	for _, name := range sortedKeys(props) {
		p, ok := types[strings.ToLower(name)]
		if !ok {
			return &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: fmt.Sprintf("class %s has no property %s", o.Class(), name)}
		}
		v := props[name]
		if subs, ok := v.([]*provider.Instance); ok {
			if err := s.setObjects(op, o, p.Name, subs); err != nil {
				return err
			}
			continue
		}
		if sub, ok := v.(*provider.Instance); ok {
			so, err := s.embedded(op, sub)
			if err != nil {
				return err
			}
			err = o.Set(p.Name, so)
			if _, owned := sub.Handle.(Object); !owned {
				so.Release()
			}
			if err != nil {
				return err
			}
			continue
		}
		val, err := ToVariant(p.Type, p.Array, v)
		if err != nil {
			return &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: fmt.Sprintf("property %s: %v", p.Name, err)}
		}
		if err := o.Set(p.Name, val); err != nil {
			return err
		}
	}
	return nil
}

// setObjects writes an array of embedded objects (an advertisement's
// AssignedSchedule, a program's SupportedOperatingSystems) as one array
// of objects.
func (s *Site) setObjects(op string, o Object, name string, subs []*provider.Instance) error {
	objs := make([]Object, 0, len(subs))
	defer func() {
		for i, so := range objs {
			if _, owned := subs[i].Handle.(Object); !owned {
				so.Release()
			}
		}
	}()
	for _, sub := range subs {
		so, err := s.embedded(op, sub)
		if err != nil {
			return err
		}
		objs = append(objs, so)
	}
	return o.Set(name, objs)
}

// embedded returns the object an embedded *provider.Instance stands for:
// its own handle (an object this site returned), or the object built as
// Put would build it (the stored package updated, or a new instance).
func (s *Site) embedded(op string, in *provider.Instance) (Object, error) {
	if h, ok := in.Handle.(Object); ok {
		return h, nil
	}
	if in.Class == "" {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "an embedded object without a class"}
	}
	return s.object(in)
}

// Delete implements provider.Site.
func (s *Site) Delete(ctx context.Context, path string) error {
	if _, _, err := provider.ParsePath(path); err != nil {
		return &provider.Error{Kind: provider.KindInvalid, Op: "Delete", Msg: err.Error()}
	}
	return s.w.Do(ctx, func() error { return s.conn.Delete(path) })
}

// ExecMethod implements provider.Site: the method's in-parameters are
// spawned and set by name, each converted for its declared CIM type;
// embedded out-parameters come back as instances whose Handle is the live
// object, so that ImportSequence's SMS_TaskSequence goes into SetSequence
// as the object the provider made. A non-zero ReturnValue is an error.
func (s *Site) ExecMethod(ctx context.Context, target, method string, in map[string]any) (map[string]any, error) {
	class, _, err := provider.MethodClass(target)
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: target + "." + method, Msg: err.Error()}
	}
	op := class + "." + method
	var out map[string]any
	err = s.w.Do(ctx, func() error {
		params, err := s.conn.MethodParameters(class, method)
		if err != nil {
			return err
		}
		defer params.Release()
		if err := s.fill(op, params, in); err != nil {
			return err
		}
		res, err := s.conn.ExecMethod(target, method, params)
		if err != nil {
			return err
		}
		defer res.Release()
		props, err := res.Properties()
		if err != nil {
			return err
		}
		out = map[string]any{}
		for _, p := range props {
			if o, ok := p.Value.(Object); ok {
				inst, err := decode(o)
				if err != nil {
					o.Release()
					return &provider.Error{Kind: provider.KindFailed, Op: op, Msg: err.Error()}
				}
				inst.Handle = o // kept alive until Close
				s.handles = append(s.handles, o)
				out[p.Name] = inst
				continue
			}
			v, err := FromVariant(p, decode)
			if err != nil {
				return &provider.Error{Kind: provider.KindFailed, Op: op, Msg: err.Error()}
			}
			if v != nil {
				out[p.Name] = v
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := provider.CheckReturnValue(op, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Close implements provider.Site: releases the handles, closes the
// connection, then the worker.
func (s *Site) Close() error {
	err := s.w.Do(context.Background(), func() error {
		releaseAll(s.handles)
		s.handles = nil
		return s.conn.Close()
	})
	s.w.Stop()
	return err
}

// decode reads an object's class and properties into an instance; nulls
// are left out and embedded objects are read (and released) recursively.
func decode(o Object) (*provider.Instance, error) {
	props, err := o.Properties()
	if err != nil {
		return nil, err
	}
	in := provider.New(o.Class())
	sub := func(e Object) (*provider.Instance, error) {
		defer e.Release()
		return decode(e)
	}
	for _, p := range props {
		v, err := FromVariant(p, sub)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", in.Class, err)
		}
		if v != nil {
			in.Props[p.Name] = v
		}
	}
	return in, nil
}

func releaseAll(objs []Object) {
	for _, o := range objs {
		o.Release()
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// keyPath is in's relative path when its key properties (its class's:
// PackageID, PackageID and ProgramName, AdvertisementID…) are set.
func keyPath(in *provider.Instance) string {
	var kv []string
	for _, k := range object.KeyOf(in.Class) {
		v := in.String(k)
		if v == "" {
			return ""
		}
		kv = append(kv, k, v)
	}
	return provider.Path(in.Class, kv...)
}
