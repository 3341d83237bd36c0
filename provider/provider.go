package provider

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tsctl/tsctl/internal/model"
)

// Instance is a WMI object: a class name and its properties. Property
// values are nil, string, int64, bool, []string, *Instance or []*Instance.
type Instance struct {
	Class string
	Props map[string]any
	// Handle is an embedded object owned by the provider that produced it
	// (a COM object, a JSON document, a parsed sequence). The engine passes
	// it back unchanged, e.g. the SMS_TaskSequence from ImportSequence into
	// SetSequence.
	Handle any
}

// New returns an empty instance of class (the equivalent of SpawnInstance_).
func New(class string) *Instance { return &Instance{Class: class, Props: map[string]any{}} }

// String returns a string property ("" when absent or null).
func (i *Instance) String(name string) string {
	switch v := i.Props[name].(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// Int returns an integer property (0 when absent).
func (i *Instance) Int(name string) int64 {
	switch v := i.Props[name].(type) {
	case int64:
		return v
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

// Bool returns a boolean property.
func (i *Instance) Bool(name string) bool {
	v, _ := i.Props[name].(bool)
	return v
}

// Objects returns an embedded-object array property.
func (i *Instance) Objects(name string) []*Instance {
	v, _ := i.Props[name].([]*Instance)
	return v
}

// Clone returns a copy of the instance whose property map may be changed freely.
func (i *Instance) Clone() *Instance {
	c := &Instance{Class: i.Class, Props: make(map[string]any, len(i.Props)), Handle: i.Handle}
	for k, v := range i.Props {
		switch x := v.(type) {
		case []string:
			v = append([]string(nil), x...)
		case *Instance:
			v = x.Clone()
		case []*Instance:
			cp := make([]*Instance, len(x))
			for j, o := range x {
				cp[j] = o.Clone()
			}
			v = cp
		}
		c.Props[k] = v
	}
	return c
}

// Query selects instances of one class. Where holds equality tests ANDed
// together; Select limits the properties returned (nil = all non-lazy).
type Query struct {
	Class  string
	Select []string
	Where  map[string]string
}

// WQL renders the query as WMI Query Language.
func (q Query) WQL() string {
	sel := "*"
	if len(q.Select) > 0 {
		sel = strings.Join(q.Select, ",")
	}
	s := "SELECT " + sel + " FROM " + q.Class
	if len(q.Where) > 0 {
		keys := make([]string, 0, len(q.Where))
		for k := range q.Where {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for n, k := range keys {
			if n == 0 {
				s += " WHERE "
			} else {
				s += " AND "
			}
			s += k + "='" + EscapeWQL(q.Where[k]) + "'"
		}
	}
	return s
}

// EscapeWQL escapes a string literal for a WQL single-quoted string.
func EscapeWQL(s string) string {
	return wqlEscaper.Replace(s)
}

// Site is a Configuration Manager site reached through its SMS Provider.
// All methods are safe for concurrent use.
type Site interface {
	// Code is the site code, e.g. "PS1".
	Code() string
	// Query returns the instances a WQL query selects (lazy properties omitted).
	Query(ctx context.Context, q Query) ([]*Instance, error)
	// Get reads one instance by relative path, lazy properties included.
	Get(ctx context.Context, path string) (*Instance, error)
	// Put creates or updates an instance and returns its relative path.
	Put(ctx context.Context, inst *Instance) (string, error)
	// Delete removes the instance at path.
	Delete(ctx context.Context, path string) error
	// ExecMethod runs a method with named in-parameters and returns its
	// out-parameters (ReturnValue included); a non-zero ReturnValue is
	// returned as an error (see CheckReturnValue). target is a class name
	// for a static method (SMS_TaskSequencePackage.SetSequence), or an
	// object's relative path for an instance method
	// (SMS_DistributionPointGroup.GroupID="{…}" for AddPackages); see
	// MethodClass.
	ExecMethod(ctx context.Context, target, method string, in map[string]any) (map[string]any, error)
	// Close releases the connection.
	Close() error
}

// ErrorKind classifies provider errors so that callers can react to them.
type ErrorKind int

const (
	KindFailed    ErrorKind = iota // generic provider failure
	KindNotFound                   // WBEM_E_NOT_FOUND
	KindInvalid                    // invalid parameter / object rejected
	KindLocked                     // object locked by someone else (SEDO)
	KindDenied                     // access denied
	KindTransient                  // connection problem or timeout: worth retrying
	KindTooLarge                   // sequence over the size limit
)

func (k ErrorKind) String() string {
	return [...]string{"failed", "not found", "invalid", "locked", "access denied", "transient", "too large"}[k]
}

// Error is a failure reported by a site.
type Error struct {
	Kind   ErrorKind
	Op     string // e.g. "SetSequence", "Put SMS_Package"
	Code   uint32 // HRESULT or SMS_ExtendedStatus code when known
	Msg    string
	Hint   string    // what the user can do about it, printed on a hint line
	Holder *LockInfo // for KindLocked
	// RetryAfter is how long the site asked to be left alone before the
	// call is tried again (HTTP Retry-After), for KindTransient; 0 if it
	// did not say.
	RetryAfter time.Duration
}

// ErrorHint returns the hint (see diag.HintOf).
func (e *Error) ErrorHint() string { return e.Hint }

func (e *Error) Error() string {
	s := e.Op + ": " + e.Msg
	if e.Code != 0 {
		s += fmt.Sprintf(" (0x%08X)", e.Code)
	}
	return s
}

// SequenceReferences reads the lazy References of an
// SMS_TaskSequencePackage as sequence references.
func SequenceReferences(in *Instance) []model.Reference {
	objs := in.Objects("References")
	if len(objs) == 0 {
		return nil
	}
	refs := make([]model.Reference, 0, len(objs))
	for _, r := range objs {
		if r.Int("Type") == 1 {
			refs = append(refs, model.Reference{Application: r.String("Package")})
		} else {
			refs = append(refs, model.Reference{Package: r.String("Package"), Program: r.String("Program")})
		}
	}
	return refs
}

// MethodClass reads a method's target (see Site.ExecMethod): its class,
// and for an instance method the object's key values (nil for a static
// method).
func MethodClass(target string) (class string, keys map[string]string, err error) {
	if !strings.Contains(target, "=") {
		return target, nil, nil
	}
	return ParsePath(target)
}

// CheckReturnValue turns a method's non-zero ReturnValue into an Error
// naming op (e.g. "SMS_TaskSequencePackage.SetSequence").
func CheckReturnValue(op string, out map[string]any) error {
	if rv, ok := out["ReturnValue"].(int64); ok && rv != 0 {
		return &Error{Kind: KindFailed, Op: op, Msg: fmt.Sprintf("ReturnValue %d", rv)}
	}
	return nil
}

// IsKind reports whether err is a provider Error of kind k.
func IsKind(err error, k ErrorKind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// Path builds a WMI relative path: Class.Key="v",Key2="v2" (keys in the order given).
func Path(class string, kv ...string) string {
	var b strings.Builder
	b.WriteString(class)
	for i := 0; i+1 < len(kv); i += 2 {
		if i == 0 {
			b.WriteByte('.')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(kv[i])
		b.WriteString(`="`)
		b.WriteString(pathEscaper.Replace(kv[i+1]))
		b.WriteByte('"')
	}
	return b.String()
}

// ParsePath splits a relative path into its class and key values.
func ParsePath(p string) (class string, keys map[string]string, err error) {
	dot := strings.IndexByte(p, '.')
	if dot <= 0 {
		return "", nil, fmt.Errorf("invalid object path %q", p)
	}
	class, rest := p[:dot], p[dot+1:]
	keys = map[string]string{}
	for rest != "" {
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 || eq+1 >= len(rest) || rest[eq+1] != '"' {
			return "", nil, fmt.Errorf("invalid object path %q", p)
		}
		name := rest[:eq]
		rest = rest[eq+2:]
		var val strings.Builder
		i := 0
		for ; i < len(rest); i++ {
			if rest[i] == '\\' && i+1 < len(rest) {
				i++
				val.WriteByte(rest[i])
				continue
			}
			if rest[i] == '"' {
				break
			}
			val.WriteByte(rest[i])
		}
		if i >= len(rest) {
			return "", nil, fmt.Errorf("invalid object path %q: unterminated value", p)
		}
		keys[name] = val.String()
		rest = rest[i+1:]
		if rest != "" {
			if rest[0] != ',' {
				return "", nil, fmt.Errorf("invalid object path %q", p)
			}
			rest = rest[1:]
		}
	}
	return class, keys, nil
}

var (
	pathEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	wqlEscaper  = strings.NewReplacer(`\`, `\\`, `'`, `\'`)
)
