package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/convert"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/localfile"
	"github.com/tsctl/tsctl/schema"
)

func (c *cli) convert(args []string) int {
	fs := c.flags("convert", "FILE|FOLDER...")
	out := fs.String("out", "", "write one YAML file per sequence into this folder instead of stdout")
	quiet := fs.Bool("quiet", false, "print no progress")
	if !c.parse(fs, args, 1, -1) {
		return c.parseExit(fs)
	}
	ex, err := exportfile.ReadFilesDeferred(fs.parsed)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	c.skipped(ex)
	if len(ex.Sequences) == 0 {
		c.errorf("no task sequence in %s", strings.Join(fs.parsed, ", "))
		c.hint("convert reads <sequence> documents, export object.xml files and export .zip files (a folder stands for those it holds and an unzipped export or MDT Control folder in it); ReferencesInfo.xml adds names")
		return exitError
	}
	if !c.settle(&ex.Sequences) {
		return exitError
	}
	cv := convert.New(convert.IndexedExportNames(ex))
	k := c.newCounter(*quiet)
	k.phase("converted", "sequences", len(ex.Sequences))
	docs, err := convertAll(cv, ex.Sequences, func(s *exportfile.Sequence) string { return s.Source }, k)
	k.done()
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	if c.refused(cv.Report) {
		return exitError
	}
	if !c.writeConverted(cv, docs, *out, "Converted by tsctl convert from ") {
		return exitError
	}
	c.reportConversion(cv.Report)
	return exitOK
}

// skipped says which files of the folders read were not exports.
func (c *cli) skipped(ex *exportfile.Export) {
	for _, s := range ex.Skipped {
		c.notef("%s; skipped", s)
	}
}

// settle makes seqs one configuration's sequences (exportfile.Settle),
// printing its notes; false when it refuses them, with the error printed.
func (c *cli) settle(seqs *[]*exportfile.Sequence) bool {
	kept, notes, err := exportfile.Settle(*seqs)
	if err != nil {
		c.fail(err)
		return false
	}
	for _, n := range notes {
		c.notef("%s", n)
	}
	*seqs = kept
	return true
}

// convertedDoc is one converted sequence, as the text of its item in a
// document (convert.Encode), and where it came from.
type convertedDoc struct {
	name, source string
	item         []byte
}

// convertAll converts seqs (convert.Converter.All), counting each
// sequence converted on k.
func convertAll(cv *convert.Converter, seqs []*exportfile.Sequence, source func(*exportfile.Sequence) string, k *counter) ([]convertedDoc, error) {
	docs := make([]convertedDoc, len(seqs))
	for i, s := range seqs {
		docs[i] = convertedDoc{name: s.Name, source: source(s)}
	}
	items, err := cv.All(seqs, k.add)
	if err != nil {
		return nil, err
	}
	for i, item := range items {
		docs[i].item = item
	}
	return docs, nil
}

// SchemaFile is the name of the JSON Schema written beside converted and
// exported YAML, which the files' modelines point editors at.
const SchemaFile = "tsctl.schema.json"

// maxWrittenBytes is the most one converted or exported document may
// hold: what tsctl reads of a configuration file (config.MaxFileBytes).
var maxWrittenBytes int64 = config.MaxFileBytes

// writeConverted writes converted sequences (docs, as cv.All returned them)
// as one document on stdout, or as one file per sequence in dir with the
// JSON Schema beside them; false means an error was reported. Every
// document is checked as tsctl validate would before it is written
// (cv.Validate): convert never writes what tsctl refuses.
func (c *cli) writeConverted(cv *convert.Converter, docs []convertedDoc, dir, origin string) bool {
	header := func(ds []convertedDoc) string {
		var srcs []string
		for _, d := range ds {
			srcs = append(srcs, d.source)
		}
		h := origin + strings.Join(srcs, ", ")
		if dir == "" {
			// on stdout the schema's place is the user's to choose
			return h + "\nfor editors, write the schema beside this file: tsctl schema > " + SchemaFile +
				"\nyaml-language-server: $schema=./" + SchemaFile
		}
		return h + "\nyaml-language-server: $schema=./" + SchemaFile
	}
	valid := func(name string, doc []byte, items [][]byte, from int) bool {
		if int64(len(doc)) > maxWrittenBytes {
			c.errorf("the YAML for %s would be %d bytes, more than the %s a configuration file may hold: tsctl would refuse to read it; nothing was written", name, len(doc), localfile.Size(maxWrittenBytes))
			c.hint("write one file per sequence with --out DIR")
			return false
		}
		if ds := cv.Validate(name, doc, items, from); ds.HasErrors() {
			c.errorf("tsctl wrote YAML it refuses for %s (a bug in tsctl; please report it with the input): %v", name, ds[0])
			return false
		}
		return true
	}
	items := func(ds []convertedDoc) [][]byte {
		out := make([][]byte, 0, len(ds))
		for _, d := range ds {
			out = append(out, d.item)
		}
		return out
	}
	if dir == "" {
		doc, err := convert.Join(header(docs), items(docs))
		if err != nil {
			c.errorf("%v", err)
			return false
		}
		if !valid("stdout", doc, items(docs), 0) {
			return false
		}
		_, _ = c.stdout.Write(doc)
		return true
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		c.errorf("%v", err)
		return false
	}
	if err := writeFileAtomic(filepath.Join(dir, SchemaFile), schema.JSON); err != nil {
		c.errorf("%v", err)
		return false
	}
	used := map[string]bool{}
	for i := range docs {
		doc, err := convert.Join(header(docs[i:i+1]), items(docs[i:i+1]))
		if err == nil {
			p := filepath.Join(dir, fileName(docs[i].name, used))
			if !valid(p, doc, items(docs[i:i+1]), i) {
				return false
			}
			if err = writeFileAtomic(p, doc); err == nil {
				fmt.Fprintln(c.stdout, p)
			}
		}
		if err != nil {
			c.errorf("%v", err)
			return false
		}
	}
	return true
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

// refused reports sequences whose own name, description or category no
// configuration holds, and steps no site would store (an unnamed step,
// say), which no YAML tsctl accepts can hold; true means nothing is
// written.
func (c *cli) refused(rep convert.Report) bool {
	if len(rep.RefusedSequences) > 0 {
		n := len(rep.RefusedSequences)
		c.errorf("%d %s what no configuration can hold; nothing was written:", n, plural(n, "sequence holds", "sequences hold"))
		for _, r := range rep.RefusedSequences {
			fmt.Fprintf(c.stderr, "  %s\n", r)
		}
		c.hint("change it on the site (or in the file) and export again")
	}
	if len(rep.Refused) == 0 {
		return len(rep.RefusedSequences) > 0
	}
	c.errorf("%d %s what a site refuses, so no configuration can hold %s; nothing was written:", len(rep.Refused),
		plural(len(rep.Refused), "step holds", "steps hold"), plural(len(rep.Refused), "it", "them"))
	for _, r := range rep.Refused {
		fmt.Fprintf(c.stderr, "  %s\n", r)
	}
	c.hint("fix the steps in the console (or the file) and export again")
	return true
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
	if len(rep.MDT) > 0 {
		c.notef("%d %s run only with the MDT toolkit: on a ConfigMgr site, integrate MDT and add the MDT toolkit package to the sequence (MDT Lite Touch runs them itself):", len(rep.MDT), plural(len(rep.MDT), "step", "steps"))
		for _, m := range rep.MDT {
			fmt.Fprintf(c.stderr, "  %s\n", m)
		}
	}
	if len(rep.Secrets) > 0 {
		c.warnf("%d %s not exported; set these environment variables before tsctl apply:", len(rep.Secrets), plural(len(rep.Secrets), "secret is", "secrets are"))
		for _, s := range rep.Secrets {
			fmt.Fprintf(c.stderr, "  %s\n", s)
		}
		c.hint("a secret that is really blank on the site is written {empty: true} instead of {env: …}")
	}
	if len(rep.Blanked) > 0 {
		c.warnf("%d secret %s left out of steps whose form cannot name a source (kept as xml, or a rules document in the action form); tsctl apply writes them blank:", len(rep.Blanked), plural(len(rep.Blanked), "value was", "values were"))
		for _, b := range rep.Blanked {
			fmt.Fprintf(c.stderr, "  %s\n", b)
		}
		c.hint("write those steps in their typed form, with each secret as {env: NAME} or {file: PATH}, before applying them")
	}
}
