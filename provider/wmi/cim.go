package wmi

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tsctl/tsctl/provider"
)

// CIMType is the type of a WMI property (WbemCimtypeEnum, the CIMType of
// an SWbemProperty).
type CIMType int

// The CIM types, with the values WMI scripting reports.
const (
	CIMSint16    CIMType = 2
	CIMSint32    CIMType = 3
	CIMReal32    CIMType = 4
	CIMReal64    CIMType = 5
	CIMString    CIMType = 8
	CIMBoolean   CIMType = 11
	CIMObject    CIMType = 13
	CIMSint8     CIMType = 16
	CIMUint8     CIMType = 17
	CIMUint16    CIMType = 18
	CIMUint32    CIMType = 19
	CIMSint64    CIMType = 20
	CIMUint64    CIMType = 21
	CIMDatetime  CIMType = 101
	CIMReference CIMType = 102
	CIMChar16    CIMType = 103
)

var cimNames = map[CIMType]string{
	CIMSint16: "sint16", CIMSint32: "sint32", CIMReal32: "real32", CIMReal64: "real64", CIMString: "string",
	CIMBoolean: "boolean", CIMObject: "object", CIMSint8: "sint8", CIMUint8: "uint8", CIMUint16: "uint16",
	CIMUint32: "uint32", CIMSint64: "sint64", CIMUint64: "uint64", CIMDatetime: "datetime",
	CIMReference: "reference", CIMChar16: "char16",
}

func (t CIMType) String() string {
	if n, ok := cimNames[t]; ok {
		return n
	}
	return fmt.Sprintf("CIM type %d", int(t))
}

// Property is one property of an Object as the COM side read it. Value is
// what go-ole gives for the VARIANT: nil, bool, an integer or float of the
// VARIANT's width, string, []any of those for arrays, and for embedded
// objects an Object or []Object that the receiver releases.
type Property struct {
	Name  string
	Type  CIMType
	Array bool
	Value any
}

// Object is one SWbemObject — an instance, a class or a method's
// parameters — held by the COM side until Release.
type Object interface {
	// Class is the object's class (Path_.Class).
	Class() string
	// Properties reads every property with its CIM type.
	Properties() ([]Property, error)
	// Set writes a property. The value is one that ToVariant returns, an
	// Object for an embedded object, or []Object for an array of them.
	Set(name string, value any) error
	// SpawnInstance makes a new instance of a class object (SpawnInstance_).
	SpawnInstance() (Object, error)
	// Put writes an instance (Put_) and returns the relative path the
	// provider reports.
	Put() (string, error)
	// Release drops the COM reference.
	Release()
}

// FromVariant converts a property's value as COM read it into the value
// types tsctl uses: int64 for every integer (sint64/uint64 arrive as
// strings, as WMI scripting passes them), string, bool, float64, []string,
// []int64, []byte for uint8 arrays, RFC 3339 UTC strings for CIM DATETIME
// timestamps (intervals stay as written), and *provider.Instance /
// []*provider.Instance for embedded objects, read with decode.
func FromVariant(p Property, decode func(Object) (*provider.Instance, error)) (any, error) {
	switch v := p.Value.(type) {
	case nil:
		return nil, nil
	case Object:
		return decode(v)
	case []Object:
		out := make([]*provider.Instance, 0, len(v))
		for _, o := range v {
			in, err := decode(o)
			if err != nil {
				return nil, err
			}
			out = append(out, in)
		}
		return out, nil
	}
	if p.Array {
		elems, ok := p.Value.([]any)
		if !ok {
			return nil, fmt.Errorf("property %s: %s array arrived as %T", p.Name, p.Type, p.Value)
		}
		switch p.Type {
		case CIMUint8:
			b := make([]byte, len(elems))
			for i, e := range elems {
				n, ok := Normalize(e).(int64)
				if !ok || n < 0 || n > 255 {
					return nil, fmt.Errorf("property %s: element %d is %v, not a byte", p.Name, i, e)
				}
				b[i] = byte(n)
			}
			return b, nil
		case CIMString, CIMReference, CIMChar16, CIMDatetime:
			out := make([]string, len(elems))
			for i, e := range elems {
				s, _ := e.(string)
				if p.Type == CIMDatetime {
					s = datetimeIn(s)
				}
				out[i] = s
			}
			return out, nil
		case CIMSint64, CIMUint64:
			out := make([]int64, len(elems))
			for i, e := range elems {
				n, err := int64Of(e)
				if err != nil {
					return nil, fmt.Errorf("property %s: element %d: %w", p.Name, i, err)
				}
				out[i] = n
			}
			return out, nil
		}
		if p.Type == CIMUint32 {
			out := make([]int64, len(elems))
			for i, e := range elems {
				out[i] = uint32Of(e)
			}
			return out, nil
		}
		return Normalize(elems), nil
	}
	switch p.Type {
	case CIMUint32:
		return uint32Of(p.Value), nil
	case CIMSint64, CIMUint64:
		n, err := int64Of(p.Value)
		if err != nil {
			if s, ok := p.Value.(string); ok {
				return s, nil // a uint64 past int64: kept as written
			}
			return nil, fmt.Errorf("property %s: %w", p.Name, err)
		}
		return n, nil
	case CIMDatetime:
		s, _ := p.Value.(string)
		return datetimeIn(s), nil
	}
	return Normalize(p.Value), nil
}

// datetimeIn turns a CIM DATETIME timestamp into RFC 3339 UTC, the form the
// AdminService uses; anything else (an interval) is returned unchanged.
func datetimeIn(s string) string {
	if t, err := provider.ParseCIMDateTime(s); err == nil {
		return t.Format(time.RFC3339Nano)
	}
	return s
}

// uint32Of reads a uint32 that WMI scripting passed as VT_I4: values
// above 2^31-1 arrive negative and are given back their bits.
func uint32Of(v any) int64 {
	if x, ok := v.(int32); ok {
		return int64(uint32(x))
	}
	n, _ := Normalize(v).(int64)
	return n
}

func int64Of(v any) (int64, error) {
	switch x := v.(type) {
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 0, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a 64-bit integer", x)
		}
		return n, nil
	}
	if n, ok := Normalize(v).(int64); ok {
		return n, nil
	}
	return 0, fmt.Errorf("%v (%T) is not an integer", v, v)
}

// ToVariant converts a value tsctl holds into what WMI scripting takes for
// a property of CIM type t (learn.microsoft.com/windows/win32/wmisdk/numbers):
// uint16, sint32 and uint32 as VT_I4 (int32; a uint32 above 2^31-1 keeps
// its bits), sint8 and sint16 as VT_I2, uint8 as VT_UI1, sint64 and uint64
// as decimal strings (VT_BSTR), DATETIME as a CIM DATETIME string, uint8
// arrays as byte arrays (VT_ARRAY|VT_UI1) and string arrays as []string.
// Numbers may be given as int64 or as decimal strings. Embedded objects
// are not values: the caller passes them as Objects.
func ToVariant(t CIMType, array bool, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if array {
		switch t {
		case CIMUint8:
			switch x := v.(type) {
			case []byte:
				return x, nil
			case []int64:
				b := make([]byte, len(x))
				for i, n := range x {
					if n < 0 || n > 255 {
						return nil, fmt.Errorf("element %d is %d, out of range for uint8", i, n)
					}
					b[i] = byte(n)
				}
				return b, nil
			}
		case CIMString, CIMReference, CIMChar16:
			if x, ok := v.([]string); ok {
				return x, nil
			}
		case CIMDatetime:
			if x, ok := v.([]string); ok {
				out := make([]string, len(x))
				for i, s := range x {
					d, err := datetimeOut(s)
					if err != nil {
						return nil, fmt.Errorf("element %d: %w", i, err)
					}
					out[i] = d
				}
				return out, nil
			}
		case CIMSint64, CIMUint64:
			if x, ok := v.([]int64); ok {
				out := make([]string, len(x))
				for i, n := range x {
					out[i] = strconv.FormatInt(n, 10)
				}
				return out, nil
			}
		}
		return nil, fmt.Errorf("cannot write %T to a %s array", v, t)
	}
	switch t {
	case CIMString, CIMReference, CIMChar16:
		switch x := v.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
	case CIMBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			b, err := strconv.ParseBool(x)
			if err != nil {
				return nil, fmt.Errorf("%q is not a boolean", x)
			}
			return b, nil
		}
	case CIMSint8, CIMSint16, CIMUint8, CIMUint16, CIMSint32, CIMUint32:
		n, err := int64Of(v)
		if err != nil {
			return nil, err
		}
		lo, hi := intRange(t)
		if n < lo || n > hi {
			return nil, fmt.Errorf("%d is out of range for %s", n, t)
		}
		switch t {
		case CIMUint8:
			return uint8(n), nil
		case CIMSint8, CIMSint16:
			return int16(n), nil
		}
		return int32(uint32(n)), nil // VT_I4: a uint32 keeps its bits
	case CIMSint64, CIMUint64:
		n, err := int64Of(v)
		if err != nil {
			return nil, err
		}
		if t == CIMUint64 && n < 0 {
			return nil, fmt.Errorf("%d is out of range for uint64", n)
		}
		return strconv.FormatInt(n, 10), nil
	case CIMReal32, CIMReal64:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case string:
			f, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a number", x)
			}
			return f, nil
		}
	case CIMDatetime:
		switch x := v.(type) {
		case string:
			return datetimeOut(x)
		case time.Time:
			return provider.FormatCIMDateTime(x), nil
		}
	}
	return nil, fmt.Errorf("cannot write %T to a %s property", v, t)
}

func intRange(t CIMType) (lo, hi int64) {
	switch t {
	case CIMSint8:
		return math.MinInt8, math.MaxInt8
	case CIMSint16:
		return math.MinInt16, math.MaxInt16
	case CIMUint8:
		return 0, math.MaxUint8
	case CIMUint16:
		return 0, math.MaxUint16
	case CIMSint32:
		return math.MinInt32, math.MaxInt32
	}
	return 0, math.MaxUint32
}

// datetimeOut accepts a CIM DATETIME (passed through) or an ISO 8601 time
// (converted) and returns the CIM form.
func datetimeOut(s string) (string, error) {
	if _, err := provider.ParseCIMDateTime(s); err == nil {
		return s, nil
	}
	t, err := provider.ParseDateTime(s)
	if err != nil {
		return "", err
	}
	return provider.FormatCIMDateTime(t), nil
}
