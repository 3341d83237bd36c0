package model

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"unsafe"
)

// unescapeSeeds are texts of every kind unescape meets: escaped XML as
// exports hold it, every predefined and numeric reference form, line
// ends, multi-byte UTF-8, and each thing it refuses (at the start, in
// the middle, at the end, after a reference it resolves).
var unescapeSeeds = []string{
	"",
	"plain text",
	"&lt;sequence version=&#34;3.10&#34;&gt;&lt;step name=&#39;a&#39;/&gt;&lt;/sequence&gt;",
	"&amp;&apos;&quot;&lt;&gt;",
	"&#65;&#x42;&#x6a;&#x6A;&#0000000000000067;&#x10FFFF;&#xFFFD;&#xE000;&#x10000;&#9;&#10;&#13;",
	"a\r\nb\rc\n\r\r\nd\r",
	"é€𝄞 \t\n x",
	"\r&amp;\r\n",
	"&", "&;", "&#;", "&#x;", "&lt", "&lt x;", "&LT;", "&nbsp;", "&#X41;", "&#-1;", "&#+1;", "&#1_0;",
	"&#0;", "&#8;", "&#xD800;", "&#xFFFE;", "&#x110000;", "&#4294967295;", "&#4294967296;", "&#99999999999999999999;",
	"&#x0000000000000000000041;", "&#xFFFFFFFFFFFFFFFF41;",
	"a&amp;b&c", "a&amp;b\x01", "\x01&bad;", "&bad;\x01", "ok\xff", "\xc3", "\xed\xa0\x80", "\xef\xbf\xbe", "a\x00b",
	"\r\n&amp;\r\n&bogus;\r\n",
	"&lt;", "&#34;", "x&#34;", "&amp;", "&#34x;", "&#345;", "&#34", "&ampx;", "&amp", "&#34;&#34;&lt;&gt;&amp;&#39;",
}

// FuzzUnescapeIsTwoPass holds unescape to unescapeTwoPass, the code it
// replaces: the same text for every input, or the same error at the same
// position (and line), and the scanner left where the other leaves it.
func FuzzUnescapeIsTwoPass(f *testing.F) {
	for _, s := range unescapeSeeds {
		f.Add([]byte(s), 0)
		f.Add([]byte("<a>\n\r\n"+s), 6)
	}
	if b, err := os.ReadFile(filepath.Join("..", "exportfile", "testdata", "object.xml")); err == nil {
		f.Add(b, 0)
	}
	f.Fuzz(func(t *testing.T, data []byte, at int) {
		if at < 0 || at > len(data) {
			at = 0
		}
		raw := data[at:]
		fast := &scanner{data: data, line: 1}
		got, gerr := fast.unescape(raw, at)
		ref := &scanner{data: data, line: 1}
		want, werr := ref.unescapeTwoPass(raw, at)
		if got != want || fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Fatalf("unescape(%q) = %q, %v; unescapeTwoPass: %q, %v", raw, got, gerr, want, werr)
		}
		if fast.pos != ref.pos || fast.line != ref.line {
			t.Fatalf("unescape(%q) left the scanner at %d (line %d), unescapeTwoPass at %d (line %d)", raw, fast.pos, fast.line, ref.pos, ref.line)
		}
		fast.release()
		ref.release()
	})
}

// Every seed is answered: those unescape resolves and those it hands to
// unescapeTwoPass for their error (the seeds above hold both).
func TestUnescapeSeedsCoverBothPaths(t *testing.T) {
	var ok, failed int
	for _, s := range unescapeSeeds {
		sc := &scanner{data: []byte(s), line: 1}
		if _, err := sc.unescape(sc.data, 0); err != nil {
			failed++
		} else {
			ok++
		}
	}
	if ok < 8 || failed < 20 {
		t.Errorf("seeds resolved %d, refused %d: the fuzz seeds no longer cover both", ok, failed)
	}
}

// intern hands out a string of the bytes it is given, whatever its table
// held before (other bytes of the same slot, other documents' strings),
// and the same string for the same short bytes met again.
func TestInternIsTheBytes(t *testing.T) {
	s := &scanner{}
	defer s.release()
	var keys [][]byte
	for i := range 5000 {
		keys = append(keys, []byte(fmt.Sprintf("%0*d", i%internMax+1, i)))
	}
	keys = append(keys, []byte(""), []byte("a"), []byte("ab"), []byte("abcd"), []byte("abcdefgh"), bytes.Repeat([]byte("x"), internMax+1))
	for _, k := range keys {
		if v := s.intern(k); v != string(k) {
			t.Fatalf("intern(%q) = %q", k, v)
		}
	}
	for _, k := range [][]byte{[]byte("variable"), []byte("true"), []byte("SMS_TaskSequence_RunCommandLineAction")} {
		a, b := s.intern(k), s.intern(bytes.Clone(k))
		if unsafe.StringData(a) != unsafe.StringData(b) {
			t.Errorf("%q interned twice is two strings", k)
		}
	}
}
