package provider

import (
	"testing"
)

func TestPathRoundTrip(t *testing.T) {
	p := Path("SMS_Program", "PackageID", "PS100004", "ProgramName", `Run "it" \now`)
	if p != `SMS_Program.PackageID="PS100004",ProgramName="Run \"it\" \\now"` {
		t.Fatalf("Path = %s", p)
	}
	class, keys, err := ParsePath(p)
	if err != nil || class != "SMS_Program" || keys["ProgramName"] != `Run "it" \now` || keys["PackageID"] != "PS100004" {
		t.Fatalf("ParsePath = %s %v %v", class, keys, err)
	}
	for _, bad := range []string{"", "NoKeys", `C.K=unquoted`, `C.K="open`, `C.K="a"x`} {
		if _, _, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) accepted", bad)
		}
	}
}

func TestWQL(t *testing.T) {
	q := Query{Class: "SMS_Package", Select: []string{"PackageID", "Name"}, Where: map[string]string{"Name": `O'Brien\x`, "A": "1"}}
	if got := q.WQL(); got != `SELECT PackageID,Name FROM SMS_Package WHERE A='1' AND Name='O\'Brien\\x'` {
		t.Errorf("WQL = %s", got)
	}
}

func TestInstanceAccessors(t *testing.T) {
	in := New("X")
	in.Props["s"], in.Props["i"], in.Props["b"], in.Props["n"] = "7", int64(3), true, nil
	in.Props["o"] = []*Instance{New("Y")}
	if in.String("s") != "7" || in.Int("s") != 7 || in.String("i") != "3" || !in.Bool("b") || in.String("n") != "" || len(in.Objects("o")) != 1 {
		t.Error("accessors")
	}
	c := in.Clone()
	c.Objects("o")[0].Props["z"] = "1"
	if _, ok := in.Objects("o")[0].Props["z"]; ok {
		t.Error("Clone shares embedded objects")
	}
}

func FuzzParsePath(f *testing.F) {
	f.Add(`SMS_TaskSequencePackage.PackageID="PS100001"`)
	f.Add(`SMS_Program.PackageID="A",ProgramName="B \"q\""`)
	f.Fuzz(func(t *testing.T, s string) {
		class, keys, err := ParsePath(s)
		if err != nil || len(keys) != 1 {
			return
		}
		for k, v := range keys {
			c2, k2, err := ParsePath(Path(class, k, v))
			if err != nil || c2 != class || k2[k] != v {
				t.Fatalf("round trip of %q: %v %v", s, k2, err)
			}
		}
	})
}
