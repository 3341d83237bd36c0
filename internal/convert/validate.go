package convert

import (
	"bytes"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
)

// written is what All found of a sequence it wrote, checked on the tree it
// wrote it from as soon as it was written (checkWritten).
type written struct {
	accepted bool         // tsctl validate accepts the sequence alone, decided on its tree
	links    config.Links // what the checks across sequences read of it
	size     int          // the length of its item's text
}

// checkWritten checks the sequence node Encode wrote as an item of size
// bytes: accepted when the node reads back from its text as it is
// (writtenAsIs) and, alone in a document, draws no diagnostic from
// config.ParseTree.
func checkWritten(node *yaml.Node, size int) written {
	if !writtenAsIs(node) {
		return written{size: size}
	}
	root := mapping()
	add(root, "sequences", seq(node))
	cfg, ds := config.ParseTree("convert.yaml", &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}})
	if len(ds) > 0 || len(cfg.Sequences) != 1 {
		return written{size: size}
	}
	return written{accepted: true, links: cfg.Sequences[0].Links(), size: size}
}

// Validate returns what tsctl validate says of doc (config.Parse's
// diagnostics, named file), which Join wrote of items, the items All
// returned from index from on. It decides without reading doc again when
// doc is a header of comment lines and those items (checkedDocument), each
// accepted alone as All wrote it (checkWritten), with nothing found across
// them (config.AcceptedTogether): a document of sequences alone draws no
// diagnostic exactly then (see config's pieces.go). Otherwise, and for
// items All did not write, config.Parse decides, and says what is wrong.
func (c *Converter) Validate(file string, doc []byte, items [][]byte, from int) diag.List {
	if c.checkedDocument(doc, items, from) {
		return nil
	}
	_, ds := config.Parse(file, doc)
	return ds
}

// checkedDocument reports whether doc is a header of comment lines, then
// sequences: and the items, each accepted as All wrote it, with nothing
// found across them.
func (c *Converter) checkedDocument(doc []byte, items [][]byte, from int) bool {
	if from < 0 || from+len(items) > len(c.written) {
		return false
	}
	links := make([]config.Links, len(items))
	rest := len(doc)
	for i := len(items) - 1; i >= 0; i-- {
		w := c.written[from+i]
		if !w.accepted || w.size != len(items[i]) || rest < w.size || !bytes.Equal(doc[rest-w.size:rest], items[i]) {
			return false
		}
		rest -= w.size
		links[i] = w.links
	}
	return commentsThenSequences(doc[:rest]) && config.AcceptedTogether(links)
}

// commentsThenSequences reports whether head is empty lines and lines of
// comments — each starting with # and holding only characters YAML reads
// as they are, no line break among them (plainText) — and then the line
// sequences: alone: the head of a document YAML reads as the key
// sequences: and nothing else.
func commentsThenSequences(head []byte) bool {
	if !bytes.HasSuffix(head, []byte(sequencesKey)) {
		return false
	}
	head = head[:len(head)-len(sequencesKey)]
	for len(head) > 0 {
		end := bytes.IndexByte(head, '\n')
		if end < 0 {
			return false
		}
		line := head[:end]
		if len(line) > 0 && (line[0] != '#' || !plainText(string(line), false)) {
			return false
		}
		head = head[end+1:]
	}
	return true
}
