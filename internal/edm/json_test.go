package edm

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tsctl/tsctl/provider"
)

// decodeEntity decodes a reply body the way the client does.
func decodeEntity(data []byte) (map[string]any, bool) {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if d.Decode(&m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

// FuzzFromJSON reads arbitrary OData entities. An instance read from JSON
// and written back must read the same again (what the client sends back
// for an embedded object is what the site sent).
func FuzzFromJSON(f *testing.F) {
	f.Add([]byte(`{"@odata.type":"#AdminService.SMS_TaskSequencePackage","PackageID":"PS100004","Name":"Deploy","Duration":360,"BootImageID":"","__PATH":"x"}`))
	f.Add([]byte(`{"TaskSequence":{"@odata.type":"#AdminService.SMS_TaskSequence","Steps":[{"@odata.type":"#AdminService.SMS_TaskSequence_RunCommandLineAction","Name":"a"}],"Tags":["x","y"]},"ReturnValue":0}`))
	f.Add([]byte(`{"value":[{"SiteCode":"PS1"}],"Big":12345678901234567890,"Frac":1.5,"Empty":[],"Null":null,"Mixed":[{"a":1},2]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, ok := decodeEntity(data)
		if !ok {
			return
		}
		in := FromJSON("SMS_Package", m)
		if in == nil || in.Class == "" && m["@odata.type"] == nil {
			t.Fatalf("no instance or class from %s", data)
		}
		out, err := json.Marshal(ToJSON(in, true))
		if err != nil {
			t.Fatalf("cannot write back %#v: %v", in, err)
		}
		m2, ok := decodeEntity(out)
		if !ok {
			t.Fatalf("wrote back %s", out)
		}
		again := FromJSON("SMS_Package", m2)
		if !reflect.DeepEqual(plain(again), plain(in)) {
			t.Fatalf("round trip changed the instance:\n%#v\n%#v", plain(in), plain(again))
		}
	})
}

// plain drops the handles (the raw JSON kept for embedded objects).
func plain(in *provider.Instance) map[string]any {
	out := map[string]any{"class": in.Class}
	for k, v := range in.Props {
		switch t := v.(type) {
		case *provider.Instance:
			out[k] = plain(t)
		case []*provider.Instance:
			var l []any
			for _, e := range t {
				l = append(l, plain(e))
			}
			out[k] = l
		default:
			out[k] = v
		}
	}
	return out
}
