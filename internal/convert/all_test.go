package convert

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/tsctl/tsctl/internal/exportfile"
)

// All writes what converting and encoding each sequence in turn writes,
// in order, with the same report, counts each sequence converted, and
// leaves each sequence without its steps but with its name and ID.
func TestAllMatchesOneByOne(t *testing.T) {
	ex := corpus(t)
	copies := func() []*exportfile.Sequence {
		out := make([]*exportfile.Sequence, len(ex.Sequences))
		for i, s := range ex.Sequences {
			c := *s
			out[i] = &c
		}
		return out
	}
	one := New(ExportNames{Ex: ex})
	var want [][]byte
	for _, s := range copies() {
		item, err := Encode(one.Sequence(s))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, item)
	}
	seqs := copies()
	all := New(ExportNames{Ex: ex})
	n := 0
	got, err := all.All(seqs, func() { n++ })
	if err != nil {
		t.Fatal(err)
	}
	if n != len(seqs) || len(got) != len(want) {
		t.Fatalf("%d sequences counted and %d written, want %d", n, len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("sequence %d (%s) written differently:\n%s\nwant:\n%s", i, ex.Sequences[i].Name, got[i], want[i])
		}
		if s := seqs[i]; s.Sequence != nil || s.Name != ex.Sequences[i].Name || s.PackageID != ex.Sequences[i].PackageID {
			t.Errorf("sequence %d kept as %+v", i, s)
		}
	}
	if !reflect.DeepEqual(all.Report, one.Report) {
		t.Errorf("report %+v, want %+v", all.Report, one.Report)
	}
}
