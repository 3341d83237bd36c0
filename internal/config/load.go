package config

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/localfile"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/schema"
)

// Limits guard against hostile or accidental huge input.
const (
	MaxFileBytes = 128 << 20 // one configuration file
	MaxNodes     = 5_000_000
)

// DefaultFile is read when no -f is given.
const DefaultFile = "tsctl.yaml"

// Files expands -f arguments: files as given, folders to their *.yaml and
// *.yml files (sorted, not recursive).
func Files(paths []string) ([]string, error) {
	if len(paths) == 0 {
		paths = []string{DefaultFile}
	}
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%s: no such file or folder", p)
			}
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		var found []string
		for _, e := range ents {
			if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
				found = append(found, filepath.Join(p, e.Name()))
			}
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: folder holds no *.yaml or *.yml file", p)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// Load reads, validates and merges the configuration files named by paths.
// It returns every problem found, sorted by position.
func Load(paths []string) (*Config, diag.List) {
	return LoadThen(paths, nil)
}

// LoadThen is Load that calls read, when it is not nil, once every file
// has been read and before any is decoded: from then on the load reads no
// file. read is not called when a file cannot be read. (A caller may start
// work that must not overlap the reading of local files, such as holding
// a local site, while the files are decoded and checked.)
func LoadThen(paths []string, read func()) (*Config, diag.List) {
	files, err := Files(paths)
	if err != nil {
		return nil, diag.List{{Msg: err.Error()}}
	}
	cfg := &Config{Files: files}
	var ds diag.List
	structural := false
	datas := make([][]byte, len(files))
	readOK := make([]bool, len(files))
	for i, f := range files {
		data, err := readLimited(f)
		if err != nil {
			ds.Add(diag.Pos{File: f}, "%v", err)
			structural = true
			continue
		}
		datas[i], readOK[i] = data, true
	}
	if read != nil && !structural {
		read()
	}
	for i, f := range files {
		if !readOK[i] {
			continue // reported above
		}
		fds, ok := cfg.add(f, datas[i])
		datas[i] = nil
		ds = append(ds, fds...)
		structural = structural || !ok
	}
	if !structural {
		ds = append(ds, cfg.check()...)
	}
	ds.Sort()
	return cfg, ds
}

// Parse validates one document given as bytes (file names the source).
func Parse(file string, data []byte) (*Config, diag.List) {
	cfg := &Config{Files: []string{file}}
	ds, ok := cfg.add(file, data)
	if ok {
		ds = append(ds, cfg.check()...)
	}
	ds.Sort()
	return cfg, ds
}

// ParseTree validates one document given as its parsed tree (a
// yaml.DocumentNode), as Parse validates the text the tree is read from:
// the same checks in the same order, with the tree's positions, and
// without the hints Parse reads from the text (addYAMLHints). It is for a
// caller holding a tree it built that reads back from its text as it is
// (convert, which checks each step it writes): a tree that holds text
// YAML cannot write, or that its text reads back differently, is checked
// as it is, not as its text would be.
func ParseTree(file string, doc *yaml.Node) (*Config, diag.List) {
	cfg := &Config{Files: []string{file}}
	ds, ok := cfg.addDocument(file, doc, 0, nil, nil)
	if ok {
		ds = append(ds, cfg.check()...)
	}
	ds.Sort()
	return cfg, ds
}

// readLimited reads one configuration file: a regular file of at most
// MaxFileBytes, never blocking on a named pipe or a device.
func readLimited(path string) ([]byte, error) {
	data, err := localfile.Read(path, MaxFileBytes)
	var re *localfile.RefusedError
	switch {
	case errors.As(err, &re) && re.TooLarge():
		return nil, fmt.Errorf("file is larger than %s; split it into several files", localfile.Size(MaxFileBytes))
	case errors.As(err, &re):
		return nil, errors.New(re.Reason())
	}
	return data, err
}

// add decodes one file; ok is false when YAML or schema errors prevent the
// semantic checks from running.
func (c *Config) add(file string, data []byte) (diag.List, bool) {
	doc, extraLine, dec, err := decodeDocument(file, data)
	if err != nil && err != io.EOF {
		ds := diag.List{syntaxError(file, data, err)}
		addYAMLHints(data, ds)
		return ds, false
	}
	ds, ok := c.addDocument(file, doc, extraLine, dec, err)
	addYAMLHints(data, ds)
	return ds, ok
}

// addDocument adds a parsed document (see decodeDocument).
func (c *Config) addDocument(file string, doc *yaml.Node, extraLine int, dec *decoded, err error) (diag.List, bool) {
	var ds diag.List
	if err != nil {
		if err == io.EOF {
			return nil, true // empty file
		}
		return diag.List{syntaxError(file, nil, err)}, false
	}
	if extraLine > 0 {
		ds.AddHint(diag.Pos{File: file, Line: extraLine, Col: 1}, "put each document in a file of its own", "more than one YAML document in a file")
		return ds, false
	}
	if len(doc.Content) == 0 {
		return nil, true
	}
	root := doc.Content[0]
	expanded, written := countNodes(root, MaxNodes)
	if dec != nil {
		expanded, written = expanded+dec.nodes, written+dec.nodes
	}
	if tooExpanded(expanded, written) {
		size := fmt.Sprintf("%d nodes", expanded)
		if expanded > MaxNodes {
			size = fmt.Sprintf("more than %d nodes", MaxNodes)
		}
		ds.AddHint(diag.Pos{File: file, Line: root.Line, Col: root.Column}, "avoid deeply nested YAML aliases",
			"aliases expand the document to %s from %d written (alias expansion)", size, written)
		return ds, false
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, true
	}
	// Keys written twice and unstorable text, anywhere in the document:
	// in split mode the items decoded already were checked as they were
	// parsed, and their stand-ins are empty.
	var tree diag.List
	checkTree(file, root, &tree)
	if dec != nil {
		ds = append(ds, schema.ValidateTop(file, root)...)
		ds = append(ds, dec.schemaDs...)
		// Items with aliases were left in the tree for the count above.
		mapping(root, func(key string, _, items *yaml.Node) {
			if key != "sequences" {
				return
			}
			sort.Ints(dec.unchecked)
			for _, i := range dec.unchecked {
				ds = append(ds, schema.ValidateSequence(file, items.Content[i], i)...)
			}
		})
	} else {
		ds = append(ds, schema.Validate(file, root)...)
	}
	ds = append(ds, unlessSaid(tree, ds)...)
	ds.Sort()
	if ds.HasErrors() {
		return ds, false
	}
	return c.decode(file, root, dec), true
}

// unlessSaid drops from tree the diagnostics that the schema's ds already
// make at the same place about the same character (a name's control
// character, which the schema names more precisely).
func unlessSaid(tree, ds diag.List) diag.List {
	out := tree[:0]
	for _, t := range tree {
		said := false
		for _, d := range ds {
			if d.Pos == t.Pos && strings.Contains(d.Msg, "control character") {
				said = true
				break
			}
		}
		if !said {
			out = append(out, t)
		}
	}
	return out
}

// countNodes counts nodes with aliases expanded (stopping past limit) and
// as written (each node once).
func countNodes(n *yaml.Node, limit int) (expanded, written int) {
	var walk func(*yaml.Node, int, bool)
	walk = func(n *yaml.Node, depth int, viaAlias bool) {
		if expanded > limit || n == nil {
			return
		}
		expanded++
		if !viaAlias {
			written++
		}
		if depth > 10000 {
			expanded = limit + 1
			return
		}
		if n.Kind == yaml.AliasNode {
			walk(n.Alias, depth+1, true)
			return
		}
		for _, c := range n.Content {
			walk(c, depth+1, viaAlias)
		}
	}
	walk(n, 0, false)
	return expanded, written
}

// tooExpanded reports whether aliases make a document of written nodes
// expand to too many: more than MaxNodes, or more than twice what is
// written plus aliasAllowance. Checking and building every node an alias
// repeats costs as much as a written one, so a small file of nested aliases
// could otherwise take minutes. A document without aliases is not limited
// here: its size is (MaxFileBytes), and 8,000 sequences of 50 steps are
// six million nodes.
func tooExpanded(expanded, written int) bool {
	return expanded > written && (expanded > MaxNodes || expanded-written > 2*written+aliasAllowance)
}

// aliasAllowance is how many nodes aliases may add to any document.
const aliasAllowance = 100_000

func pos(file string, n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{File: file}
	}
	return diag.Pos{File: file, Line: n.Line, Col: n.Column}
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// mapping iterates the key/value pairs of a mapping node.
func mapping(n *yaml.Node, fn func(key string, k, v *yaml.Node)) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i].Value, n.Content[i], deref(n.Content[i+1]))
	}
}

// decode decodes a valid document; dec, when not nil, holds sequence items
// decoded already.
func (c *Config) decode(file string, root *yaml.Node, dec *decoded) diag.List {
	var ds diag.List
	if dec != nil {
		ds = append(ds, dec.ds...)
	}
	mapping(root, func(key string, k, v *yaml.Node) {
		switch key {
		case "site":
			if c.Site != "" && !strings.EqualFold(c.Site, v.Value) {
				ds.Add(pos(file, v), "site %q conflicts with site %q set at %s", v.Value, c.Site, c.SitePos)
				return
			}
			c.Site, c.SitePos = strings.ToUpper(v.Value), pos(file, v)
		case "owner":
			if c.Owner != "" && c.Owner != v.Value {
				ds.Add(pos(file, v), "owner %q conflicts with owner %q set at %s", v.Value, c.Owner, c.OwnerPos)
				return
			}
			c.Owner, c.OwnerPos = v.Value, pos(file, v)
		case "packages":
			for _, n := range deref(v).Content {
				p := &Package{Pos: pos(file, n)}
				if err := deref(n).Decode(p); err != nil {
					ds.Add(pos(file, n), "%v", err)
					continue
				}
				if p.Type == object.None {
					p.Type = object.Package
				}
				mapping(deref(n), func(key string, k, _ *yaml.Node) {
					switch key {
					case "folder":
						p.FolderPos = pos(file, k)
					case "distribute":
						p.DistributePos = pos(file, k)
					case "absent":
						p.AbsentPos = pos(file, k)
					}
				})
				c.Packages = append(c.Packages, p)
			}
		case "deployments":
			for _, n := range deref(v).Content {
				c.Deployments = append(c.Deployments, decodeDeployment(file, deref(n), &ds))
			}
		case "sequences":
			for i, n := range deref(v).Content {
				if dec != nil && i < len(dec.seqs) && dec.seqs[i] != nil {
					c.Sequences = append(c.Sequences, dec.seqs[i])
					continue
				}
				c.Sequences = append(c.Sequences, decodeSequence(file, deref(n), &ds))
			}
		}
	})
	return ds
}

func decodeSequence(file string, n *yaml.Node, ds *diag.List) *Sequence {
	s := &Sequence{Pos: pos(file, n)}
	mapping(n, func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			s.Name = v.Value
		case "description":
			s.Description = v.Value
		case "category":
			s.Category = v.Value
		case "bootImage":
			s.BootImage, s.BootPos = v.Value, pos(file, v)
			if v.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(v.Content); i += 2 {
					if v.Content[i].Value == "id" {
						s.BootImage, s.BootImageByID, s.BootPos = v.Content[i+1].Value, true, pos(file, v.Content[i+1])
					}
				}
			}
		case "maxRunTime":
			if n, ok := uint32Of(file, v, ds); ok {
				s.MaxRunTime = int(n)
			}
		case "steps":
			s.steps, s.HasSteps = decodeSteps(file, v, ds), true
		case "absent":
			s.Absent, s.AbsentPos = v.Value == "true", pos(file, k)
		case "attributes":
			mapping(v, func(k string, kn, val *yaml.Node) {
				s.Attributes = append(s.Attributes, Attribute{Name: k, Value: val.Value, Pos: diag.Pos{File: file, Line: kn.Line, Col: kn.Column}})
			})
		case "lint":
			s.Lint = decodeLint(file, v)
		case "folder":
			s.Folder, s.FolderPos = v.Value, pos(file, k)
		case "distribute":
			s.DistributePos = pos(file, k)
			s.Distribute = &Distribution{}
			if err := v.Decode(s.Distribute); err != nil {
				ds.Add(pos(file, v), "%v", err)
			}
		case "softwareCenter":
			mapping(v, func(key string, _, v *yaml.Node) {
				val := v.Value
				switch key {
				case "name":
					s.Package.SoftwareCenterName = &val
				case "description":
					s.Package.SoftwareCenterDescription = &val
				}
			})
		case "highImpact":
			h := &HighImpact{On: v.Value == "true"}
			if v.Kind == yaml.MappingNode {
				h.On, h.Custom = true, true
				mapping(v, func(key string, _, v *yaml.Node) {
					switch key {
					case "headline":
						h.Headline = v.Value
					case "warningTop":
						h.WarningTop = v.Value
					case "warning":
						h.Warning = v.Value
					case "warningInstall":
						h.WarningInstall = v.Value
					}
				})
			}
			s.Package.HighImpact = h
		case "progressMessage":
			val := v.Value
			s.Package.ProgressMessage = &val
		case "estimatedRunTime":
			if n, ok := uint32Of(file, v, ds); ok {
				x := int64(n)
				s.Package.EstimatedRunTime = &x
			}
		case "estimatedDownloadSize":
			if n, ok := uint32Of(file, v, ds); ok {
				x := int64(n)
				s.Package.EstimatedDownloadSize = &x
			}
		case "restartRequired":
			b := v.Value == "true"
			s.Package.RestartRequired = &b
		case "disabled":
			b := v.Value == "true"
			s.Package.Disabled = &b
		case "platforms":
			s.Package.Platforms = &Platforms{}
			if err := v.Decode(s.Package.Platforms); err != nil {
				ds.Add(pos(file, v), "%v", err)
			}
		case "runFirst":
			s.Package.RunFirst, s.Package.RunFirstPos = &RunFirst{}, pos(file, v)
			if err := v.Decode(s.Package.RunFirst); err != nil {
				ds.Add(pos(file, v), "%v", err)
			}
		case "globalVariables":
			for _, item := range deref(v).Content {
				var g GlobalVar
				mapping(deref(item), func(key string, _, v *yaml.Node) {
					switch key {
					case "name":
						g.Name = v.Value
					case "property":
						g.Property = v.Value
					case "value":
						g.Value = v.Value
					}
				})
				s.GlobalVars = append(s.GlobalVars, g)
			}
		}
	})
	s.freeze()
	return s
}

// decodeDeployment decodes one deployment, with the defaults of the
// settings the file leaves out.
func decodeDeployment(file string, n *yaml.Node, ds *diag.List) *Deployment {
	d := &Deployment{Pos: pos(file, n), Purpose: PurposeAvailable, Availability: AvailabilityClients, TimeZone: TimeZoneLocal,
		Rerun: RerunIfFailed, ShowProgress: true, SoftwareCenter: true, Content: ContentDownloadOnDemand, Keys: map[string]diag.Pos{}}
	mapping(n, func(key string, k, v *yaml.Node) {
		d.Keys[key] = pos(file, k)
		switch key {
		case "name":
			d.Name = v.Value
		case "sequence":
			d.Sequence, d.SeqPos = v.Value, pos(file, v)
		case "collection":
			d.Collection, d.CollPos = v.Value, pos(file, v)
			if v.Kind == yaml.MappingNode {
				mapping(v, func(key string, _, id *yaml.Node) {
					if key == "id" {
						d.Collection, d.CollectionByID, d.CollPos = id.Value, true, pos(file, id)
					}
				})
			}
		case "absent":
			d.Absent, d.AbsentPos = v.Value == "true", pos(file, k)
		case "purpose":
			d.Purpose = Purpose(v.Value)
		case "availability":
			d.Availability = Availability(v.Value)
		case "available":
			d.Available, d.AvailablePos = v.Value, pos(file, v)
		case "expires":
			d.Expires, d.ExpiresPos = v.Value, pos(file, v)
		case "deadline":
			d.Deadline, d.DeadlinePos = v.Value, pos(file, v)
		case "asSoonAsPossible":
			d.AsSoonAsPossible = v.Value == "true"
		case "timeZone":
			d.TimeZone = TimeZone(v.Value)
		case "rerun":
			d.Rerun = Rerun(v.Value)
		case "showProgress":
			d.ShowProgress = v.Value == "true"
		case "softwareCenter":
			d.SoftwareCenter = v.Value == "true"
		case "content":
			d.Content = ContentOption(v.Value)
		case "remoteDistributionPoints":
			d.RemoteDPs = v.Value == "true"
		case "fallback":
			d.Fallback = v.Value == "true"
		case "maintenanceWindows":
			mapping(v, func(key string, _, v *yaml.Node) {
				switch key {
				case "install":
					d.InstallOutsideMW = v.Value == "true"
				case "restart":
					d.RestartOutsideMW = v.Value == "true"
				}
			})
		case "wakeOnLAN":
			d.WakeOnLAN = v.Value == "true"
		case "comment":
			d.Comment = v.Value
		case "highRisk":
			d.HighRiskAccepted, d.HighRiskPos = v.Value == "accept", pos(file, v)
		case "lint":
			d.Lint = decodeLint(file, v)
		}
	})
	if d.Name == "" {
		d.Name = d.Sequence
	}
	return d
}

func decodeSteps(file string, list *yaml.Node, ds *diag.List) []*Step {
	var out []*Step
	for _, n := range deref(list).Content {
		n = deref(n)
		st := &Step{Pos: pos(file, n), File: file, Enabled: true}
		var kinds []string
		var stepsNode *yaml.Node
		mapping(n, func(key string, k, v *yaml.Node) {
			switch key {
			case "name":
				st.Name, st.Named = v.Value, true
			case "description":
				st.Description = v.Value
			case "enabled":
				st.Enabled = v.Value == "true"
			case "continueOnError":
				st.ContinueOnError = v.Value == "true"
			case "runIn":
				st.RunIn = v.Value
			case "timeout":
				secs, err := timeoutSeconds(v)
				if err != nil {
					ds.AddHint(pos(file, v), "write a shorter time-out, or none", "timeout: %v", err)
				}
				st.TimeoutSeconds = secs
			case "successCodes":
				for _, c := range deref(v).Content {
					x, ok := intValue(c.ShortTag(), c.Value)
					if !ok || x < math.MinInt32 || x > MaxUint32 {
						ds.Add(pos(file, c), "successCodes: %s is not a 32-bit exit code", c.Value)
						continue
					}
					st.SuccessCodes = append(st.SuccessCodes, int(x))
				}
			case "retryCount":
				if n, ok := uint32Of(file, v, ds); ok {
					x := int(n)
					st.RetryCount = &x
				}
			case "condition":
				st.cond, st.condPos = encodeNode(v, st.Pos.Line)
			case "properties":
				mapping(v, func(k string, kn, val *yaml.Node) {
					st.Properties = append(st.Properties, Attribute{Name: k, Value: val.Value, Absent: val.ShortTag() == "!!null",
						Pos: diag.Pos{File: file, Line: kn.Line, Col: kn.Column}})
				})
			case "layout":
				st.Layout = []string{}
				for _, el := range deref(v).Content {
					st.Layout = append(st.Layout, el.Value)
				}
			case "attributes":
				mapping(v, func(k string, kn, val *yaml.Node) {
					st.Attributes = append(st.Attributes, Attribute{Name: k, Value: val.Value, Absent: val.ShortTag() == "!!null",
						Pos: diag.Pos{File: file, Line: kn.Line, Col: kn.Column}})
				})
			case "steps":
				stepsNode = k
				st.Steps = decodeSteps(file, v, ds)
			case "lint":
				st.Lint = decodeLint(file, v)
			default:
				if isKind(key) {
					kinds = append(kinds, key)
					st.Kind = key
					st.body, st.bodyPos = encodeNode(v, st.Pos.Line)
				}
			}
		})
		switch len(kinds) {
		case 0:
			ds.AddHint(st.Pos, "add one of: "+strings.Join(KindKeys(), ", "), "step has no kind")
		case 1:
		default:
			ds.Add(st.Pos, "step has %d kinds (%s); a step is exactly one of them", len(kinds), strings.Join(kinds, ", "))
		}
		if st.Kind == "group" {
			if st.Name != "" {
				ds.AddHint(st.Pos, "the group's name is the value of `group:`", "a group takes no `name`")
			}
			st.Name = st.Body().Value
		} else if stepsNode != nil && len(kinds) == 1 {
			ds.Add(pos(file, stepsNode), "only a group has `steps` (this is a %s step)", st.Kind)
		}
		if st.Name == "" {
			st.Name = defaultName(st)
		}
		out = append(out, st)
	}
	return out
}

// defaultName is the name a step the file does not name gets, as the
// console names a new step: the typed form's title, or the action form's
// class without its frame ("" for an xml step, named by its XML, and for
// a step without a kind).
func defaultName(st *Step) string {
	if k := KindOf(st.Kind); k != nil {
		return k.Title
	}
	if st.Kind != "action" {
		return ""
	}
	if t := Lookup(st.Body(), "type"); t != nil {
		return strings.TrimPrefix(t.Value, "SMS_TaskSequence_")
	}
	return "Run Command Line"
}

// timeoutSeconds reads a step's timeout — integer minutes, or a duration
// such as 90s, 15m, 2h — as the seconds the Timeout property stores, a
// uint32.
func timeoutSeconds(v *yaml.Node) (int, error) {
	if n, ok := intValue(v.ShortTag(), v.Value); ok {
		if n < 0 || n > MaxUint32/60 {
			return 0, fmt.Errorf("%s minutes is longer than Timeout holds: a uint32 number of seconds, at most %d (about 136 years)", v.Value, uint64(MaxUint32))
		}
		return int(n * 60), nil
	}
	text, unit := v.Value, uint64(0)
	if len(text) >= 2 {
		switch text[len(text)-1] {
		case 's':
			unit = 1
		case 'm':
			unit = 60
		case 'h':
			unit = 3600
		}
		text = text[:len(text)-1]
	}
	n, err := strconv.ParseUint(text, 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || unit == 0 {
		return 0, fmt.Errorf("%q is not a number of minutes or a duration such as 90s, 15m, 2h", v.Value)
	}
	if err != nil || n > MaxUint32/unit {
		return 0, fmt.Errorf("%s is longer than Timeout holds: a uint32 number of seconds, at most %d (about 136 years)", v.Value, uint64(MaxUint32))
	}
	return int(n * unit), nil
}

// uint32Of reads an integer property that the site stores as a uint32,
// reporting any other value at its node.
func uint32Of(file string, v *yaml.Node, ds *diag.List) (uint32, bool) {
	n, ok := intValue(v.ShortTag(), v.Value)
	if !ok || n < 0 || n > MaxUint32 {
		ds.Add(pos(file, v), "%s is not a uint32 (0 to %d)", v.Value, uint64(MaxUint32))
		return 0, false
	}
	return uint32(n), true
}

// DecodeStep decodes one step mapping as it would appear in file, giving it
// its default name. The step is checked as a step of a sequence is, and
// decoded only when it passes.
func DecodeStep(file string, n *yaml.Node) (*Step, diag.List) {
	var ds diag.List
	list := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{n}}
	checkTree(file, n, &ds)
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }
	seq := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{str("name"), str("step"), str("steps"), list}}
	if ds = append(ds, schema.ValidateSequence(file, seq, 0)...); ds.HasErrors() {
		return nil, ds
	}
	steps := decodeSteps(file, list, &ds)
	if len(steps) != 1 {
		return nil, ds
	}
	return steps[0], ds
}
