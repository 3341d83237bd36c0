package jsonvalue

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// reference decodes data as the client and the served site did before:
// an encoding/json Decoder with UseNumber, one value and nothing after it.
func reference(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, io.ErrUnexpectedEOF
	}
	return v, nil
}

// referenceEncode encodes v as the client and the served site did.
func referenceEncode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// checkDecode holds Decode to encoding/json on data: both refuse it, or
// both decode it to equal values (and Append writes them back as
// encoding/json does).
func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	want, werr := reference(data)
	got, gerr := Decode(data)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("%q: encoding/json says %v, Decode says %v", data, werr, gerr)
	}
	if werr != nil {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: Decode = %#v, encoding/json = %#v", data, got, want)
	}
	checkEncode(t, got)
}

func checkEncode(t *testing.T, v any) {
	t.Helper()
	want, werr := referenceEncode(v)
	got, gerr := Append(nil, v)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("%#v: encoding/json says %v, Append says %v", v, werr, gerr)
	}
	if werr == nil && !bytes.Equal(got, want) {
		t.Fatalf("%#v:\nAppend:        %s\nencoding/json: %s", v, got, want)
	}
}

var seeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e-3`, `-12.0E+2`, `true`, `false`, `null`,
	` { "a" : [ 1 , "b" , { } , [ ] ] , "a" : 2 } `,
	`{"value":[{"@odata.type":"#AdminService.SMS_TaskSequence_Reference","Package":"PS100041","Program":"","Type":0}],"@odata.nextLink":"x"}`,
	`"<sequence version=\"3.10\"><step type=\"SMS_TaskSequence_RunCommandLineAction\" name=\"a &amp; b\"/></sequence>"`,
	`"\u00e9\u2028\u2029\ud83d\ude00\ud800\udc00\ud800\ud800x\udc00\u0000\t\b\f\n\r\/\\"`,
	"\"\xff\xfe a \xc3\xa9 \xe2\x80\xa8\"",
	`"\ud800\u0041"`, `"\ud800\"`, `"\ud800\u12"`,
	// refused
	``, ` `, `{`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `01`, `1.`, `.5`, `1e`, `-`, `+1`, `tru`, `nul`, `True`,
	`"a`, `"\x"`, `"\u12g4"`, "\"a\x01b\"", `{"a":1}x`, `[1] [2]`, `'a'`, `"\'"`,
}

// TestDecodeMatchesEncodingJSON: values, refusals, escapes, surrogate
// pairs and invalid UTF-8 as encoding/json reads them.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, s := range seeds {
		checkDecode(t, []byte(s))
	}
	deep := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	checkDecode(t, []byte(deep))
	checkDecode(t, []byte("["+deep+"]"))
}

// TestEncodeMatchesEncodingJSON: the values a provider.Instance holds and
// random strings (every ASCII byte, invalid UTF-8, U+2028) are written as
// encoding/json writes them.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	checkEncode(t, map[string]any{"b": int64(-3), "a": []string{"x", "<&>"}, "c": []any{json.Number("1e3"), nil, true, 2.5, map[string]any{}},
		"d": []map[string]any{{"z": "y"}}, "e": []any(nil), "f": map[string]any(nil), "g": json.Number(""), "h": uint32(7), "i": map[string]string{"k": "v"}})
	checkEncode(t, json.Number("12a"))
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "<", ">", "&", "\"", "\\", "\x00", "\x1f", "\t", "\n", "é", "\u2028", "\u2029", "\xff", "\xe2\x80", "😀", "\x7f"}
	for n := 0; n < 2000; n++ {
		var b strings.Builder
		for k := r.IntN(40); k > 0; k-- {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		s := b.String()
		checkEncode(t, s)
		checkEncode(t, map[string]any{s: s})
		enc, _ := referenceEncode(s)
		checkDecode(t, enc)
	}
}

// TestDecodeReusesKeys: the keys of an array's objects are one string
// each, and a string value does not alias the input.
func TestDecodeReusesKeys(t *testing.T) {
	data := []byte(`[{"Package":"a"},{"Package":"b"}]`)
	v, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	copy(data, bytes.Repeat([]byte{'x'}, len(data)))
	a := v.([]any)
	if a[0].(map[string]any)["Package"] != "a" || a[1].(map[string]any)["Package"] != "b" {
		t.Fatalf("values changed with the input: %v", v)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
	})
}

func FuzzEncodeString(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkEncode(t, s)
		checkEncode(t, map[string]any{s: []any{s}})
	})
}

func BenchmarkDecodeSequenceReply(b *testing.B) {
	var x strings.Builder
	for x.Len() < 40000 {
		x.WriteString(`<step type="SMS_TaskSequence_RunCommandLineAction" name="Run 1" description="" runIn="WinPEandFullOS"><action>cmd.exe /c "echo &amp; x"</action></step>`)
	}
	refs := make([]any, 25)
	for i := range refs {
		refs[i] = map[string]any{"@odata.type": "#AdminService.SMS_TaskSequence_Reference", "Package": "PS100041", "Program": "", "Type": json.Number("0")}
	}
	data, _ := referenceEncode(map[string]any{"value": []any{map[string]any{"Sequence": x.String(), "References": refs, "Name": "Deploy 0001", "PackageID": "PS100001"}}})
	b.Run("jsonvalue", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := reference(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	v, _ := Decode(data)
	b.Run("encode/jsonvalue", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = Append(buf[:0], v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := referenceEncode(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// checkMembers holds DecodeObjectMembers to DecodeObject on data, with a
// taker that takes each object member as Decode reads its encoding: both
// refuse data with the same error, or decode it to equal values; and a
// taker that takes nothing is shown exactly the members' encodings.
func checkMembers(t *testing.T, data []byte) {
	t.Helper()
	want, werr := DecodeObject(data)
	shown := map[string][]byte{}
	got, gerr := DecodeObjectMembers(data, func(key string, raw []byte) (any, bool) {
		v, err := Decode(raw)
		if err != nil {
			return nil, false
		}
		shown[key] = append([]byte(nil), raw...)
		return v, true
	})
	if (werr != nil) != (gerr != nil) || (werr != nil && werr.Error() != gerr.Error()) {
		t.Fatalf("%q: DecodeObject says %v, DecodeObjectMembers says %v", data, werr, gerr)
	}
	if werr != nil {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: DecodeObjectMembers = %#v, DecodeObject = %#v", data, got, want)
	}
	for k, raw := range shown {
		// (A repeated key keeps its last value, which may not be this.)
		if !bytes.Contains(data, raw) || raw[0] != '{' || raw[len(raw)-1] != '}' {
			t.Fatalf("%q: shown %q for %q", data, raw, k)
		}
	}
	for k, v := range want {
		if _, ok := v.(map[string]any); ok && shown[k] == nil {
			t.Fatalf("%q: the object member %q was not shown", data, k)
		}
	}
}

var memberSeeds = []string{
	`{}`, `{"a":{}}`, ` { "a" : { "b" : [ 1, { "c" : "}" } ] } , "d" : 2 } `,
	`{"TaskSequencePackage":{"Name":"x"},"TaskSequence":{"@odata.type":"#AdminService.SMS_TaskSequence","Steps":[{"Name":"a\"}{"}],"@tsctl.sequenceXml":"<sequence/>"}}`,
	`{"a":{"b":"\\"},"c":{"d":"\"}"}}`, `{"a":{"x":1},"a":{"y":2}}`,
	// refused
	`{"a":{"x":1},"b":tru}`, `{"a":{"x":1}`, `{"a":{"x":1}}x`, `{"a":{"x":"}`, `{"a":{"x":1]}`, `{"a":{"x" 1}}`, `[{"a":{}}]`, `"a"`, ``,
}

// TestDecodeObjectMembers: a member taken stands for the member's value,
// the rest of the text is decoded and refused as DecodeObject does.
func TestDecodeObjectMembers(t *testing.T) {
	for _, s := range append(memberSeeds, seeds...) {
		checkMembers(t, []byte(s))
	}
	data := []byte(`{"TaskSequence":{"Steps":[{"Name":"a"}]},"Other":{"x":1},"n":1}`)
	got, err := DecodeObjectMembers(data, func(key string, raw []byte) (any, bool) {
		if key == "TaskSequence" {
			return Raw(append([]byte(nil), raw...)), true
		}
		return nil, false
	})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := got["TaskSequence"].(Raw); !ok || string(r) != `{"Steps":[{"Name":"a"}]}` {
		t.Fatalf("TaskSequence = %#v", got["TaskSequence"])
	}
	if _, ok := got["Other"].(map[string]any); !ok {
		t.Fatalf("Other = %#v, not decoded", got["Other"])
	}
	// What a taker takes is not decoded: the text after it still is.
	if _, err := DecodeObjectMembers([]byte(`{"a":{"x":1},"b":[1,}`), func(string, []byte) (any, bool) { return nil, true }); err == nil {
		t.Fatal("a text refused after a taken member was decoded")
	}
}

// TestAppendRaw: a Raw is written as it is, wherever it is.
func TestAppendRaw(t *testing.T) {
	got, err := Append(nil, map[string]any{"b": Raw(`{"z" : 1}`), "a": []any{Raw(`[ ]`)}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":[[ ]],"b":{"z" : 1}}`; string(got) != want {
		t.Fatalf("Append = %s, want %s", got, want)
	}
}

func FuzzDecodeObjectMembers(f *testing.F) {
	for _, s := range append(memberSeeds, seeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkMembers(t, data)
	})
}

// TestMarshal: Marshal is Append(nil, v), in one allocation of its own
// that a later call does not change.
func TestMarshal(t *testing.T) {
	big := strings.Repeat(`<a b="c">&amp;</a>`, 3000)
	first, err := Marshal(map[string]any{"SequenceXML": big})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Append(nil, map[string]any{"SequenceXML": big})
	if !bytes.Equal(first, want) {
		t.Fatalf("Marshal = %d bytes, Append %d", len(first), len(want))
	}
	kept := bytes.Clone(first)
	if _, err := Marshal(strings.Repeat("x", len(big))); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, kept) {
		t.Fatal("a later Marshal changed what an earlier one returned")
	}
	if _, err := Marshal(json.Number("1x")); err == nil {
		t.Fatal("an invalid number was marshalled")
	}
	var v any = big
	if n := testing.AllocsPerRun(20, func() { _, _ = Marshal(v) }); n > 1 && !raceDetector {
		t.Errorf("Marshal of a string: %.0f allocations, want 1", n)
	}
}

// checkOmitting holds DecodeObjectOmitting to DecodeObject on data, the
// omitted members deleted: the same value, or the same refusal.
func checkOmitting(t *testing.T, data []byte) {
	t.Helper()
	omit := func(key string) bool { return strings.HasPrefix(key, "@") || key == "" }
	want, werr := DecodeObject(data)
	got, gerr := DecodeObjectOmitting(data, omit)
	if (werr != nil) != (gerr != nil) || (werr != nil && werr.Error() != gerr.Error()) {
		t.Fatalf("%q: DecodeObject says %v, DecodeObjectOmitting says %v", data, werr, gerr)
	}
	if werr != nil {
		return
	}
	for k := range want {
		if omit(k) {
			delete(want, k)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: DecodeObjectOmitting = %#v, DecodeObject less the omitted = %#v", data, got, want)
	}
}

var omittingSeeds = []string{
	`{"@tsctl.sequenceXml":"<a b=\"c\"/>\u00e9\ud800\ud800\\\/\b\f\n\r\t","Name":"x","@odata.type":"#A.B","Steps":[{"@x":"kept, nested"}]}`,
	`{"@a":{"b":[1,"\u0041"]},"@c":12.5e3,"@d":null,"":true}`,
	"{\"@a\":\"\xff\xfe\"}",
	// refused
	`{"@a":"\x"}`, `{"@a":"\u12g4"}`, "{\"@a\":\"a\x01b\"}", `{"@a":"abc`, `{"@a":"\`, `{"@a":"\u00`, `{"@a":tru}`, `{"@a":"x" "b":1}`,
	`{"@a":"\ud800\u12"}`, `{"@a":{"b":}}`,
}

// TestDecodeObjectOmitting: the members left out are checked as
// DecodeObject checks them, strings' escapes and control characters
// included; the rest is what DecodeObject decodes.
func TestDecodeObjectOmitting(t *testing.T) {
	for _, s := range append(append(omittingSeeds, memberSeeds...), seeds...) {
		checkOmitting(t, []byte(s))
	}
}

func FuzzDecodeObjectOmitting(f *testing.F) {
	for _, s := range append(append(omittingSeeds, memberSeeds...), seeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkOmitting(t, data)
	})
}

// TestAppendString: AppendString writes what Append writes for a string.
func TestAppendString(t *testing.T) {
	for _, s := range []string{"", `a"b\c`, "<&>\u2028\xff\x01é"} {
		want, _ := Append([]byte("x"), s)
		if got := AppendString([]byte("x"), s); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, Append %s", s, got, want)
		}
	}
}
