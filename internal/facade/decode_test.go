package facade

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/jsonvalue"
)

// tokenShape counts values and levels as the token-by-token decoder did:
// the reference shape is checked against.
func tokenShape(t *testing.T, text string) (values, levels int) {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(text))
	depth := 0
	inObject := []bool{false}
	key := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return values, levels
		}
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			values++
			depth++
			levels = max(levels, depth)
			inObject = append(inObject, tok == json.Delim('{'))
			key = tok == json.Delim('{')
			continue
		case json.Delim('}'), json.Delim(']'):
			// The container was a value: in an object, a key comes next.
			depth--
			inObject = inObject[:len(inObject)-1]
			key = inObject[len(inObject)-1]
			continue
		default:
			if !key {
				values++
			}
		}
		// After a key comes its value; after a value in an object, a key.
		key = !key && inObject[len(inObject)-1]
	}
}

// TestShape holds the allocation-free scan to the counts a JSON decoder
// reads, strings with escaped quotes and backslashes, keys and nesting
// included, and to its limits: exactly at a limit passes, one over fails.
func TestShape(t *testing.T) {
	for _, text := range []string{
		`{}`,
		`{"a":1}`,
		`{"a":{"b":1},"c":{"d":[{"e":{}},"f"]},"g":"h"}`,
		`{"a":"x\"y","b\\":"\\","c":[1,2.5e3,-3,true,false,null]}`,
		`{"Steps":[{"@odata.type":"#A.B","Name":"x,y:z","Steps":[{"a":{"b":[[],{}]}}]},{"k":"}]{["}]}`,
		` { "a" : [ { "b" : "c" } , "d" ] , "e" : { } } `,
		`{"u":"\u003c\u0022","n":[0,1,2],"o":{"p":{"q":{"r":"s"}}}}`,
		`{"a":"\\\\\"","b":"x\\\\","c":["\\",{"d":"\"\\"}]}`,
	} {
		wantValues, wantLevels := tokenShape(t, text)
		values, levels, err := shape([]byte(text), 1000, 1000)
		if err != nil || values != wantValues || levels != wantLevels {
			t.Errorf("%s: %d values, %d levels, %v; want %d, %d", text, values, levels, err, wantValues, wantLevels)
			continue
		}
		if _, _, err := shape([]byte(text), wantValues, wantLevels); err != nil {
			t.Errorf("%s at its limits: %v", text, err)
		}
		if _, _, err := shape([]byte(text), wantValues-1, 1000); err == nil {
			t.Errorf("%s: %d values allowed, not refused", text, wantValues-1)
		}
		if _, _, err := shape([]byte(text), 1000, wantLevels-1); err == nil {
			t.Errorf("%s: %d levels allowed, not refused", text, wantLevels-1)
		}
	}
}

// TestStringEnd holds stringEnd to the byte-by-byte scan it replaces (a
// backslash skips the byte after it, the first quote not skipped ends
// the string) on every text of quotes, backslashes and letters up to
// eight bytes long.
func TestStringEnd(t *testing.T) {
	byteByByte := func(data []byte, i int) int {
		for ; i < len(data) && data[i] != '"'; i++ {
			if data[i] == '\\' {
				i++
			}
		}
		return min(i, len(data))
	}
	alphabet := []byte{'"', '\\', 'a'}
	var texts func(prefix []byte, n int)
	texts = func(prefix []byte, n int) {
		for start := 0; start <= len(prefix); start++ {
			if got, want := stringEnd(prefix, start), byteByByte(prefix, start); got != want {
				t.Fatalf("%q from %d: stringEnd %d, byte by byte %d", prefix, start, got, want)
			}
		}
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			texts(append(prefix, c), n-1)
		}
	}
	texts(nil, 8)
}

// TestDecodeObject: what is decoded is what encoding/json reads (numbers
// as json.Number), and a body that is not one object is refused.
func TestDecodeObject(t *testing.T) {
	m, err := decodeObject([]byte(`{"a":[1,"x<y>"],"b":{"c":2.50}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := m["a"].([]any); a[0] != json.Number("1") || a[1] != "x<y>" || m["b"].(map[string]any)["c"] != json.Number("2.50") {
		t.Errorf("decoded %#v", m)
	}
	for _, bad := range []string{``, `[]`, `"x"`, `{} 1`, `{"a":}`, `{"a":1`} {
		if _, err := decodeObject([]byte(bad), nil); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

// TestSameEncoding: Steps brought back are the same as those kept when
// their encodings are, whatever Go types the values have (a number
// decoded as json.Number, one rendered as int64).
func TestSameEncoding(t *testing.T) {
	steps := func(timeout any, name string) any {
		return []any{map[string]any{"@odata.type": "#AdminService.SMS_TaskSequence_Group", "Name": "G", "Enabled": true,
			"Steps": []any{map[string]any{"Name": name, "Timeout": timeout, "Description": nil}}}}
	}
	for _, c := range []struct {
		a, b any
		same bool
	}{
		{steps(int64(60), "a"), steps(json.Number("60"), "a"), true},
		{steps(int64(60), "a"), steps(json.Number("60.0"), "a"), false},
		{steps(int64(60), "a"), steps(int64(61), "a"), false},
		{steps(int64(60), "a"), steps(int64(60), "b"), false},
		{steps(int64(60), "\xff"), steps(int64(60), "\xfe"), true},    // one encoding: \ufffd
		{steps(int64(60), "\xff"), steps(int64(60), "\ufffd"), false}, // U+FFFD itself is written as it is
		{map[string]any{"a": nil}, map[string]any{"b": nil}, false},
		{map[string]any{"a": nil}, map[string]any{}, false},
		{[]any{}, []any(nil), false}, // [] and null
		{json.Number(""), int64(0), true},
		{true, "true", false},
	} {
		a, _ := jsonvalue.Marshal(c.a)
		b, _ := jsonvalue.Marshal(c.b)
		if got := sameEncoding(c.a, b); got != c.same {
			t.Errorf("sameEncoding(%v, %s) = %v", c.a, b, got)
		}
		if got := sameEncoding(c.b, a); got != c.same {
			t.Errorf("sameEncoding(%v, %s) = %v", c.b, a, got)
		}
	}
}
