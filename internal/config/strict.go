package config

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
)

// DecodeStrict decodes a small YAML file of another format than the
// configuration (a site seed file) into v, with the configuration's rules
// for what the file may hold: one document, no key written twice, no
// character a site cannot store, and no key v has no field for. Every
// problem is positioned; nothing is decoded unless all of them pass.
func DecodeStrict(file string, data []byte, v any) diag.List {
	doc, extra, err := parseWhole(data)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return diag.List{syntaxError(file, data, err)}
	}
	var ds diag.List
	if extra > 0 {
		ds.AddHint(diag.Pos{File: file, Line: extra, Col: 1}, "put each document in a file of its own", "more than one YAML document in a file")
		return ds
	}
	checkTree(file, doc, &ds)
	if ds.HasErrors() {
		ds.Sort()
		return ds
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err = dec.Decode(v)
	var te *yaml.TypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		for _, e := range te.Errors {
			ds = append(ds, typeError(file, doc, e))
		}
	default:
		ds = append(ds, syntaxError(file, data, err))
	}
	ds.Sort()
	return ds
}

var (
	typeLineRE     = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownFieldRE = regexp.MustCompile(`^field (\S+) not found in type `)
	unmarshalRE    = regexp.MustCompile(`^cannot unmarshal (!!\w+)`)
)

// typeError positions one of yaml.v3's decoding errors ("line 3: field
// colour not found in type local.SeedApplication") at its node in doc and
// words it without Go type names or the value it quotes.
func typeError(file string, doc *yaml.Node, e string) diag.Diagnostic {
	m := typeLineRE.FindStringSubmatch(e)
	if m == nil {
		return diag.Diagnostic{Pos: diag.Pos{File: file}, Msg: e}
	}
	line, _ := strconv.Atoi(m[1])
	msg, key := m[2], ""
	if f := unknownFieldRE.FindStringSubmatch(msg); f != nil {
		key, msg = f[1], "unknown property \""+f[1]+"\""
	} else if u := unmarshalRE.FindStringSubmatch(msg); u != nil {
		msg = "a " + tagNames[u[1]] + " is not allowed here"
	}
	p := diag.Pos{File: file, Line: line, Col: 1}
	if n := nodeAt(doc, line, key); n != nil {
		p.Col = n.Column
	}
	return diag.Diagnostic{Pos: p, Msg: msg}
}

var tagNames = map[string]string{"!!str": "string", "!!int": "number", "!!float": "number", "!!bool": "boolean", "!!null": "null",
	"!!map": "mapping", "!!seq": "list", "!!timestamp": "timestamp", "!!binary": "binary value"}

// nodeAt finds the first node on line: the key named key when one is
// given, else any.
func nodeAt(n *yaml.Node, line int, key string) *yaml.Node {
	if n.Line == line && (key == "" || n.Kind == yaml.ScalarNode && n.Value == key) {
		return n
	}
	for _, c := range n.Content {
		if found := nodeAt(c, line, key); found != nil {
			return found
		}
	}
	return nil
}
