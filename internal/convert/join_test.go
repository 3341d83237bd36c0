package convert

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/exportfile"
)

// TestJoinIsDocument: sequences encoded one by one and joined are the
// document Document writes of them all, byte for byte (the corpus, and the
// export in exportfile's testdata, under headers of one and two lines).
func TestJoinIsDocument(t *testing.T) {
	exs := []*exportfile.Export{}
	ex, err := exportfile.ReadFiles([]string{filepath.Join("..", "exportfile", "testdata")})
	if err != nil {
		t.Fatal(err)
	}
	exs = append(exs, ex)
	if testing.Short() {
		t.Log("corpus left out (-short)")
	} else if dir := filepath.Join("..", "..", "..", "shared", "corpus"); dirExists(dir) {
		exs = append(exs, corpus(t))
	}
	for _, ex := range exs {
		c := New(ExportNames{Ex: ex})
		var nodes []*yaml.Node
		var items [][]byte
		for _, s := range ex.Sequences {
			n := c.Sequence(s)
			item, err := Encode(n)
			if err != nil {
				t.Fatal(err)
			}
			nodes, items = append(nodes, n), append(items, item)
		}
		if len(nodes) == 0 {
			t.Fatal("no sequence read")
		}
		for _, header := range []string{"Converted by tsctl convert from x", "Exported\nyaml-language-server: $schema=./tsctl.schema.json"} {
			want, err := Document(header, nodes)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Join(header, items)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("joined document differs from Document's:\n%s\n---\n%s", got, want)
			}
		}
	}
}

func dirExists(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && fi.IsDir()
}
