package exportfile

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/tsctl/tsctl/internal/model"
)

// instance is what tsctl reads of a CIM-XML INSTANCE element: its class and
// its scalar properties, in order.
type instance struct {
	Class string
	Props []instanceProp
}

// instanceProp is a PROPERTY element: its NAME and the text of its VALUE
// (nil when it has none).
type instanceProp struct {
	Name  string
	Value *string
}

func (in *instance) prop(name string) string {
	for _, p := range in.Props {
		if p.Name == name && p.Value != nil {
			return *p.Value
		}
	}
	return ""
}

// parseInstance reads a CIM-XML instance as encoding/xml decodes it into
// the struct of parseInstanceStd (its first element, whatever its name).
// The model package's scanner reads it, several times faster; a document
// it refuses, or one whose reading could differ from encoding/xml's
// (processing instructions, qualified names, a VALUE holding elements),
// is left to encoding/xml, so the answer, errors included, is the same
// (FuzzInstanceMatchesEncodingXML).
func parseInstance(name string, data []byte) (*instance, error) {
	if in, ok := scanInstance(data); ok {
		return in, nil
	}
	return parseInstanceStd(name, data)
}

// scanInstance reads an instance with the model package's scanner; false
// means encoding/xml must judge it.
func scanInstance(data []byte) (*instance, bool) {
	root, ok := scanPlain(data)
	if !ok || qualifiedAttr(root) {
		return nil, false
	}
	in := &instance{}
	in.Class, _ = root.Attr("CLASSNAME")
	for _, p := range root.Children {
		if p.Name != "PROPERTY" {
			continue
		}
		if qualifiedAttr(p) {
			return nil, false
		}
		prop := instanceProp{}
		prop.Name, _ = p.Attr("NAME")
		for _, v := range p.Children {
			if v.Name != "VALUE" {
				continue
			}
			if len(v.Children) > 0 {
				return nil, false // encoding/xml keeps the blank text between them
			}
			prop.Value = &v.Text
		}
		in.Props = append(in.Props, prop)
	}
	return in, true
}

// scanPlain reads a document with the model package's scanner when
// encoding/xml would read it as the same tree of the same names: no
// processing instruction (encoding/xml judges their encodings), no
// qualified element name (encoding/xml matches a struct field by the name
// after the prefix, and refuses a name of two colons).
func scanPlain(data []byte) (*model.Elem, bool) {
	if bytes.Contains(data, []byte("<?")) {
		return nil, false
	}
	root, err := model.ParseElem(data)
	if err != nil || qualifiedNames(root) {
		return nil, false
	}
	return root, true
}

// qualifiedNames reports whether any element in e's tree has a prefixed
// name, or an attribute a name of more than one colon.
func qualifiedNames(e *model.Elem) bool {
	if strings.Contains(e.Name, ":") {
		return true
	}
	for _, a := range e.Attrs {
		if strings.Count(a.Name, ":") > 1 {
			return true
		}
	}
	for _, c := range e.Children {
		if qualifiedNames(c) {
			return true
		}
	}
	return false
}

// qualifiedAttr reports whether e has a prefixed attribute, which
// encoding/xml matches by the name after the prefix.
func qualifiedAttr(e *model.Elem) bool {
	for _, a := range e.Attrs {
		if strings.Contains(a.Name, ":") {
			return true
		}
	}
	return false
}

// stdInstance is a CIM-XML INSTANCE element as encoding/xml decodes it.
type stdInstance struct {
	Class string `xml:"CLASSNAME,attr"`
	Props []struct {
		Name  string  `xml:"NAME,attr"`
		Value *string `xml:"VALUE"`
	} `xml:"PROPERTY"`
}

// parseInstanceStd reads an instance with encoding/xml.
func parseInstanceStd(name string, data []byte) (*instance, error) {
	var std stdInstance
	d := xml.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(&std); err != nil {
		return nil, fmt.Errorf("%s: invalid CIM-XML instance: %w", name, err)
	}
	in := &instance{Class: std.Class}
	for _, p := range std.Props {
		in.Props = append(in.Props, instanceProp{Name: p.Name, Value: p.Value})
	}
	return in, nil
}

// parseInfo reads the items of a ReferencesInfo.xml (an ArrayOfString) as
// xml.Unmarshal decodes them, with the scanner when it reads the same
// (as parseInstance).
func parseInfo(data []byte) ([]string, error) {
	if root, ok := scanPlain(data); ok {
		var items []string
		for _, c := range root.Children {
			if c.Name != "string" {
				continue
			}
			if len(c.Children) > 0 {
				return parseInfoStd(data)
			}
			items = append(items, c.Text)
		}
		return items, nil
	}
	return parseInfoStd(data)
}

// parseInfoStd reads the items of a ReferencesInfo.xml with encoding/xml.
func parseInfoStd(data []byte) ([]string, error) {
	var list struct {
		Items []string `xml:"string"`
	}
	if err := xml.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	return list.Items, nil
}
