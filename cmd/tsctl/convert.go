package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/engine/convert"
	"github.com/tsctl/tsctl/provider/export"
)

func (c *cli) convert(args []string) int {
	fs := c.flags("convert", "FILE...")
	out := fs.String("out", "", "write one YAML file per sequence into this folder instead of stdout")
	if !c.parse(fs, args, 1, -1) {
		return c.parseExit(fs)
	}
	ex, err := export.ReadFiles(fs.parsed)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	if len(ex.Sequences) == 0 {
		c.errorf("no task sequence in %s", strings.Join(fs.parsed, ", "))
		c.hint("convert reads <sequence> documents, export object.xml files and export .zip files; ReferencesInfo.xml adds names")
		return exitError
	}
	cv := convert.New(convert.ExportNames{Ex: ex})
	var nodes []*yaml.Node
	var sources []string
	for _, s := range ex.Sequences {
		nodes = append(nodes, cv.Sequence(s))
		sources = append(sources, s.Source)
	}
	if *out == "" {
		doc, err := convert.Document(header(sources), nodes)
		if err != nil {
			c.errorf("%v", err)
			return exitError
		}
		_, _ = c.stdout.Write(doc)
	} else {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			c.errorf("%v", err)
			return exitError
		}
		used := map[string]bool{}
		for i := range nodes {
			doc, err := convert.Document(header(sources[i:i+1]), nodes[i:i+1])
			if err != nil {
				c.errorf("%v", err)
				return exitError
			}
			name := fileName(ex.Sequences[i].Name, used)
			if err := writeFileAtomic(filepath.Join(*out, name), doc); err != nil {
				c.errorf("%v", err)
				return exitError
			}
			fmt.Fprintf(c.stdout, "%s\n", filepath.Join(*out, name))
		}
	}
	c.reportConversion(cv.Report)
	return exitOK
}

func header(sources []string) string {
	return "Converted by tsctl convert from " + strings.Join(sources, ", ") + "\nyaml-language-server: $schema=https://tsctl.dev/schema/tsctl.schema.json"
}

var (
	unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
	dashes     = regexp.MustCompile(`-{2,}`)
)

func fileName(name string, used map[string]bool) string {
	base := strings.Trim(dashes.ReplaceAllString(unsafeName.ReplaceAllString(name, "-"), "-"), "-.")
	if base == "" {
		base = "sequence"
	}
	n := base + ".yaml"
	for i := 2; used[strings.ToLower(n)]; i++ {
		n = fmt.Sprintf("%s-%d.yaml", base, i)
	}
	used[strings.ToLower(n)] = true
	return n
}

// writeFileAtomic writes through a temporary file and a rename.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tsctl-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// reportConversion warns about what the typed forms could not hold.
func (c *cli) reportConversion(rep convert.Report) {
	if len(rep.Generic) > 0 {
		c.warnf("%d %s kept in the generic form (no typed form holds them exactly):", len(rep.Generic), plural(len(rep.Generic), "step", "steps"))
		for _, g := range rep.Generic {
			fmt.Fprintf(c.stderr, "  %s\n", g)
		}
	}
	if len(rep.IDs) > 0 {
		c.warnf("%d %s kept as {id: …} because no name is known:", len(rep.IDs), plural(len(rep.IDs), "reference", "references"))
		for _, r := range convert.Sorted(rep.IDs) {
			fmt.Fprintf(c.stderr, "  %s\n", r)
		}
		c.hint("add the export's ReferencesInfo.xml to name them, or replace {id: …} with names")
	}
	if len(rep.Secrets) > 0 {
		c.warnf("%d %s not exported; set these environment variables before tsctl apply:", len(rep.Secrets), plural(len(rep.Secrets), "secret is", "secrets are"))
		for _, s := range rep.Secrets {
			fmt.Fprintf(c.stderr, "  %s\n", s)
		}
	}
}
