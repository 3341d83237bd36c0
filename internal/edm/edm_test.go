package edm

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// csdlType is an EntityType or ComplexType of a CSDL document.
type csdlType struct {
	Name     string `xml:"Name,attr"`
	BaseType string `xml:"BaseType,attr"`
	Abstract bool   `xml:"Abstract,attr"`
	Key      []struct {
		Name string `xml:"Name,attr"`
	} `xml:"Key>PropertyRef"`
	Props []struct {
		Name string `xml:"Name,attr"`
		Type string `xml:"Type,attr"`
	} `xml:"Property"`
}

// csdl is the part of an OData CSDL document the comparison reads.
type csdl struct {
	Schemas []struct {
		Namespace    string     `xml:"Namespace,attr"`
		EntityTypes  []csdlType `xml:"EntityType"`
		ComplexTypes []csdlType `xml:"ComplexType"`
		Actions      []struct {
			Name   string `xml:"Name,attr"`
			Bound  bool   `xml:"IsBound,attr"`
			Params []struct {
				Name string `xml:"Name,attr"`
				Type string `xml:"Type,attr"`
			} `xml:"Parameter"`
		} `xml:"Action"`
		Containers []struct {
			Sets []struct {
				Name       string `xml:"Name,attr"`
				EntityType string `xml:"EntityType,attr"`
			} `xml:"EntitySet"`
			Actions []struct {
				Name string `xml:"Name,attr"`
			} `xml:"ActionImport"`
		} `xml:"EntityContainer"`
	} `xml:"DataServices>Schema"`
}

// model is a CSDL document indexed for comparison.
type model struct {
	types   map[string]*Type // by name
	sets    map[string]bool
	actions map[string]bool
	bound   map[string]string // "Class.Method" → its parameters, "name:type,…" sorted
}

func loadModel(t *testing.T, data []byte) *model {
	t.Helper()
	var doc csdl
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	m := &model{types: map[string]*Type{}, sets: map[string]bool{}, actions: map[string]bool{}, bound: map[string]string{}}
	for _, s := range doc.Schemas {
		for _, a := range s.Actions {
			if !a.Bound || len(a.Params) == 0 {
				continue
			}
			var params []string
			for _, p := range a.Params[1:] {
				params = append(params, p.Name+":"+p.Type)
			}
			sort.Strings(params)
			m.bound[strings.TrimPrefix(a.Params[0].Type, s.Namespace+".")+"."+a.Name] = strings.Join(params, ",")
		}
		for i, et := range append(append([]csdlType(nil), s.EntityTypes...), s.ComplexTypes...) {
			e := &Type{Name: et.Name, Base: strings.TrimPrefix(et.BaseType, s.Namespace+"."), Abstract: et.Abstract, Complex: i >= len(s.EntityTypes)}
			for _, k := range et.Key {
				e.Key = append(e.Key, k.Name)
			}
			for _, p := range et.Props {
				e.Props = append(e.Props, Prop{p.Name, p.Type})
			}
			if prev, dup := m.types[e.Name]; !dup || len(prev.Props) < len(e.Props) {
				m.types[e.Name] = e
			}
		}
		for _, c := range s.Containers {
			for _, set := range c.Sets {
				m.sets[set.Name] = true
			}
			for _, a := range c.Actions {
				m.actions[a.Name] = true
			}
		}
	}
	return m
}

func (m *model) key(name string) []string {
	for t := m.types[name]; t != nil; t = m.types[t.Base] {
		if len(t.Key) > 0 {
			return t.Key
		}
	}
	return nil
}

func (m *model) prop(name, prop string) string {
	for t := m.types[name]; t != nil; t = m.types[t.Base] {
		for _, p := range t.Props {
			if p.Name == prop {
				return p.Type
			}
		}
	}
	return ""
}

// The façade declares what a real site's $metadata declares for every
// class tsctl reads or writes: the entity sets (and their absence, e.g.
// the abstract SMS_ObjectLock), keys, base types and property types, the
// complex types of embedded objects, the static methods tsctl calls, and
// the instance methods with their parameters.
func TestFacadeMatchesRealMetadata(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "reference", "AdminService_Metadata_WMI.xml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no real $metadata to compare with (%v): see ../shared/reference/README.md", err)
	}
	real := loadModel(t, data)
	ours := loadModel(t, []byte(MetadataXML()))
	if len(ours.types) != len(schemaTypes) {
		t.Fatalf("the façade's $metadata does not parse back: %d types of %d", len(ours.types), len(schemaTypes))
	}
	var compared []string
	for _, ft := range schemaTypes {
		rt := real.types[ft.Name]
		if rt == nil {
			t.Errorf("%s: no such entity type on a real site", ft.Name)
			continue
		}
		if ft.Set != real.sets[ft.Name] {
			t.Errorf("%s: entity set %v here, %v on a real site", ft.Name, ft.Set, real.sets[ft.Name])
		}
		if ft.Complex != rt.Complex {
			t.Errorf("%s: complex type %v here, %v on a real site", ft.Name, ft.Complex, rt.Complex)
		}
		if ft.Base != rt.Base || ft.Abstract != rt.Abstract {
			t.Errorf("%s: base %q abstract %v here, base %q abstract %v on a real site", ft.Name, ft.Base, ft.Abstract, rt.Base, rt.Abstract)
		}
		if got, want := strings.Join(ours.key(ft.Name), ","), strings.Join(real.key(ft.Name), ","); got != want {
			t.Errorf("%s: key %q here, %q on a real site", ft.Name, got, want)
		}
		for _, p := range ft.Props {
			if want := real.prop(ft.Name, p.Name); want != p.Type {
				t.Errorf("%s.%s: %s here, %q on a real site", ft.Name, p.Name, p.Type, want)
			}
		}
		compared = append(compared, ft.Name)
	}
	for _, a := range actionImports {
		if !real.actions[a] {
			t.Errorf("%s: no such action import on a real site", a)
		}
	}
	for _, a := range boundActions {
		want, ok := real.bound[a.Class+"."+a.Name]
		if got := ours.bound[a.Class+"."+a.Name]; !ok || got != want {
			t.Errorf("%s.%s: bound with parameters %q here, %q (%v) on a real site", a.Class, a.Name, got, want, ok)
		}
	}
	sort.Strings(compared)
	t.Logf("compared %d classes with %s: %s", len(compared), path, strings.Join(compared, ", "))
}
