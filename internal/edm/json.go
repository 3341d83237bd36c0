package edm

import (
	"encoding/json"
	"strings"

	"github.com/tsctl/tsctl/provider"
)

// FromJSON turns an OData entity into an instance, dropping OData and WMI
// system properties.
func FromJSON(class string, m map[string]any) *provider.Instance {
	if t, ok := m["@odata.type"].(string); ok && strings.TrimPrefix(t, "#AdminService.") != "" {
		class = strings.TrimPrefix(t, "#AdminService.")
	}
	in := provider.New(class)
	for k, v := range m {
		if strings.HasPrefix(k, "@") || strings.HasPrefix(k, "__") {
			continue
		}
		in.Props[k] = ValueFromJSON(v)
	}
	return in
}

// ValueFromJSON converts a JSON value of an entity or a method parameter
// (decoded with UseNumber) to the Go value a provider.Instance holds.
func ValueFromJSON(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		return t.String()
	case map[string]any:
		// An embedded object (a method's out-parameter): keep it whole, so
		// that passing it back to the site sends exactly what the site sent.
		in := FromJSON("", t)
		in.Handle = t
		return in
	case []any:
		if len(t) == 0 {
			return []string{}
		}
		if _, ok := t[0].(map[string]any); ok {
			out := make([]*provider.Instance, 0, len(t))
			for _, e := range t {
				if m, ok := e.(map[string]any); ok {
					out = append(out, FromJSON("", m))
				}
			}
			return out
		}
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return v
}

// ToJSON renders an instance as an OData entity; typed adds @odata.type,
// as embedded objects in method parameters need.
func ToJSON(in *provider.Instance, typed bool) map[string]any {
	if h, ok := in.Handle.(map[string]any); ok && typed {
		return h
	}
	m := map[string]any{}
	if typed && in.Class != "" {
		m["@odata.type"] = "#AdminService." + in.Class
	}
	for k, v := range in.Props {
		m[k] = ValueToJSON(v)
	}
	return m
}

// ValueToJSON converts a provider.Instance property value to JSON.
func ValueToJSON(v any) any {
	switch t := v.(type) {
	case *provider.Instance:
		return ToJSON(t, true)
	case []*provider.Instance:
		out := make([]any, len(t))
		for i, o := range t {
			out[i] = ToJSON(o, true)
		}
		return out
	}
	return v
}
