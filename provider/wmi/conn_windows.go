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
		locs, err := c.query(root, "SELECT Machine, SiteCode FROM SMS_ProviderLocation WHERE ProviderForLocalSite = true")
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

func (c *comConn) session(ns, server, user, password string) (*cim.WmiSession, error) {
	// The library joins server and domain with a dot: pass the DNS suffix
	// apart so that "cm01.contoso.com" stays itself.
	host, domain, _ := strings.Cut(server, ".")
	s, err := c.sm.GetSession(ns, host, domain, user, password)
	if err != nil {
		return nil, comError("connect", err)
	}
	if ok, err := s.Connect(); !ok || err != nil {
		if err == nil {
			err = errors.New("connection refused")
		}
		return nil, comError("connect", err)
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

func (c *comConn) query(s *cim.WmiSession, wql string) ([]*provider.Instance, error) {
	list, err := s.QueryInstances(wql)
	if err != nil {
		return nil, c.fail("query", err)
	}
	defer cim.CloseAllInstances(list)
	out := make([]*provider.Instance, 0, len(list))
	for _, in := range list {
		pi, err := toInstance(in.GetIDispatch())
		if err != nil {
			return nil, c.fail("query", err)
		}
		out = append(out, pi)
	}
	return out, nil
}

// Query implements Conn.
func (c *comConn) Query(wql string) ([]*provider.Instance, error) { return c.query(c.s, wql) }

// Get implements Conn.
func (c *comConn) Get(path string) (*provider.Instance, error) {
	v, err := oleutil.CallMethod(c.svc, "Get", path, 0, c.ctx)
	if err != nil {
		return nil, c.fail("Get "+path, err)
	}
	defer v.Clear()
	return toInstance(v.ToIDispatch())
}

// Put implements Conn.
func (c *comConn) Put(in *provider.Instance) (string, error) {
	obj, err := c.object(in)
	if err != nil {
		return "", err
	}
	defer obj.Clear()
	res, err := oleutil.CallMethod(obj.ToIDispatch(), "Put_", 0, c.ctx)
	if err != nil {
		return "", c.fail("Put "+in.Class, err)
	}
	defer res.Clear()
	rel, err := oleutil.GetProperty(res.ToIDispatch(), "RelPath")
	if err != nil {
		return "", c.fail("Put "+in.Class, err)
	}
	defer rel.Clear()
	return rel.ToString(), nil
}

// Delete implements Conn.
func (c *comConn) Delete(path string) error {
	if _, err := oleutil.CallMethod(c.svc, "Delete", path, 0, c.ctx); err != nil {
		return c.fail("Delete "+path, err)
	}
	return nil
}

// Exec implements Conn: ExecMethod with in-parameters set by name.
func (c *comConn) Exec(class, method string, in map[string]any) (map[string]any, error) {
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
	var held []*ole.VARIANT
	defer func() {
		for _, h := range held {
			h.Clear()
		}
	}()
	for name, v := range in {
		val := v
		if pi, ok := v.(*provider.Instance); ok {
			obj, err := c.object(pi)
			if err != nil {
				return nil, err
			}
			held = append(held, obj)
			val = obj.ToIDispatch()
		}
		if _, err := oleutil.PutProperty(params.ToIDispatch(), name, val); err != nil {
			return nil, c.fail(op+": parameter "+name, err)
		}
	}
	out, err := oleutil.CallMethod(c.svc, "ExecMethod", class, method, params.ToIDispatch(), 0, c.ctx)
	if err != nil {
		return nil, c.fail(op, err)
	}
	// Embedded out-parameters (ImportSequence's TaskSequence) travel as
	// handles, each holding its own reference.
	objects := map[string]*ole.VARIANT{}
	res, err := readObject(out.ToIDispatch(), objects)
	out.Clear() // the embedded objects hold their own references
	if err != nil {
		return nil, c.fail(op, err)
	}
	for name, h := range objects {
		res.Props[name] = &provider.Instance{Props: map[string]any{}, Handle: h}
	}
	return res.Props, nil
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
	defer d.Release()
	in, err := toInstance(d)
	if err != nil || in.Class != "SMS_ExtendedStatus" {
		return nil
	}
	code, _ := in.Props["ErrorCode"].(int64)
	return &ExtendedStatus{Description: in.String("Description"), ErrorCode: uint32(code)}
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

// object returns the SWbemObject for in: its own handle, the stored
// object updated with in's properties, or a new spawned instance.
func (c *comConn) object(in *provider.Instance) (*ole.VARIANT, error) {
	if h, ok := in.Handle.(*ole.VARIANT); ok {
		// Callers Clear what object returns: hand out an extra reference.
		d := h.ToIDispatch()
		d.AddRef()
		v := ole.NewVariant(ole.VT_DISPATCH, int64(uintptr(unsafePointer(d))))
		return &v, nil
	}
	var obj *ole.VARIANT
	var err error
	if path := keyPath(in); path != "" {
		obj, err = oleutil.CallMethod(c.svc, "Get", path, 0, c.ctx)
	} else {
		var cls *ole.VARIANT
		cls, err = oleutil.CallMethod(c.svc, "Get", in.Class, 0, c.ctx)
		if err == nil {
			obj, err = oleutil.CallMethod(cls.ToIDispatch(), "SpawnInstance_")
			cls.Clear()
		}
	}
	if err != nil {
		return nil, c.fail("Put "+in.Class, err)
	}
	for k, v := range in.Props {
		if _, err := oleutil.PutProperty(obj.ToIDispatch(), k, toVariantValue(v)); err != nil {
			obj.Clear()
			return nil, c.fail("Put "+in.Class+": property "+k, err)
		}
	}
	return obj, nil
}

// fail maps a COM error, with the SMS Provider's extended status.
func (c *comConn) fail(op string, err error) error {
	return mapCOM(op, err, c.LastError())
}

func comError(op string, err error) error { return mapCOM(op, err, nil) }

func mapCOM(op string, err error, ext *ExtendedStatus) error {
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

// toInstance reads an SWbemObject's class and non-object properties.
func toInstance(d *ole.IDispatch) (*provider.Instance, error) { return readObject(d, nil) }

// readObject is toInstance that also hands object-valued properties
// (each holding its own reference) to objects, when not nil.
func readObject(d *ole.IDispatch, objects map[string]*ole.VARIANT) (*provider.Instance, error) {
	path, err := oleutil.GetProperty(d, "Path_")
	if err != nil {
		return nil, err
	}
	cls, err := oleutil.GetProperty(path.ToIDispatch(), "Class")
	path.Clear()
	if err != nil {
		return nil, err
	}
	in := provider.New(cls.ToString())
	cls.Clear()
	err = eachProperty(d, func(name string, val *ole.VARIANT) bool {
		if objects != nil && val.VT == ole.VT_DISPATCH {
			objects[name] = val
			return true
		}
		if v, ok := variantValue(val); ok && v != nil {
			in.Props[name] = v
		}
		return false
	})
	return in, err
}

// eachProperty calls f with the name and value of each property of an
// SWbemObject; the value is cleared afterwards unless f keeps it.
func eachProperty(d *ole.IDispatch, f func(name string, val *ole.VARIANT) (keep bool)) error {
	props, err := oleutil.GetProperty(d, "Properties_")
	if err != nil {
		return err
	}
	defer props.Clear()
	return oleutil.ForEach(props.ToIDispatch(), func(p *ole.VARIANT) error {
		pd := p.ToIDispatch()
		name, err := oleutil.GetProperty(pd, "Name")
		if err != nil {
			return err
		}
		defer name.Clear()
		val, err := oleutil.GetProperty(pd, "Value")
		if err != nil {
			return err
		}
		if !f(name.ToString(), val) {
			val.Clear()
		}
		return nil
	})
}

// variantValue converts scalars and arrays of scalars; embedded objects
// are not properties tsctl reads.
func variantValue(v *ole.VARIANT) (any, bool) {
	if v.VT&ole.VT_ARRAY != 0 {
		if v.VT&^ole.VT_ARRAY == ole.VT_DISPATCH || v.VT&^ole.VT_ARRAY == ole.VT_UNKNOWN {
			return nil, false
		}
		return Normalize(v.ToArray().ToValueArray()), true
	}
	switch v.VT {
	case ole.VT_DISPATCH, ole.VT_UNKNOWN:
		return nil, false
	case ole.VT_NULL, ole.VT_EMPTY:
		return nil, true
	}
	return Normalize(v.Value()), true
}

// toVariantValue converts engine values to what go-ole can marshal.
func toVariantValue(v any) any {
	switch x := v.(type) {
	case int64:
		return int32(x) // WMI scripting takes uint32/sint32 as VT_I4
	case int:
		return int32(x)
	case []int64:
		s := make([]string, len(x))
		for i, n := range x {
			s[i] = fmt.Sprint(n)
		}
		return s
	}
	return v
}

// keyPath is in's relative path when its key properties are set.
func keyPath(in *provider.Instance) string {
	switch in.Class {
	case "SMS_Program":
		if in.String("PackageID") != "" && in.String("ProgramName") != "" {
			return provider.Path(in.Class, "PackageID", in.String("PackageID"), "ProgramName", in.String("ProgramName"))
		}
	default:
		if id := in.String("PackageID"); id != "" {
			return provider.Path(in.Class, "PackageID", id)
		}
	}
	return ""
}
