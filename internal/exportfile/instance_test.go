package exportfile

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// instanceSeeds are documents whose reading by the scanner could differ
// from encoding/xml's if parseInstance and parseInfo did not hand them
// over: elements in a VALUE, prefixed names, processing instructions,
// text after the element, and the shapes exports have.
var instanceSeeds = []string{
	`<INSTANCE CLASSNAME="SMS_TaskSequencePackage"><PROPERTY NAME="Name" TYPE="string"><VALUE>a &amp; b</VALUE></PROPERTY></INSTANCE>`,
	`<INSTANCE CLASSNAME="C"><PROPERTY NAME="P"><QUALIFIER NAME="q"><VALUE>q</VALUE></QUALIFIER><VALUE><![CDATA[<sequence>` + "\r\n" + `</sequence>]]></VALUE></PROPERTY><PROPERTY NAME="N"/></INSTANCE>`,
	`<INSTANCE CLASSNAME="C"><PROPERTY NAME="P"><VALUE>one</VALUE><VALUE>two</VALUE></PROPERTY><PROPERTY NAME="P"><VALUE/></PROPERTY></INSTANCE>`,
	`<INSTANCE CLASSNAME="C"><PROPERTY NAME="P"><VALUE> <b>x</b> </VALUE></PROPERTY></INSTANCE>`,
	`<INSTANCE CLASSNAME="C"><PROPERTY NAME="P"><VALUE>t<b/>u</VALUE></PROPERTY></INSTANCE>`,
	`<INSTANCE x:CLASSNAME="C"><x:PROPERTY NAME="P"><VALUE>v</VALUE></x:PROPERTY></INSTANCE>`,
	`<INSTANCE CLASSNAME="C"><PROPERTY a:NAME="P"><a:VALUE>v</a:VALUE></PROPERTY></INSTANCE>`,
	`<INSTANCE CLASSNAME="C"><a:b:c/></INSTANCE>`,
	`<INSTANCE CLASSNAME="C" a:b:c="d"/>`,
	`<INSTANCE CLASSNAME="C"><?xml version="1.0" encoding="utf-16"?></INSTANCE>`,
	`<INSTANCE CLASSNAME="C"></INSTANCE><trailing`,
	`<INSTANCE CLASSNAME="C"><PROPERTY NAME="P"><VALUE>&nbsp;</VALUE></PROPERTY></INSTANCE>`,
	`<INSTANCE CLASSNAME="C" CLASSNAME="D"/>`,
	`<!DOCTYPE x><INSTANCE CLASSNAME="C"/>`,
	`<INSTANCE CLASSNAME="C"><PROPERTY.OBJECTARRAY NAME="O"><VALUE.OBJECTARRAY><VALUE.OBJECT><INSTANCE CLASSNAME="D"/></VALUE.OBJECT></VALUE.OBJECTARRAY></PROPERTY.OBJECTARRAY></INSTANCE>`,
	`<ArrayOfString xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><string>&lt;INSTANCE CLASSNAME="SMS_TaskSequenceReferencesInfo"/&gt;</string><string/><other>o</other></ArrayOfString>`,
	`<ArrayOfString><string> <i/> </string></ArrayOfString>`,
	`<ArrayOfString xmlns="urn:x"><x:string>s</x:string></ArrayOfString>`,
	"<ArrayOfString><string>\x01</string></ArrayOfString>",
	``,
}

// FuzzInstanceMatchesEncodingXML checks that parseInstance and parseInfo
// read every document as encoding/xml does: the same class and
// properties, the same items, and the same error.
func FuzzInstanceMatchesEncodingXML(f *testing.F) {
	f.Add(fixture(f, "object.xml"))
	f.Add(fixture(f, "ReferencesInfo.xml"))
	for _, s := range instanceSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, gerr := parseInstance("doc", data)
		want, werr := parseInstanceStd("doc", data)
		if errText(gerr) != errText(werr) || !reflect.DeepEqual(got, want) {
			t.Fatalf("instance read as %s (%v), encoding/xml reads %s (%v)", describe(got), gerr, describe(want), werr)
		}
		items, gerr := parseInfo(data)
		wantItems, werr := parseInfoStd(data)
		if errText(gerr) != errText(werr) || !reflect.DeepEqual(items, wantItems) {
			t.Fatalf("items read as %q (%v), encoding/xml reads %q (%v)", items, gerr, wantItems, werr)
		}
	})
}

func describe(in *instance) string {
	if in == nil {
		return "nothing"
	}
	var b strings.Builder
	b.WriteString(in.Class + ":")
	for _, p := range in.Props {
		if p.Value == nil {
			b.WriteString(" " + p.Name + "=nil")
		} else {
			b.WriteString(" " + p.Name + "=" + strconv.Quote(*p.Value))
		}
	}
	return b.String()
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// The exports' own files are read by the scanner, not handed to
// encoding/xml: the fallback is for shapes no export has.
func TestExportsReadByScanner(t *testing.T) {
	for _, name := range []string{"object.xml", "ReferencesInfo.xml"} {
		doc, err := sniff(fixture(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := scanPlain(doc.data); !ok {
			t.Errorf("%s: left to encoding/xml", name)
		}
		if doc.root == "INSTANCE" {
			if _, ok := scanInstance(doc.data); !ok {
				t.Errorf("%s: instance left to encoding/xml", name)
			}
		}
		if doc.root == "ArrayOfString" {
			items, err := parseInfo(doc.data)
			if err != nil || len(items) == 0 {
				t.Fatalf("%s: %v", name, err)
			}
			for i, it := range items {
				if _, ok := scanInstance([]byte(it)); !ok {
					t.Errorf("%s: item %d left to encoding/xml", name, i+1)
				}
				if !strings.Contains(it, "CLASSNAME") {
					t.Errorf("%s: item %d reads %q", name, i+1, it)
				}
			}
		}
	}
}
