package local

import (
	"encoding/json"
	"fmt"

	"github.com/tsctl/tsctl/provider"
)

// stored is the on-disk form of an instance: property values tagged with
// their type so that integers, booleans and embedded objects survive JSON.
type stored struct {
	Class string           `json:"class"`
	Props map[string]value `json:"props"`
}

type value struct {
	S *string  `json:"s,omitempty"`
	I *int64   `json:"i,omitempty"`
	B *bool    `json:"b,omitempty"`
	L []string `json:"l,omitempty"`
	O []stored `json:"o,omitempty"`
	E *stored  `json:"e,omitempty"`
	N bool     `json:"n,omitempty"` // null
	A bool     `json:"a,omitempty"` // empty list / array marker
}

func encode(in *provider.Instance) ([]byte, error) {
	s, err := toStored(in)
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

func toStored(in *provider.Instance) (stored, error) {
	s := stored{Class: in.Class, Props: make(map[string]value, len(in.Props))}
	for k, v := range in.Props {
		var x value
		switch t := v.(type) {
		case nil:
			x.N = true
		case string:
			x.S = &t
		case int64:
			x.I = &t
		case int:
			n := int64(t)
			x.I = &n
		case bool:
			x.B = &t
		case []string:
			x.L, x.A = t, true
		case *provider.Instance:
			e, err := toStored(t)
			if err != nil {
				return s, err
			}
			x.E = &e
		case []*provider.Instance:
			x.A = true
			for _, o := range t {
				e, err := toStored(o)
				if err != nil {
					return s, err
				}
				x.O = append(x.O, e)
			}
		default:
			return s, fmt.Errorf("property %s of %s: unsupported value type %T", k, in.Class, v)
		}
		s.Props[k] = x
	}
	return s, nil
}

func decode(b []byte) (*provider.Instance, error) {
	var s stored
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("corrupt object record: %w", err)
	}
	return fromStored(s), nil
}

func fromStored(s stored) *provider.Instance {
	in := provider.New(s.Class)
	for k, x := range s.Props {
		switch {
		case x.S != nil:
			in.Props[k] = *x.S
		case x.I != nil:
			in.Props[k] = *x.I
		case x.B != nil:
			in.Props[k] = *x.B
		case x.E != nil:
			in.Props[k] = fromStored(*x.E)
		case x.L != nil:
			in.Props[k] = x.L
		case x.O != nil:
			objs := make([]*provider.Instance, len(x.O))
			for i, o := range x.O {
				objs[i] = fromStored(o)
			}
			in.Props[k] = objs
		case x.A:
			in.Props[k] = []string{}
		default:
			in.Props[k] = nil
		}
	}
	return in
}
