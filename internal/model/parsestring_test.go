package model

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// ParseString reads what Parse reads, and fails as it fails, and Parse
// leaves the bytes it reads as they were (which is what lets ParseString
// read a string's bytes in place): the fixture, the real exports' sequence
// files when present, and documents of line ends, references, CDATA,
// comments and errors.
func TestParseStringIsParse(t *testing.T) {
	docs := []string{
		"<sequence version=\"3.10\">\r\n<step type=\"X\" name=\"a&amp;b&#x41;\" description=\"\"><action>x\r\ny</action></step>\r</sequence>",
		`<?xml version="1.0"?><sequence version="3.10"><!-- c --><group name="G" description=""><step type="X" name="s" description=""><action><![CDATA[a<b]]></action></step></group></sequence>`,
		`<sequence version="3.10"><step type="X" name="a" description=""></sequence>`,
		`<sequence version="3.10"><step type="X" name="&unknown;" description=""/></sequence>`,
		"\ufeff<sequence version=\"3.10\"/>",
		``,
	}
	files := []string{filepath.Join("testdata", "small.xml")}
	for _, d := range []string{"corpus", "exports"} {
		found, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", d, "*.xml"))
		files = append(files, found...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	for i, doc := range docs {
		data := []byte(doc)
		q, err := Parse(data)
		if !bytes.Equal(data, []byte(doc)) {
			t.Errorf("document %d: Parse changed the bytes it read", i)
		}
		qs, errs := ParseString(doc)
		if fmt.Sprint(err) != fmt.Sprint(errs) || !reflect.DeepEqual(q, qs) {
			t.Errorf("document %d: ParseString %v, %v; Parse %v, %v", i, qs, errs, q, err)
		}
	}
}
