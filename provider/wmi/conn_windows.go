//go:build windows

package wmi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"unsafe"

	ole "github.com/go-ole/go-ole"
	"github.com/go-ole/go-ole/oleutil"
	cim "github.com/microsoft/wmi/pkg/wmiinstance"

	"github.com/tsctl/tsctl/provider"
)

// Open connects to a wmi:// site with the given credentials (empty: the
// caller's Windows token). It finds the SMS Provider of the site through
// SMS_ProviderLocation on the server named in the URL.
func Open(ctx context.Context, raw, user, password string) (*Site, error) {
	t, err := ParseURL(raw)
	if err != nil {
		return nil, err
	}
	c := &comConn{}
	code := t.SiteCode
	w, err := StartWorker(func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = panicError(r)
			}
		}()
		log.SetOutput(io.Discard) // github.com/microsoft/wmi logs every query
		c.sm = cim.NewWmiSessionManager()
		root, err := c.session(`root\SMS`, t.Server, user, password)
		if err != nil {
			return fmt.Errorf("connect to %s: %w", raw, err)
		}
		locs, err := c.locate(root, "SELECT Machine, SiteCode FROM SMS_ProviderLocation WHERE ProviderForLocalSite = true")
		root.Dispose()
		if err != nil {
			return fmt.Errorf("find the SMS Provider of %s: %w", raw, err)
		}
		machine := t.Server
		for _, l := range locs {
			if code == "" || strings.EqualFold(l.String("SiteCode"), code) {
				code, machine = strings.ToUpper(l.String("SiteCode")), l.String("Machine")
				break
			}
		}
		if code == "" {
			return fmt.Errorf("%s: no SMS Provider for a local site; name the site code: wmi://SERVER/SITECODE", raw)
		}
		if t.Server == "" {
			machine = ""
		}
		c.s, err = c.session(Namespace(code), machine, user, password)
		if err != nil {
			return fmt.Errorf("connect to %s on %s: %w", Namespace(code), machine, err)
		}
		c.svc = c.s.Session
		return c.newContext()
	}, func() {
		if c.sm != nil {
			c.sm.Dispose()
		}
	})
	if err != nil {
		return nil, err
	}
	return NewSite(w, c, code), nil
}

// comConn is a Conn over SWbemServices. It is used only on its worker.
type comConn struct {
	sm  *cim.WmiSessionManager
	s   *cim.WmiSession
	svc *ole.IDispatch
	ctx *ole.IDispatch // SWbemNamedValueSet: the context qualifiers
}

// session connects to namespace ns on server, as
// SWbemLocator.ConnectServer(server, ns, user, password, "MS_409") with
// packet privacy and impersonation, as github.com/microsoft/wmi's Connect
// does — but with the server name exactly as given (ServerName): that
// library appends "." and a domain to it.
func (c *comConn) session(ns, server, user, password string) (*cim.WmiSession, error) {
	s, err := c.sm.GetSession(ns, server, "", user, password)
	if err != nil {
		return nil, comError("connect", err)
	}
	raw, err := oleutil.CallMethod(s.CimwmiService, "ConnectServer", ServerName(server), ns, user, password, "MS_409")
	if err != nil {
		return nil, comError("connect", err)
	}
	s.RawSession, s.Session = raw, raw.ToIDispatch()
	sec, err := oleutil.GetProperty(s.Session, "Security_")
	if err != nil {
		s.Dispose()
		return nil, comError("connect", err)
	}
	defer sec.Clear()
	for _, set := range []struct {
		name  string
		value int32
	}{{"ImpersonationLevel", 3}, {"AuthenticationLevel", 6}} { // impersonate, packet privacy
		v, err := oleutil.PutProperty(sec.ToIDispatch(), set.name, set.value)
		if err != nil {
			s.Dispose()
			return nil, comError("connect", err)
		}
		v.Clear()
	}
	return s, nil
}

// newContext builds the context qualifiers the SMS Provider reads for
// auditing and locale.
func (c *comConn) newContext() error {
	u, err := oleutil.CreateObject("WbemScripting.SWbemNamedValueSet")
	if err != nil {
		return comError("create context", err)
	}
	defer u.Release()
	c.ctx, err = u.QueryInterface(ole.IID_IDispatch)
	if err != nil {
		return comError("create context", err)
	}
	machine, _ := os.Hostname()
	for k, v := range map[string]string{"ApplicationName": "tsctl", "MachineName": machine, "LocaleID": `MS\409`} {
		if _, err := oleutil.CallMethod(c.ctx, "Add", k, v); err != nil {
			return comError("create context", err)
		}
	}
	return nil
}

// locate queries root\SMS for the site's providers (only while opening).
func (c *comConn) locate(s *cim.WmiSession, wql string) ([]*provider.Instance, error) {
	list, err := s.QueryInstances(wql)
	if err != nil {
		return nil, c.fail("query", err)
	}
	defer cim.CloseAllInstances(list)
	out := make([]*provider.Instance, 0, len(list))
	for _, in := range list {
		d := in.GetIDispatch()
		d.AddRef()
		pi, err := decode(&comObject{c: c, d: d})
		d.Release()
		if err != nil {
			return nil, c.fail("query", err)
		}
		out = append(out, pi)
	}
	return out, nil
}

// Query implements Conn.
func (c *comConn) Query(wql string) ([]Object, error) {
	res, err := oleutil.CallMethod(c.svc, "ExecQuery", wql, "WQL", 0x30, c.ctx) // wbemFlagReturnImmediately|wbemFlagForwardOnly
	if err != nil {
		return nil, c.fail("query", err)
	}
	defer res.Clear()
	var out []Object
	err = oleutil.ForEach(res.ToIDispatch(), func(v *ole.VARIANT) error {
		o, err := c.hold(v)
		if err == nil {
			out = append(out, o)
		}
		return err
	})
	if err != nil {
		releaseAll(out)
		return nil, c.fail("query", err)
	}
	return out, nil
}

// Get implements Conn.
func (c *comConn) Get(path string) (Object, error) {
	v, err := oleutil.CallMethod(c.svc, "Get", path, 0, c.ctx)
	if err != nil {
		return nil, c.fail("Get "+path, err)
	}
	defer v.Clear()
	return c.hold(v)
}

// Delete implements Conn.
func (c *comConn) Delete(path string) error {
	if _, err := oleutil.CallMethod(c.svc, "Delete", path, 0, c.ctx); err != nil {
		return c.fail("Delete "+path, err)
	}
	return nil
}

// MethodParameters implements Conn.
func (c *comConn) MethodParameters(class, method string) (Object, error) {
	op := class + "." + method
	cls, err := oleutil.CallMethod(c.svc, "Get", class, 0, c.ctx)
	if err != nil {
		return nil, c.fail(op, err)
	}
	defer cls.Clear()
	methods, err := oleutil.GetProperty(cls.ToIDispatch(), "Methods_")
	if err != nil {
		return nil, c.fail(op, err)
	}
	defer methods.Clear()
	m, err := oleutil.CallMethod(methods.ToIDispatch(), "Item", method)
	if err != nil {
		return nil, c.fail(op, err)
	}
	defer m.Clear()
	def, err := oleutil.GetProperty(m.ToIDispatch(), "InParameters")
	if err != nil {
		return nil, c.fail(op, err)
	}
	defer def.Clear()
	params, err := oleutil.CallMethod(def.ToIDispatch(), "SpawnInstance_")
	if err != nil {
		return nil, c.fail(op, err)
	}
	defer params.Clear()
	return c.hold(params)
}

// ExecMethod implements Conn.
func (c *comConn) ExecMethod(target, method string, in Object) (Object, error) {
	op := target + "." + method
	out, err := oleutil.CallMethod(c.svc, "ExecMethod", target, method, in.(*comObject).d, 0, c.ctx)
	if err != nil {
		return nil, c.fail(op, err)
	}
	defer out.Clear()
	return c.hold(out)
}

// LastError implements Conn.
func (c *comConn) LastError() *ExtendedStatus {
	u, err := oleutil.CreateObject("WbemScripting.SWbemLastError")
	if err != nil {
		return nil
	}
	defer u.Release()
	d, err := u.QueryInterface(ole.IID_IDispatch)
	if err != nil {
		return nil
	}
	o := &comObject{c: c, d: d}
	defer o.Release()
	in, err := decode(o)
	if err != nil || in.Class != "SMS_ExtendedStatus" {
		return nil
	}
	return &ExtendedStatus{Description: in.String("Description"), ErrorCode: uint32(in.Int("ErrorCode"))}
}

// Close implements Conn.
func (c *comConn) Close() error {
	if c.ctx != nil {
		c.ctx.Release()
	}
	if c.s != nil {
		c.s.Dispose()
	}
	return nil
}

// hold wraps the SWbemObject in v with a reference of its own, so that v
// can be cleared.
func (c *comConn) hold(v *ole.VARIANT) (Object, error) {
	d, err := dispatchOf(v)
	if err != nil {
		return nil, err
	}
	return &comObject{c: c, d: d}, nil
}

// dispatchOf returns the IDispatch a VARIANT holds with a new reference
// (the caller releases it), taken before the VARIANT is cleared.
func dispatchOf(v *ole.VARIANT) (*ole.IDispatch, error) {
	switch v.VT {
	case ole.VT_DISPATCH:
		d := v.ToIDispatch()
		if d == nil {
			return nil, errors.New("null object")
		}
		d.AddRef()
		return d, nil
	case ole.VT_UNKNOWN:
		u := v.ToIUnknown()
		if u == nil {
			return nil, errors.New("null object")
		}
		return u.QueryInterface(ole.IID_IDispatch)
	}
	return nil, fmt.Errorf("expected an object, got VARIANT type %d", v.VT)
}

// comObject is an SWbemObject (instance, class or parameters).
type comObject struct {
	c *comConn
	d *ole.IDispatch
}

// Class implements Object.
func (o *comObject) Class() string {
	path, err := oleutil.GetProperty(o.d, "Path_")
	if err != nil {
		return ""
	}
	defer path.Clear()
	cls, err := oleutil.GetProperty(path.ToIDispatch(), "Class")
	if err != nil {
		return ""
	}
	defer cls.Clear()
	return cls.ToString()
}

// Properties implements Object: each SWbemProperty's Name, CIMType,
// IsArray and Value.
func (o *comObject) Properties() ([]Property, error) {
	props, err := oleutil.GetProperty(o.d, "Properties_")
	if err != nil {
		return nil, err
	}
	defer props.Clear()
	var out []Property
	err = oleutil.ForEach(props.ToIDispatch(), func(p *ole.VARIANT) error {
		pd := p.ToIDispatch()
		var prop Property
		for _, f := range []string{"Name", "CIMType", "IsArray"} {
			v, err := oleutil.GetProperty(pd, f)
			if err != nil {
				return err
			}
			switch f {
			case "Name":
				prop.Name = v.ToString()
			case "CIMType":
				n, _ := Normalize(v.Value()).(int64)
				prop.Type = CIMType(n)
			case "IsArray":
				prop.Array, _ = v.Value().(bool)
			}
			v.Clear()
		}
		val, err := oleutil.GetProperty(pd, "Value")
		if err != nil {
			return err
		}
		prop.Value, err = o.c.value(val)
		val.Clear()
		if err != nil {
			return fmt.Errorf("property %s: %w", prop.Name, err)
		}
		out = append(out, prop)
		return nil
	})
	if err != nil {
		for _, p := range out {
			releaseValue(p.Value)
		}
		return nil, err
	}
	return out, nil
}

func releaseValue(v any) {
	switch x := v.(type) {
	case Object:
		x.Release()
	case []Object:
		releaseAll(x)
	}
}

// value converts a property VARIANT: embedded objects (alone or in an
// array of VT_DISPATCH or of VT_VARIANT) become Objects with their own
// references, taken before the VARIANT is cleared; anything else is what
// go-ole reads.
func (c *comConn) value(v *ole.VARIANT) (any, error) {
	switch {
	case v.VT == ole.VT_NULL || v.VT == ole.VT_EMPTY:
		return nil, nil
	case v.VT == ole.VT_DISPATCH || v.VT == ole.VT_UNKNOWN:
		return c.hold(v)
	case v.VT&ole.VT_ARRAY != 0:
		elem := v.VT &^ ole.VT_ARRAY
		sa := v.ToArray()
		if sa == nil || sa.Array == nil {
			return nil, nil
		}
		switch elem {
		case ole.VT_DISPATCH, ole.VT_UNKNOWN:
			return c.objectArray(sa, false)
		case ole.VT_VARIANT:
			n, err := sa.TotalElements(0)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				var first ole.VARIANT
				if err := arrayElement(sa.Array, 0, unsafe.Pointer(&first)); err != nil {
					return nil, err
				}
				isObj := first.VT == ole.VT_DISPATCH || first.VT == ole.VT_UNKNOWN
				first.Clear()
				if isObj {
					return c.objectArray(sa, true)
				}
			}
		}
		return sa.ToValueArray(), nil
	}
	return v.Value(), nil
}

// objectArray reads an array of embedded objects element by element:
// go-ole's ToValueArray clears each VARIANT right after reading it, which
// releases the object before the caller sees it.
func (c *comConn) objectArray(sa *ole.SafeArrayConversion, variants bool) ([]Object, error) {
	n, err := sa.TotalElements(0)
	if err != nil {
		return nil, err
	}
	out := make([]Object, 0, n)
	for i := int32(0); i < n; i++ {
		var d *ole.IDispatch
		if variants {
			var v ole.VARIANT
			if err := arrayElement(sa.Array, i, unsafe.Pointer(&v)); err != nil {
				releaseAll(out)
				return nil, err
			}
			d, err = dispatchOf(&v) // AddRef before the clear
			v.Clear()
		} else {
			// SafeArrayGetElement AddRefs the interface it copies out.
			err = arrayElement(sa.Array, i, unsafe.Pointer(&d))
		}
		if err != nil {
			releaseAll(out)
			return nil, err
		}
		out = append(out, &comObject{c: c, d: d})
	}
	return out, nil
}

// Set implements Object.
func (o *comObject) Set(name string, value any) error {
	if sub, ok := value.(*comObject); ok {
		value = sub.d
	}
	if subs, ok := value.([]Object); ok {
		disps := make([]*ole.IDispatch, len(subs))
		for i, sub := range subs {
			disps[i] = sub.(*comObject).d
		}
		arr, free, err := dispatchArray(disps)
		if err != nil {
			return o.c.fail("set "+name, err)
		}
		defer free()
		value = arr
	}
	v, err := oleutil.PutProperty(o.d, name, value)
	if err != nil {
		return o.c.fail("set "+name, err)
	}
	v.Clear()
	return nil
}

// SpawnInstance implements Object.
func (o *comObject) SpawnInstance() (Object, error) {
	v, err := oleutil.CallMethod(o.d, "SpawnInstance_")
	if err != nil {
		return nil, o.c.fail("SpawnInstance_ "+o.Class(), err)
	}
	defer v.Clear()
	return o.c.hold(v)
}

// Put implements Object: Put_ with the context qualifiers, returning the
// RelPath of the SWbemObjectPath it reports.
func (o *comObject) Put() (string, error) {
	op := "Put " + o.Class()
	res, err := oleutil.CallMethod(o.d, "Put_", 0, o.c.ctx)
	if err != nil {
		return "", o.c.fail(op, err)
	}
	defer res.Clear()
	rel, err := oleutil.GetProperty(res.ToIDispatch(), "RelPath")
	if err != nil {
		return "", o.c.fail(op, err)
	}
	defer rel.Clear()
	return rel.ToString(), nil
}

// Release implements Object.
func (o *comObject) Release() {
	if o.d != nil {
		o.d.Release()
		o.d = nil
	}
}

// fail maps a COM error, with the SMS Provider's extended status.
func (c *comConn) fail(op string, err error) error {
	return mapCOM(op, err, c.LastError())
}

func comError(op string, err error) error { return mapCOM(op, err, nil) }

func mapCOM(op string, err error, ext *ExtendedStatus) error {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return err
	}
	var oe *ole.OleError
	if errors.As(err, &oe) {
		code := uint32(oe.Code())
		msg := oe.Description()
		if ei, ok := oe.SubError().(ole.EXCEPINFO); ok {
			code, msg = ei.SCODE(), ei.String()
		}
		return MapError(op, code, msg, ext)
	}
	return &provider.Error{Kind: provider.KindFailed, Op: op, Msg: err.Error()}
}
