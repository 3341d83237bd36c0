package config

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/schema"
)

// Large files spend most of their load time in the YAML parser, which runs
// on one core. A configuration is almost always a block mapping whose
// "sequences:" key holds a long block sequence, one item per sequence, so
// decodeDocument cuts that list at item boundaries (lines that start with
// the items' "- " at their indentation) and parses the pieces on every core:
// each piece is the original lines, so columns are unchanged and lines only
// shift by the piece's first line. The rest of the file is parsed with the
// item lines blanked, which keeps every other line where it was.
//
// Anything unusual — another document marker, directives, CR line endings,
// a tag or anchor on the sequences key, items that do not parse on their
// own (an alias to an anchor in another item, a quoted scalar cut in two) —
// falls back to one parse of the whole file, which also gives the errors.
// FuzzSplitParse checks that both ways give the same tree.

// splitFrom is the size from which a file is parsed in pieces.
const splitFrom = 256 << 10

// pieceBytes is about the largest piece of a large file parsed at once.
const pieceBytes = 256 << 10

var errNotSplit = errors.New("not split")

// decoded is what a split parse already did with the sequence items: each
// item was schema-checked as soon as its piece was parsed and, when valid,
// decoded into a Sequence and replaced in the tree by an empty mapping, so
// that its nodes other than step bodies and conditions are garbage at once
// instead of living until the whole file is loaded.
type decoded struct {
	schemaDs  diag.List   // what the schema found in the items
	seqs      []*Sequence // by item index; nil where the item is still in the tree
	ds        diag.List   // what decoding the decoded items found
	nodes     int         // nodes the replaced items had, less their stand-ins
	unchecked []int       // items with aliases, left in the tree unchecked
}

// decodeDocument parses data's first YAML document, reporting whether a
// second one follows (extra, with its line). When the file was parsed in
// pieces, dec holds what was done with its sequence items already.
func decodeDocument(file string, data []byte) (doc *yaml.Node, extraLine int, dec *decoded, err error) {
	if len(data) >= splitFrom && runtime.GOMAXPROCS(0) > 1 {
		if doc, dec, err := splitDecode(file, data, runtime.GOMAXPROCS(0)); err == nil {
			return doc, 0, dec, nil
		}
	}
	doc, extraLine, err = parseWhole(data)
	return doc, extraLine, nil, err
}

// splitDecode parses data in pieces on workers goroutines, checking each
// sequence item against the schema and decoding the valid ones as soon as
// their piece is parsed.
func splitDecode(file string, data []byte, workers int) (*yaml.Node, *decoded, error) {
	var mu sync.Mutex
	dec := &decoded{}
	visit := func(item *yaml.Node, index int) (diag.List, *yaml.Node) {
		n, written := countNodes(item, MaxNodes)
		if n != written {
			// Aliases: the document's count must pass first.
			mu.Lock()
			dec.unchecked = append(dec.unchecked, index)
			mu.Unlock()
			return nil, nil
		}
		var tree diag.List
		checkTree(file, item, &tree)
		sds := schema.ValidateSequence(file, item, index)
		sds = append(sds, unlessSaid(tree, sds)...)
		if sds.HasErrors() {
			return sds, nil
		}
		var dds diag.List
		seq := decodeSequence(file, item, &dds)
		mu.Lock()
		if index >= len(dec.seqs) {
			dec.seqs = append(dec.seqs, make([]*Sequence, index+1-len(dec.seqs))...)
		}
		dec.seqs[index] = seq
		dec.ds = append(dec.ds, dds...)
		dec.nodes += n - 1
		mu.Unlock()
		return sds, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: item.Line, Column: item.Column}
	}
	doc, ds, err := parseSplit(data, workers, visit)
	if err != nil {
		return nil, nil, err
	}
	dec.schemaDs = ds
	return doc, dec, nil
}

// parseWhole parses data in one pass.
func parseWhole(data []byte) (*yaml.Node, int, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	doc := new(yaml.Node)
	if err := dec.Decode(doc); err != nil {
		return nil, 0, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := extra.Line
		if line == 0 {
			line = 1
		}
		return doc, line, nil
	}
	return doc, 0, nil
}

// itemsRange is where the items of the top-level sequences list are.
type itemsRange struct {
	start, end int   // byte offsets of the first item line and of the line after the last
	indent     int   // spaces before each item's dash
	firstLine  int   // line number of the first item
	starts     []int // byte offsets of every item line
	startLines []int // their line numbers
}

// findItems finds the block sequence under a top-level "sequences:" key.
// ok is false for any layout it does not recognise.
func findItems(data []byte) (r itemsRange, ok bool) {
	line := 0
	state := 0 // 0: before the key, 1: after the key, before the first item, 2: in the items
	for off := 0; off < len(data); {
		line++
		nl := bytes.IndexByte(data[off:], '\n')
		end := len(data)
		if nl >= 0 {
			end = off + nl + 1
		}
		text := data[off:end]
		body := bytes.TrimRight(text, "\n")
		indent := 0
		for indent < len(body) && body[indent] == ' ' {
			indent++
		}
		rest := body[indent:]
		blank := len(rest) == 0 || rest[0] == '#'
		if len(rest) > 0 && rest[0] == '\t' {
			return r, false
		}
		if indent == 0 && (bytes.HasPrefix(rest, []byte("---")) || bytes.HasPrefix(rest, []byte("...")) || bytes.HasPrefix(rest, []byte("%"))) {
			return r, false
		}
		switch state {
		case 0:
			if indent == 0 && isKeyLine(rest, "sequences") {
				state = 1
			}
		case 1:
			if blank {
				break
			}
			if !isItemLine(rest) {
				return r, false
			}
			r = itemsRange{start: off, indent: indent, firstLine: line}
			r.starts, r.startLines = append(r.starts, off), append(r.startLines, line)
			state = 2
		case 2:
			if blank {
				break
			}
			if indent < r.indent || (indent == r.indent && !isItemLine(rest)) {
				// The list must end at the next top-level key.
				r.end = off
				return r, indent == 0 && !containsKeyLine(data[off:], "sequences")
			}
			if indent == r.indent {
				r.starts, r.startLines = append(r.starts, off), append(r.startLines, line)
			}
		}
		off = end
	}
	if state != 2 {
		return r, false
	}
	r.end = len(data)
	return r, true
}

// isKeyLine reports whether rest is exactly `key:` with nothing but an
// optional comment after it.
func isKeyLine(rest []byte, key string) bool {
	if !bytes.HasPrefix(rest, []byte(key+":")) {
		return false
	}
	after := bytes.TrimLeft(rest[len(key)+1:], " ")
	return len(after) == 0 || after[0] == '#'
}

func isItemLine(rest []byte) bool {
	return len(rest) > 0 && rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ')
}

// containsKeyLine reports whether a later top-level line starts with key:
// (a duplicate key, left to the whole parse).
func containsKeyLine(data []byte, key string) bool {
	for _, l := range bytes.Split(data, []byte("\n")) {
		if bytes.HasPrefix(l, []byte(key+":")) {
			return true
		}
	}
	return false
}

// parseSplit parses data in pieces on up to workers goroutines, and
// passes each sequence item with its index to visit (when not nil) as soon
// as its piece is parsed, returning what visit found. When visit returns a
// node, it takes the item's place in the tree.
func parseSplit(data []byte, workers int, visit func(item *yaml.Node, index int) (diag.List, *yaml.Node)) (*yaml.Node, diag.List, error) {
	if bytes.IndexByte(data, '\r') >= 0 || bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return nil, nil, errNotSplit
	}
	r, ok := findItems(data)
	if !ok || len(r.starts) < 2 {
		return nil, nil, errNotSplit
	}
	// Pieces of about equal size, several per worker to even out the load
	// (one item each when there are few), and no larger than pieceBytes, so
	// that the trees of the pieces being parsed stay small.
	n := min(max(workers*4, (r.end-r.start)/pieceBytes), len(r.starts))
	target := (r.end - r.start) / n
	if n == len(r.starts) {
		target = 0
	}
	type piece struct {
		from, to, line int
		first          int // index of the piece's first item
		items          []*yaml.Node
		ds             diag.List
		err            error
	}
	var pieces []*piece
	from, fromLine, first := r.start, r.firstLine, 0
	for i := 1; i < len(r.starts); i++ {
		if r.starts[i]-from >= target {
			pieces = append(pieces, &piece{from: from, to: r.starts[i], line: fromLine, first: first})
			from, fromLine, first = r.starts[i], r.startLines[i], i
		}
	}
	pieces = append(pieces, &piece{from: from, to: r.end, line: fromLine, first: first})

	// The rest of the file, with the item lines blanked.
	rest := make([]byte, 0, len(data)-(r.end-r.start)+bytes.Count(data[r.start:r.end], []byte("\n")))
	rest = append(rest, data[:r.start]...)
	for range bytes.Count(data[r.start:r.end], []byte("\n")) {
		rest = append(rest, '\n')
	}
	rest = append(rest, data[r.end:]...)

	var wg sync.WaitGroup
	next := make(chan *piece)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				p.items, p.err = parsePiece(data[p.from:p.to], p.line-1)
				if p.err == nil && p.first+len(p.items) > len(r.starts) {
					p.err = errNotSplit // more items than item lines: not what it seemed
				}
				for i, it := range p.items {
					if p.err != nil || visit == nil {
						break
					}
					ds, stand := visit(it, p.first+i)
					p.ds = append(p.ds, ds...)
					if stand != nil {
						p.items[i] = stand
					}
				}
			}
		}()
	}
	go func() {
		for _, p := range pieces {
			next <- p
		}
		close(next)
	}()
	var doc yaml.Node
	restErr := yaml.Unmarshal(rest, &doc)
	wg.Wait()
	if restErr != nil {
		return nil, nil, restErr
	}
	var items []*yaml.Node
	var ds diag.List
	for _, p := range pieces {
		if p.err != nil {
			return nil, nil, p.err
		}
		if p.first != len(items) {
			return nil, nil, errNotSplit // an item line did not start an item
		}
		items = append(items, p.items...)
		ds = append(ds, p.ds...)
	}
	if len(items) != len(r.starts) || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, errNotSplit
	}
	root := doc.Content[0]
	// The items go back under the one top-level sequences key, written
	// plainly. Any other key that reads as sequences — quoted, tagged or
	// written as `? sequences` — leaves the file to the whole parse, which
	// reports the repeated key: nothing the items were checked for may end
	// up beside another list of the same name.
	var slot *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i]; k.Kind == yaml.ScalarNode && k.Value == "sequences" {
			if slot != nil || k.Style != 0 || k.Tag != "!!str" {
				return nil, nil, errNotSplit
			}
			slot = root.Content[i+1]
		}
	}
	if slot == nil || slot.Kind != yaml.ScalarNode || slot.Tag != "!!null" || slot.Value != "" || slot.Anchor != "" {
		return nil, nil, errNotSplit
	}
	*slot = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items,
		Line: r.firstLine, Column: r.indent + 1}
	return &doc, ds, nil
}

// parsePiece parses a run of whole items (the original lines) and moves
// their lines by shift.
func parsePiece(text []byte, shift int) ([]*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.SequenceNode || doc.Content[0].Style != 0 {
		return nil, errNotSplit
	}
	// A value left empty at the end of the piece (`key:` or `? key` on the
	// last line) takes its position from whatever follows it, which only a
	// parse of the whole file knows.
	eof := bytes.Count(text, []byte("\n")) + 1
	atEOF := false
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Line >= eof && n.Kind == yaml.ScalarNode && n.Value == "" && n.Tag == "!!null" {
			atEOF = true
		}
		n.Line += shift
		for _, c := range n.Content {
			walk(c)
		}
	}
	items := doc.Content[0].Content
	for _, it := range items {
		walk(it)
	}
	if atEOF {
		return nil, errNotSplit
	}
	return items, nil
}
