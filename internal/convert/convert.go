package convert

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/yamlwrite"
)

// Names names the objects a sequence references.
type Names interface {
	// Name returns the name of the object of kind with PackageID id.
	Name(kind object.Kind, id string) (string, bool)
	// AppName returns the display name of the application with a model name.
	AppName(model string) (string, bool)
}

// Report collects what a conversion could not express in the typed forms.
type Report struct {
	Generic []string // steps kept in the generic form: "sequence: path (class)"
	IDs     []string // references kept by PackageID
	Secrets []string // secrets to provide: "sequence: path: ENV"
	// Blanked lists steps whose secret values convert left out because
	// their form cannot name a source (kept as xml, or a rules document in
	// the action form): "sequence: path: property". apply writes them blank.
	Blanked []string
	MDT     []string // steps that need the MDT toolkit: BDD_* classes and MDT command lines without a class
	// Refused lists steps a site would refuse (an unnamed step, a name
	// over 100 characters): such a sequence cannot be migrated as it is.
	Refused []string
	// RefusedSequences lists sequences whose own properties (name,
	// description, category) no configuration holds: "name (source): why".
	RefusedSequences []string
}

// Converter converts sequences with one set of names.
type Converter struct {
	Names  Names
	Report Report

	seq     string  // sequence being converted, for messages
	sh      *shared // what the sequences converted so far leave for the next
	journal *[]op   // when not nil, every read and write of sh is recorded here (see All)
	// sequences All converted in turn because what a worker converted
	// ahead read shared state differently (see All)
	reconverted int
	listed      map[string]listed // what the step being converted lists for download (PackageInfo), by PackageID
	appsListed  map[string]string // display names the step being converted lists (AppInfo), by lower-case model name
	refusals    *refusalMemo      // refusal's answers, shared by the converters All starts
	keyBuf      []byte            // nodeKey's buffer, reused
	builds      *buildMemo        // verify's first checks, shared by the converters All starts
	buildBuf    []byte            // buildKey's buffer, reused
	// conditions converted (condition), by elemKey, and the key's buffer
	conditions   map[string]*yaml.Node
	conditionBuf []byte
	// checked, when not nil, is told each verdict of verify's first check
	// (firstCheck), for the tests that hold the memo's to a build's
	checked func(buildVerdict)
	// the env names secret wrote into the sequence being converted (see
	// refusal)
	placeholders map[*yaml.Node]bool
	canonical    bool            // the placeholders are named SECRET_1, … (canonicalEnv)
	shape        model.StepShape // what a site stores of shapeOf (same)
	shapeOf      *model.Step
	// decided, when not nil, is told each answer refusal works out (not
	// those it remembers): the document it checked, the answer, and
	// whether the tree decided it (acceptedAsTree) or its text did; for
	// the tests that hold the one to the other.
	decided func(root *yaml.Node, why string, onTree bool)
	// what All found of each sequence it wrote, by index (see Validate)
	written []written
}

type refKey struct {
	kind object.Kind
	name string
}

// New returns a converter.
func New(names Names) *Converter {
	return &Converter{Names: names, sh: newShared()}
}

// record adds p to the journal, when one is kept.
func (c *Converter) record(p op) {
	if c.journal != nil {
		*c.journal = append(*c.journal, p)
	}
}

// Sequence converts an exported sequence into a `sequences:` entry.
func (c *Converter) Sequence(s *exportfile.Sequence) *yaml.Node {
	c.seq = s.Name
	clear(c.placeholders)
	defer func() { c.shape, c.shapeOf = model.StepShape{}, nil }()
	m := mapping()
	add(m, "name", str(s.Name))
	if s.Description != "" {
		add(m, "description", str(s.Description))
	}
	if s.Category != "" {
		add(m, "category", str(s.Category))
	}
	if s.BootImageID != "" {
		add(m, "bootImage", c.ref(object.BootImage, s.BootImageID, "boot image"))
	}
	if why := ownRefusal(m); why != "" {
		c.Report.RefusedSequences = append(c.Report.RefusedSequences, fmt.Sprintf("%q (%s): %s", s.Name, s.Source, why))
	}
	if s.Duration != 0 {
		add(m, "maxRunTime", integer(s.Duration))
	}
	add(m, "steps", c.steps(s.Sequence.Steps, ""))
	var globals []*yaml.Node
	for _, v := range s.Sequence.GlobalVars {
		if model.DerivedGlobal(v.Property) {
			continue // recomputed from the steps
		}
		g := flow(mapping())
		add(g, "name", str(v.Name))
		add(g, "property", str(v.Property))
		add(g, "value", str(v.Value))
		globals = append(globals, g)
	}
	if len(globals) > 0 {
		add(m, "globalVariables", seq(globals...))
	}
	if len(s.Sequence.Attrs) > 0 {
		attrs := mapping()
		for _, a := range s.Sequence.Attrs {
			add(attrs, a.Name, str(a.Value))
		}
		add(m, "attributes", attrs)
	}
	return m
}

func (c *Converter) steps(steps []*model.Step, prefix string) *yaml.Node {
	list := seq()
	for _, s := range steps {
		p := s.Name
		if prefix != "" {
			p = prefix + "/" + s.Name
		}
		list.Content = append(list.Content, c.step(s, p))
	}
	return list
}

func (c *Converter) note(list *[]string, format string, args ...any) {
	*list = append(*list, c.seq+": "+fmt.Sprintf(format, args...))
}

func (c *Converter) step(s *model.Step, path string) *yaml.Node {
	if s.Kind == model.KindStep && (s.Type == "" || strings.HasPrefix(s.Type, "BDD_")) {
		c.note(&c.Report.MDT, "%s (%s)", path, stepClass(s))
	}
	asXML := func() *yaml.Node {
		c.note(&c.Report.Generic, "%s (%s, kept as XML)", path, stepClass(s))
		m := mapping()
		add(m, "xml", str(string(model.MarshalElem(stepElem(c.withoutSecrets(s, path))))))
		if why := c.refusal(m); why != "" {
			// even the step as XML is what a site refuses (an unnamed
			// step, say): the sequence cannot be migrated as it is
			c.note(&c.Report.Refused, "%s: %s", pathOrClass(path, s), why)
		}
		return m
	}
	if len(s.ExtraElems) > 0 {
		return asXML()
	}
	if s.Kind == model.KindGroup {
		m := mapping()
		add(m, "group", str(s.Name))
		c.common(m, s, nil, false)
		add(m, "steps", c.steps(s.Steps, path))
		if c.verifyGroup(m, s) {
			return m
		}
		return asXML()
	}
	c.listed = listedContent(s.Var)
	c.appsListed = listedAppsAll(s.Var)
	for id, l := range c.listed {
		addSeen(c.sh, id, l)
		c.record(op{kind: opAddSeen, a: id, l: l})
	}
	if k := config.KindForClass(s.Type); k != nil {
		saved := len(c.Report.IDs)
		savedSecrets := len(c.Report.Secrets)
		if n := c.typed(s, k, path); n != nil && c.verify(n, s, true) {
			return n
		}
		c.Report.IDs = c.Report.IDs[:saved]
		c.Report.Secrets = c.Report.Secrets[:savedSecrets]
	}
	// The action form holds any <step>; what it cannot hold (an unknown
	// class in a <subtasksequence> element, say) is kept as XML.
	saved, savedBlanked := len(c.Report.Secrets), len(c.Report.Blanked)
	if g := c.generic(s, path); c.verify(g, s, false) {
		c.note(&c.Report.Generic, "%s (%s)", path, stepClass(s))
		return g
	}
	c.Report.Secrets, c.Report.Blanked = c.Report.Secrets[:saved], c.Report.Blanked[:savedBlanked]
	return asXML()
}

// pathOrClass names a step for messages, by its class when it has no name.
func pathOrClass(path string, s *model.Step) string {
	if strings.TrimSpace(s.Name) == "" {
		return "a step without a name (" + stepClass(s) + ")"
	}
	return path
}

// stepClass names a step's class for messages.
func stepClass(s *model.Step) string {
	if s.Kind == model.KindStep && s.Type == "" {
		return "MDT command line"
	}
	return model.ShortType(s.Type)
}

// stepElem rebuilds the XML element of a step.
func stepElem(s *model.Step) *model.Elem {
	q := &model.Sequence{Steps: []*model.Step{s}}
	root, _ := model.ParseElem(model.Marshal(q))
	return root.Children[0]
}

// common adds the options every step has; cls is nil for groups.
func (c *Converter) common(m *yaml.Node, s *model.Step, cls *model.Class, typed bool) {
	if s.Kind != model.KindGroup {
		add(m, "name", str(s.Name))
	}
	if s.Description != "" {
		add(m, "description", str(s.Description))
	}
	if s.Disabled {
		add(m, "enabled", boolean(false))
	}
	if s.ContinueOnError {
		add(m, "continueOnError", boolean(true))
	}
	if s.Kind == model.KindStep && s.RunIn != nil {
		def := model.WinPEandFullOS
		if cls != nil && cls.DefaultRunIn != "" {
			def = cls.DefaultRunIn
		}
		if *s.RunIn != def {
			add(m, "runIn", str(*s.RunIn))
		}
	}
	if s.Timeout != nil {
		if n, err := strconv.Atoi(*s.Timeout); err == nil && n > 0 {
			if n%60 == 0 {
				add(m, "timeout", integer(n/60))
			} else {
				add(m, "timeout", str(strconv.Itoa(n)+"s"))
			}
		}
	}
	if s.Kind != model.KindGroup {
		codes, def := s.SuccessCodes, "0"
		if cls != nil && cls.SuccessCodesProp != "" {
			if v, ok := s.Var(cls.SuccessCodesProp); ok {
				codes = &v
			}
			if p := cls.Prop(cls.SuccessCodesProp); p.Default != nil {
				def = *p.Default
			}
		}
		if codes != nil && *codes != def {
			if list := intList(*codes); list != nil {
				add(m, "successCodes", list)
			}
		}
		retry, rdef := s.RetryCount, "0"
		if cls != nil && cls.Prop("RetryCount") != nil {
			retry = nil
			if v, ok := s.Var("RetryCount"); ok {
				retry = &v
			}
			if p := cls.Prop("RetryCount"); p.Default != nil {
				rdef = *p.Default
			} else {
				rdef = ""
			}
		}
		if retry != nil && *retry != rdef {
			if n, err := strconv.Atoi(*retry); err == nil {
				add(m, "retryCount", integer(n))
			}
		}
	}
	if s.Condition != nil {
		add(m, "condition", c.condition(s.Condition))
	}
}

// condition is conditionNode(model.ReadTerms(e)), remembered by e's key
// (elemKey: two elements of one key are equal field for field): it
// depends on e alone, and a condition is converted once for each form
// tried and met again on many steps. Each answer is a copy of its own.
func (c *Converter) condition(e *model.Elem) *yaml.Node {
	key := elemKey(c.conditionBuf[:0], e)
	c.conditionBuf = key
	if n, ok := c.conditions[string(key)]; ok {
		return copyNode(n)
	}
	n := conditionNode(model.ReadTerms(e))
	if c.conditions == nil {
		c.conditions = map[string]*yaml.Node{}
	}
	if len(c.conditions) < maxConditions {
		c.conditions[string(key)] = copyNode(n)
	}
	return n
}

// maxConditions bounds the conditions a Converter remembers.
const maxConditions = 5_000

// copyNode is a deep copy of n: every node of the copy is one of its own.
func copyNode(n *yaml.Node) *yaml.Node {
	out := *n
	if n.Content != nil {
		out.Content = make([]*yaml.Node, len(n.Content))
		for i, ch := range n.Content {
			if ch != nil {
				out.Content[i] = copyNode(ch)
			}
		}
	}
	return &out
}

func intList(s string) *yaml.Node {
	list := flow(seq())
	for _, f := range strings.Fields(s) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil
		}
		list.Content = append(list.Content, integer(n))
	}
	if len(list.Content) == 0 {
		return nil
	}
	return list
}

// generic writes the step in the lossless `action` form.
func (c *Converter) generic(s *model.Step, path string) *yaml.Node {
	m := mapping()
	c.common(m, s, model.Lookup(s.Type), false)
	body := mapping()
	if s.Type != "" { // an MDT step without a class has none
		add(body, "type", str(s.Type))
	}
	if s.Action != nil && model.Lookup(s.Type) == nil {
		add(body, "command", str(*s.Action))
	}
	if len(s.Vars) > 0 {
		cls := model.Lookup(s.Type)
		byProp := map[string]string{}
		for _, v := range s.Vars {
			byProp[v.Property] = v.Value
		}
		vars := seq()
		for _, v := range s.Vars {
			vm := flow(mapping())
			add(vm, "name", str(v.Name))
			add(vm, "property", str(v.Property))
			value := str(v.Value)
			if p := propOf(cls, v.Property); p != nil && p.Secret {
				// a secret never goes into YAML: its source does
				if v.Value == "" && runsAsNoAccount(v.Property, byProp) {
					value = emptySecret()
				} else {
					value = c.secret(path, v.Property)
				}
			} else if cls != nil && cls.HoldsSecret(v.Property, v.Value) {
				value = str(model.BlankRuleSecrets(v.Value))
				c.note(&c.Report.Blanked, "%s: %s", path, v.Property)
			}
			add(vm, "value", value)
			if v.Hidden {
				add(vm, "hidden", boolean(true))
			}
			vars.Content = append(vars.Content, vm)
		}
		add(body, "variables", vars)
	}
	add(m, "action", body)
	return m
}

func propOf(cls *model.Class, name string) *model.Prop {
	if cls == nil {
		return nil
	}
	return cls.Prop(name)
}

// withoutSecrets returns s, or a copy of it without its secret values
// (noted in Report.Blanked) when it holds any: a step kept as xml has no
// place for a secret's source, and a secret never goes into YAML.
func (c *Converter) withoutSecrets(s *model.Step, path string) *model.Step {
	x := &model.Sequence{Steps: []*model.Step{s.Clone()}}
	x.Walk(func(p string, st *model.Step) bool {
		if cls := model.Lookup(st.Type); cls != nil {
			for _, v := range st.Vars {
				if cls.HoldsSecret(v.Property, v.Value) {
					c.note(&c.Report.Blanked, "%s: %s", path, v.Property)
				}
			}
		}
		return true
	})
	model.BlankSecrets(x)
	return x.Steps[0]
}

// ref names a referenced object, or keeps it by ID when no name is known.
func (c *Converter) ref(kind object.Kind, id, what string) *yaml.Node {
	return c.refOr(kind, id, what, "")
}

// refOr is ref with a name to fall back on when Names knows none: the name
// the step itself lists the object under (a download step's PackageInfo).
func (c *Converter) refOr(kind object.Kind, id, what, fallback string) *yaml.Node {
	name := fallback
	if c.Names != nil {
		if n, ok := c.Names.Name(kind, id); ok && n != "" {
			name = n
		}
	}
	comment := "no name known for " + what + " " + id
	if amb, ok := c.Names.(interface {
		IDsNamed(object.Kind, string) []string
	}); ok && name != "" {
		if ids := amb.IDsNamed(kind, name); len(ids) > 1 {
			comment = fmt.Sprintf("%s are all named %q", strings.Join(ids, ", "), name)
			c.note(&c.Report.IDs, "%s %s (%s)", what, id, comment)
			m := flow(mapping())
			add(m, "id", str(id))
			m.LineComment = comment
			return m
		}
	}
	if name != "" {
		k := refKey{kind, strings.ToLower(name)}
		prev := claimName(c.sh, k, id)
		c.record(op{kind: opClaimName, key: k, a: id, got: prev})
		if prev == "" {
			return str(name)
		}
		// two objects of the export share the name: a name would say
		// neither, so both stay by ID
		comment = fmt.Sprintf("%s and %s are both named %q", prev, id, name)
		c.note(&c.Report.IDs, "%s %s (%s)", what, id, comment)
	} else {
		c.note(&c.Report.IDs, "%s %s", what, id)
	}
	m := flow(mapping())
	add(m, "id", str(id))
	m.LineComment = comment
	return m
}

// listedApps reads the display names an Install Application step lists its
// applications under (AppInfo{i}DisplayName by AppInfo{i}Name, the model
// name), by lower-case model name; a display name listed for two models
// names neither; get reads a step property.
func listedApps(get func(prop string) (string, bool)) map[string]string {
	out := map[string]string{}
	models := map[string]int{} // lower-case display name → models listed under it
	for i := 0; ; i++ {
		p := "AppInfo" + strconv.Itoa(i)
		model, ok := get(p + "Name")
		if !ok {
			break
		}
		if name, _ := get(p + "DisplayName"); strings.TrimSpace(name) != "" {
			out[strings.ToLower(strings.TrimSpace(model))] = strings.TrimSpace(name)
			models[strings.ToLower(strings.TrimSpace(name))]++
		}
	}
	// A display name listed for two applications names neither.
	for m, name := range out {
		if models[strings.ToLower(name)] > 1 {
			delete(out, m)
		}
	}
	return out
}

// listedAppsAll reads every display name an Install Application step lists
// (AppInfo{i}DisplayName by AppInfo{i}Name), shared or not, by lower-case
// model name.
func listedAppsAll(get func(prop string) (string, bool)) map[string]string {
	out := map[string]string{}
	for i := 0; ; i++ {
		p := "AppInfo" + strconv.Itoa(i)
		model, ok := get(p + "Name")
		if !ok {
			return out
		}
		if name, ok := get(p + "DisplayName"); ok {
			out[strings.ToLower(strings.TrimSpace(model))] = name
		}
	}
}

// lookupIn reads properties from a step's property map.
func lookupIn(vars map[string]string) func(string) (string, bool) {
	return func(p string) (string, bool) { v, ok := vars[p]; return v, ok }
}

// secret returns an environment placeholder for a secret the export blanked.
func (c *Converter) secret(path, field string) *yaml.Node {
	base := envBase(path, field)
	name := placeholderName(c.sh, base)
	c.note(&c.Report.Secrets, "%s: %s", path, name)
	m := flow(mapping())
	v := str(name)
	c.record(op{kind: opSecret, a: base, b: name, node: v, line: len(c.Report.Secrets) - 1, where: c.seq + ": " + path + ": "})
	add(m, "env", v)
	if c.placeholders == nil {
		c.placeholders = map[*yaml.Node]bool{}
	}
	c.placeholders[v] = true
	return m
}

// envBase is the environment variable name a secret's placeholder starts
// from: path and field upper-cased, each run of characters other than A–Z
// and 0–9 made one underscore, none at either end, SECRET_ before a digit
// or in place of nothing.
func envBase(path, field string) string {
	up := strings.ToUpper(path + "_" + field)
	b := make([]byte, 0, len(up))
	run := false
	for i := 0; i < len(up); i++ {
		ch := up[i]
		if ('A' <= ch && ch <= 'Z') || ('0' <= ch && ch <= '9') {
			b = append(b, ch)
			run = false
			continue
		}
		if !run {
			b = append(b, '_')
			run = true
		}
	}
	base := strings.Trim(string(b), "_")
	if base == "" || (base[0] >= '0' && base[0] <= '9') {
		base = "SECRET_" + base
	}
	return base
}

// runsAsNoAccount reports whether prop is the Run As password of a step
// that runs as no account (no user name, RunAsUser not set): the console
// keeps that password as an empty value, which no export blanked — it is
// blank on the site, and {empty: true} says so.
func runsAsNoAccount(prop string, vars map[string]string) bool {
	return prop == "UserPassword" && vars["UserName"] == "" && vars["RunAsUser"] != "true"
}

// emptySecret is a secret declared blank.
func emptySecret() *yaml.Node {
	m := flow(mapping())
	add(m, "empty", boolean(true))
	return m
}

// typed writes the step in its typed form, or returns nil when some of the
// step's variables have no field in that form.
func (c *Converter) typed(s *model.Step, k *config.Kind, path string) *yaml.Node {
	cls := model.Lookup(s.Type)
	vars := map[string]string{}
	for _, v := range s.Vars {
		vars[v.Property] = v.Value
	}
	consumed := map[string]bool{}
	if cls.SuccessCodesProp != "" {
		consumed[cls.SuccessCodesProp] = true
	}
	if cls.Prop("RetryCount") != nil {
		consumed["RetryCount"] = true
	}
	for _, p := range cls.Props {
		if p.Derived {
			consumed[p.Name] = true
		}
	}
	for _, a := range cls.Arrays {
		if a.Derived {
			for prop := range vars {
				if ar, _, _, ok := cls.ArrayOf(prop); ok && ar.Name == a.Name {
					consumed[prop] = true
				}
			}
		}
	}
	if k.Derive != nil {
		probe, present := map[string]string{}, map[string]bool{}
		for p := range vars {
			present[p] = true
		}
		k.Derive(probe, present)
		for p := range probe {
			consumed[p] = true
		}
	}
	body := mapping()
	c.fields(body, k.Fields, cls, vars, "", consumed, path)
	// A property no field holds (newer than the catalogue, or a value its
	// field cannot express) is left to properties: (see verify).
	m := mapping()
	c.common(m, s, cls, true)
	if k.Shorthand != "" && len(body.Content) == 2 && body.Content[0].Value == k.Shorthand && body.Content[1].Kind == yaml.ScalarNode {
		add(m, k.Key, body.Content[1])
	} else if len(k.Fields) == 0 {
		add(m, k.Key, flow(mapping()))
	} else {
		add(m, k.Key, body)
	}
	return m
}

func (c *Converter) fields(body *yaml.Node, fields []config.Field, cls *model.Class, vars map[string]string, prefix string, consumed map[string]bool, path string) {
	for _, f := range fields {
		prop := prefix + f.Prop
		if f.Type == config.TObject {
			sub := flow(mapping())
			c.fields(sub, f.Sub, cls, vars, prefix, consumed, path)
			if len(sub.Content) > 0 {
				add(body, f.YAML, sub)
			}
			continue
		}
		v, ok := vars[prop]
		if !ok {
			continue
		}
		if consumed[prop] && f.Type != config.TApps {
			continue // already written by an earlier field for the same property
		}
		consumed[prop] = true
		if prefix == "" && f.Default != "" && v == f.Default && f.Type != config.TRef {
			continue
		}
		if p := cls.Prop(prop); p != nil && p.Default != nil && *p.Default == v && prefix == "" {
			continue
		}
		if f.Type == config.TApps && v == "" {
			continue // no applications: the base-variable form
		}
		n := c.value(f, cls, prop, v, vars, consumed, path)
		if n == nil {
			delete(consumed, prop)
			continue
		}
		add(body, f.YAML, n)
	}
}

func (c *Converter) value(f config.Field, cls *model.Class, prop, v string, vars map[string]string, consumed map[string]bool, path string) *yaml.Node {
	switch f.Type {
	case config.TString:
		return str(v)
	case config.TBool:
		b, err := strconv.ParseBool(v)
		if err != nil || (v != "true" && v != "false") {
			return nil
		}
		return boolean(b)
	case config.TInt:
		n, err := strconv.Atoi(v)
		if err != nil || strconv.Itoa(n) != v {
			return nil
		}
		return integer(n)
	case config.TEnum:
		for y, stored := range f.Map {
			if stored == v {
				return str(y)
			}
		}
		for _, e := range f.Enum {
			if e == v {
				if _, mapped := f.Map[e]; !mapped {
					return str(v)
				}
			}
		}
		return nil // a value newer than the typed form: properties: keeps it
	case config.TSecret:
		if v == "" && runsAsNoAccount(prop, vars) {
			return emptySecret()
		}
		return c.secret(path, f.YAML)
	case config.TRef:
		if v == "" {
			return str("") // none chosen yet
		}
		return c.ref(f.Ref, v, prop)
	case config.TRefList:
		listed := listedContent(lookupIn(vars))
		list := flow(seq())
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				list.Content = append(list.Content, c.refOr(f.Ref, id, prop, listed[strings.ToUpper(id)].name))
			}
		}
		return list
	case config.TScript:
		text, err := desired.DecodeScript(v)
		if err != nil {
			return nil
		}
		lf := strings.ReplaceAll(text, "\r\n", "\n")
		if desired.EncodeScript(strings.ReplaceAll(lf, "\n", "\r\n")) != v {
			return nil // scriptBase64 holds it
		}
		return str(lf)
	case config.TApps:
		listed := listedApps(lookupIn(vars))
		list := seq()
		for _, model := range strings.Split(v, ",") {
			if model = strings.TrimSpace(model); model == "" {
				continue
			}
			name, ok := listed[strings.ToLower(model)]
			if c.Names != nil {
				if n, known := c.Names.AppName(model); known {
					name, ok = n, true
				}
			}
			if ok && name != "" {
				claimed := claimApp(c.sh, strings.ToLower(name), model)
				c.record(op{kind: opClaimApp, a: strings.ToLower(name), b: model, ok: claimed})
				if claimed {
					list.Content = append(list.Content, str(name))
					continue
				}
			}
			c.note(&c.Report.IDs, "application %s", model)
			m := flow(mapping())
			add(m, "id", str(model))
			m.LineComment = "no name known for this application"
			list.Content = append(list.Content, m)
		}
		if len(list.Content) == 0 {
			return nil
		}
		return list
	case config.TArray:
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil
		}
		list := seq()
		for i := 0; i < n; i++ {
			el := flow(mapping())
			ep := prop + strconv.Itoa(i)
			for _, sub := range f.Sub {
				sv, ok := vars[ep+sub.Prop]
				if !ok {
					continue
				}
				consumed[ep+sub.Prop] = true
				if sub.Default != "" && sv == sub.Default {
					continue
				}
				node := c.value(sub, cls, ep+sub.Prop, sv, vars, consumed, path)
				if node == nil {
					delete(consumed, ep+sub.Prop)
					continue
				}
				add(el, sub.YAML, node)
			}
			list.Content = append(list.Content, el)
		}
		return list
	case config.TRules:
		return c.rules(v, path)
	}
	return nil
}

// rules converts a Set Dynamic Variables Rules document.
func (c *Converter) rules(doc, path string) *yaml.Node {
	root, err := model.ParseElem([]byte(doc))
	if err != nil || root.Name != "Rules" {
		return nil
	}
	list := seq()
	for _, r := range root.Children {
		if r.Name != "Rule" {
			return nil
		}
		rm := mapping()
		for _, part := range r.Children {
			switch part.Name {
			case "condition":
				add(rm, "condition", conditionNode(model.ReadTerms(part)))
			case "Variables":
				vars := mapping()
				for _, v := range part.Children {
					name, _ := v.Attr("Name")
					if sec, _ := v.Attr("IsSecret"); sec == "true" {
						add(vars, name, c.secret(path, name))
					} else {
						add(vars, name, str(v.Text))
					}
				}
				add(rm, "variables", vars)
			default:
				return nil
			}
		}
		list.Content = append(list.Content, rm)
	}
	return list
}

// verify builds the converted step back and compares it with the
// original. When only the step element's attributes differ, it writes
// them under attributes: (a value verbatim, null for one the original
// lacks) and checks again.
//
// For a typed form (typed), properties the form leaves out or adds are
// written under properties: (a value verbatim, null for one the original
// does not have), as long as the form made no other difference.
func (c *Converter) verify(n *yaml.Node, orig *model.Step, typed bool) bool {
	if len(c.placeholders) > 0 {
		defer c.canonicalEnv(n)()
	}
	got, v, k := c.firstCheck(n, orig)
	switch v {
	case notBuilt:
		return false
	case storesOrig:
		return c.refusalOf(n, k) == ""
	case buildsOther:
		changed := attributeOverrides(n, orig, got)
		if typed {
			ok, added := propertyOverrides(n, orig, got)
			if !ok {
				return false
			}
			changed = changed || added
		}
		if !changed {
			return false
		}
		if got = c.build(n); got == nil || !c.same(orig, got) {
			return false
		}
	}
	return c.validates(n)
}

// propertyOverrides adds to the typed step node n a properties: mapping
// that makes the built step's variables those of orig: null for a property
// orig lacks, the value for one the typed form did not write. It refuses
// (ok false) when the form wrote a property orig has with another value,
// or under another variable name or hidden flag: that is a difference the
// typed form itself makes, which the action form avoids.
func propertyOverrides(n *yaml.Node, orig, got *model.Step) (ok, added bool) {
	shape := func(s *model.Step) map[string]model.Variable {
		x := &model.Sequence{Steps: []*model.Step{s.Clone()}}
		model.BlankSecrets(x)
		out := map[string]model.Variable{}
		for _, v := range x.Steps[0].Vars {
			out[v.Property] = v
		}
		return out
	}
	want, have := shape(orig), shape(got)
	cls := model.Lookup(orig.Type)
	derivedValue := func(prop string) bool { // values the site fills in (see model.Identical)
		if cls == nil {
			return false
		}
		if p := cls.Prop(prop); p != nil {
			return p.Derived && orig.Kind == model.KindSubSequence
		}
		a, _, field, isArray := cls.ArrayOf(prop)
		return isArray && a.Name == "PackageInfo" && field == "Size"
	}
	props := flow(mapping())
	var names []string
	if cls == nil {
		return false, false
	}
	for p, w := range want {
		h, ok := have[p]
		switch {
		case !ok:
			names = append(names, p)
		case h.Name != w.Name || h.Hidden != w.Hidden:
			return false, false
		case h.Value != w.Value && !derivedValue(p):
			return false, false
		}
	}
	for p := range have {
		if _, ok := want[p]; !ok {
			names = append(names, p)
		}
	}
	if len(names) == 0 {
		return true, false
	}
	sort.Strings(names)
	for _, p := range names {
		if w, ok := want[p]; ok {
			if cls.Prop(p) == nil {
				if _, _, _, isArray := cls.ArrayOf(p); !isArray && w.Name != p {
					return false, false // an uncatalogued property under another variable name
				}
			}
			v, _ := orig.Var(p)
			if pr := cls.Prop(p); pr != nil && pr.MayHoldSecret() && v != "" {
				return false, false // a secret never goes into YAML
			}
			add(props, p, str(v))
		} else {
			add(props, p, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"})
		}
	}
	setKey(n, "properties", props)
	return true, true
}

// validates reports whether a converted step passes everything tsctl
// validate checks, schema included, as the only step of a sequence.
func (c *Converter) validates(step *yaml.Node) bool { return c.refusal(step) == "" }

// refusal is what tsctl validate says first against a converted step as
// the only step of a sequence, or "" when it accepts it. The answer
// depends on the step's YAML alone, and is remembered by what the YAML
// is written from (nodeKey): sequences exported from one site repeat most
// of their steps, and a remembered answer costs no YAML at all.
//
// The env names secret wrote are checked as SECRET_1, SECRET_2, … in the
// order they appear in the step: validate reads an {env: NAME} only to
// check that NAME is a variable name (checkEnvName and the schema's
// minLength), which every name secret writes is, so the answer is the
// same for any of them; each step's placeholder is a name of its own,
// which would otherwise make every step holding a secret one to check.
func (c *Converter) refusal(step *yaml.Node) string {
	if len(c.placeholders) > 0 {
		defer c.canonicalEnv(step)()
	}
	key, keyed := nodeKey(c.keyBuf[:0], step)
	if keyed {
		c.keyBuf = key
	}
	return c.refusalByKey(step, key, keyed)
}

// refusalOf is refusal of the node verify's first check keyed as k (its
// placeholders canonical), taking the node's key from k: answered from the
// first check's memo when it held the answer, else worked out and told to
// it.
func (c *Converter) refusalOf(step *yaml.Node, k checkKey) string {
	if k.whyKnown {
		return k.why
	}
	why := c.refusalByKey(step, k.node, k.keyed)
	if k.keyed {
		c.buildMemo().setWhy(k.sum, why)
	}
	return why
}

// refusalByKey is refusal of step, its placeholders canonical, whose
// nodeKey is key (keyed false: it has none).
func (c *Converter) refusalByKey(step *yaml.Node, key []byte, keyed bool) string {
	if keyed {
		if why, ok := c.memo().get(key); ok {
			return why
		}
	}
	s := mapping()
	add(s, "name", str("convert"))
	add(s, "steps", seq(step))
	root := mapping()
	add(root, "sequences", seq(s))
	if keyed && acceptedAsTree(root) {
		if c.decided != nil {
			c.decided(root, "", true)
		}
		c.memo().put(key, "")
		return ""
	}
	b, err := yaml.Marshal(root)
	if err != nil {
		if c.decided != nil {
			c.decided(root, err.Error(), false)
		}
		return err.Error()
	}
	if !keyed {
		key = append([]byte("yaml:"), b...)
		if why, ok := c.memo().get(key); ok {
			return why
		}
	}
	why := refusalOfText(b)
	if c.decided != nil {
		c.decided(root, why, false)
	}
	c.memo().put(key, why)
	return why
}

// ownRefusal is what tsctl validate says first of a sequence's own
// properties, props holding them so far (its name, description,
// category, boot image), "" when it accepts them.
func ownRefusal(props *yaml.Node) string {
	own := mapping()
	own.Content = append(own.Content, props.Content...)
	add(own, "steps", seq())
	root := mapping()
	add(root, "sequences", seq(own))
	if acceptedAsTree(root) {
		return ""
	}
	b, err := yaml.Marshal(root)
	if err != nil {
		return err.Error()
	}
	return strings.TrimPrefix(refusalOfText(b), "sequences[0].")
}

// refusalOfText is what tsctl validate says first against the document b
// ("" when it accepts it).
func refusalOfText(b []byte) string {
	_, ds := config.Parse("convert.yaml", b)
	for _, d := range ds {
		if d.Severity == diag.Error {
			return d.Msg
		}
	}
	return ""
}

// acceptedAsTree reports whether tsctl validate accepts the document root
// is written as, deciding it on the tree itself (config.ParseTree)
// without writing and parsing its text: true when root reads back from
// its text as it is (writtenAsIs) and the checks find nothing at all.
// false says nothing: the text decides, and says what is wrong.
//
// validate's answer depends on what a node's text reads back as — its
// kind, tag, value and children — and on positions only in what it says
// of an error (where, and which of two comes first), so a tree that reads
// back as it is and draws no diagnostic is one whose text draws none.
// TestRefusalOnTreeIsRefusalOfText and FuzzRefusalOnTree hold it to the
// text's answer.
func acceptedAsTree(root *yaml.Node) bool {
	if !writtenAsIs(root) {
		return false
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	_, ds := config.ParseTree("convert.yaml", doc)
	return len(ds) == 0
}

// refusalMemo remembers refusal's answers by the key of the step checked
// (at most maxRefusals of them). An answer depends on the key alone, so
// the converters All runs at once share one: which of them asks first
// changes nothing but the time.
type refusalMemo struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *Converter) memo() *refusalMemo {
	if c.refusals == nil {
		c.refusals = &refusalMemo{m: map[string]string{}}
	}
	return c.refusals
}

func (r *refusalMemo) get(key []byte) (string, bool) {
	r.mu.Lock()
	why, ok := r.m[string(key)]
	r.mu.Unlock()
	return why, ok
}

func (r *refusalMemo) put(key []byte, why string) {
	r.mu.Lock()
	if len(r.m) < maxRefusals {
		r.m[string(key)] = why
	}
	r.mu.Unlock()
}

func (r *refusalMemo) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}

// canonicalEnv names the placeholders secret wrote into step SECRET_1,
// SECRET_2, … in order, and returns the function that restores them.
func (c *Converter) canonicalEnv(step *yaml.Node) (restore func()) {
	if c.canonical {
		return func() {} // verify renamed them already
	}
	c.canonical = true
	var nodes []*yaml.Node
	var names []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if c.placeholders[n] {
			nodes, names = append(nodes, n), append(names, n.Value)
			n.Value = "SECRET_" + strconv.Itoa(len(nodes))
		}
		for _, ch := range n.Content {
			walk(ch)
		}
	}
	walk(step)
	return func() {
		for i, n := range nodes {
			n.Value = names[i]
		}
		c.canonical = false
	}
}

// nodeKey appends to b a key of n holding everything yaml.v3 writes a node
// from (kind, style, tag, value, anchor, comments and content, each length-
// prefixed), so that two nodes with one key are written as the same YAML;
// false when n holds an alias, which it does not follow.
func nodeKey(b []byte, n *yaml.Node) ([]byte, bool) {
	if n.Alias != nil {
		return b, false
	}
	b = append(b, byte(n.Kind))
	b = binary.AppendUvarint(b, uint64(n.Style))
	for _, s := range [...]string{n.Tag, n.Value, n.Anchor, n.HeadComment, n.LineComment, n.FootComment} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(len(n.Content)))
	for _, c := range n.Content {
		var ok bool
		if b, ok = nodeKey(b, c); !ok {
			return b, false
		}
	}
	return b, true
}

// maxRefusals bounds the steps whose refusal a Converter remembers.
const maxRefusals = 20_000

// verifyGroup checks a converted group's own element: its name,
// description and attributes (its steps were checked one by one). It is
// verify's first check and validation of the group with no steps against
// the group's own element, remembered as a step's are (firstCheck).
func (c *Converter) verifyGroup(n *yaml.Node, orig *model.Step) bool {
	own := *orig
	own.Steps = nil
	probe := func() *yaml.Node {
		m := mapping()
		m.Content = append(m.Content, n.Content...)
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == "steps" {
				m.Content[i+1] = seq()
			}
		}
		return m
	}
	m := probe()
	restore := func() {}
	if len(c.placeholders) > 0 {
		restore = c.canonicalEnv(m)
	}
	got, v, k := c.firstCheck(m, &own)
	why := ""
	if v == storesOrig {
		why = c.refusalOf(m, k)
	}
	restore()
	switch v {
	case notBuilt:
		return false
	case storesOrig:
		return why == ""
	}
	if !attributeOverrides(n, orig, got) {
		return false
	}
	m = probe()
	if got = c.build(m); got == nil || !Same(&own, got) {
		return false
	}
	return c.validates(m)
}

// build decodes a converted step node and builds it as apply would.
func (c *Converter) build(n *yaml.Node) *model.Step { return c.buildWith(n, nil) }

// buildWith is build noting in log, when not nil, the queries whose answer
// depends on state, with their answers (see buildMemo).
func (c *Converter) buildWith(n *yaml.Node, log *[]resolverQuery) *model.Step {
	st, ds := config.DecodeStep("convert.yaml", n)
	if st == nil || ds.HasErrors() {
		return nil
	}
	var r desired.Resolver = verifyResolver{c}
	if log != nil {
		r = recordingResolver{verifyResolver{c}, log}
	}
	got, bds := (&desired.Builder{R: r}).Step(st)
	if got == nil || bds.HasErrors() {
		return nil
	}
	return got
}

// attributeOverrides adds to the step node n an attributes: mapping that
// makes the built step's element attributes those of orig, and reports
// whether there was anything to add.
func attributeOverrides(n *yaml.Node, orig, got *model.Step) bool {
	added := false
	if orig.Kind != model.KindGroup && !sameLayout(orig, got) && orig.Layout != nil {
		l := flow(seq())
		for _, el := range orig.Layout {
			l.Content = append(l.Content, str(el))
		}
		setKey(n, "layout", l)
		added = true
	}
	want, have := orig.Attrs(), got.Attrs()
	var names []string
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			names = append(names, k)
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return added
	}
	sort.Strings(names)
	attrs := flow(mapping())
	for _, k := range names {
		if v, ok := want[k]; ok {
			add(attrs, k, str(v))
		} else {
			add(attrs, k, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"})
		}
	}
	setKey(n, "attributes", attrs)
	return true
}

// setKey sets key: v in the step node n, replacing the value it has or
// adding it before the last key.
func setKey(n *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content[i+1] = v
			return
		}
	}
	insertBeforeLast(n, key, v)
}

// insertBeforeLast adds key: v to the mapping n before its last key (the
// step's kind, or a group's steps), which reads best last.
func insertBeforeLast(n *yaml.Node, key string, v *yaml.Node) {
	at := len(n.Content) - 2
	if at < 0 {
		at = 0
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	n.Content = append(n.Content[:at], append([]*yaml.Node{k, v}, n.Content[at:]...)...)
}

// sameLayout reports whether two steps order their child elements alike.
func sameLayout(a, b *model.Step) bool {
	return slices.Equal(a.EffectiveLayout(), b.EffectiveLayout())
}

// Same reports whether a site given a and a site given b store the same
// step (model.IdenticalSteps): nothing filled in, nothing reordered.
func Same(a, b *model.Step) bool { return model.IdenticalSteps(a, b) }

// same is Same(orig, got), with what a site stores of orig worked out once
// for the forms tried for it (steps are not changed while converted).
func (c *Converter) same(orig, got *model.Step) bool {
	if c.shapeOf != orig {
		c.shape, c.shapeOf = model.ShapeOf(orig), orig
	}
	return c.shape.Stores(got)
}

// verifyResolver resolves the names the converter handed out back to IDs.
type verifyResolver struct{ c *Converter }

func (v verifyResolver) ID(kind object.Kind, name string) (string, error) {
	k := refKey{kind, strings.ToLower(name)}
	id, ok := v.c.sh.reverseID(k)
	v.c.record(op{kind: opResolveName, key: k, got: id, ok: ok})
	if ok {
		return id, nil
	}
	return "", fmt.Errorf("unknown %s %q", kind, name)
}
func (verifyResolver) Program(string, string) error { return nil }
func (v verifyResolver) Application(name string) (string, string, error) {
	m, ok := v.c.sh.app(strings.ToLower(name))
	v.c.record(op{kind: opResolveApp, a: strings.ToLower(name), got: m, ok: ok})
	if ok {
		return m, name, nil
	}
	return "", "", fmt.Errorf("unknown application %q", name)
}
func (verifyResolver) Secret(config.Secret) (string, error) { return "", nil }

// AppDisplayName is what the site will list for an application given by
// model name: the display name the step being converted lists for it.
func (v verifyResolver) AppDisplayName(model string) (string, bool) {
	d, ok := v.c.appsListed[strings.ToLower(model)]
	return d, ok
}

// DescribeContent describes what a download step names as apply will:
// by the name and package type the step being converted lists for it, or
// else by the name handed out and the kind of object it was named as. It
// always answers, so a step whose own list is missing or differs is not
// mistaken for one the typed form rebuilds.
func (v verifyResolver) DescribeContent(name, id string) (desired.ContentInfo, bool) {
	if l, ok := v.c.listed[strings.ToUpper(id)]; ok && l.name != "" {
		return desired.ContentInfo{Name: l.name, Kind: l.kind}, true
	}
	info := describeSeen(v.c.sh, name, id)
	v.c.record(op{kind: opDescribe, a: name, b: id, info: info})
	return info, true
}
func (verifyResolver) CheckID(object.Kind, string) error { return nil }

// Document renders converted sequences as one YAML file: the text
// yaml.v3's encoder writes (indenting by 2), by internal/yamlwrite when it
// handles every node, as it does every node convert builds, else by
// yaml.v3 itself.
func Document(header string, seqs []*yaml.Node) ([]byte, error) {
	root := documentRoot(seqs)
	if b, ok := yamlwrite.Document(header, root); ok {
		return b, nil
	}
	return encodeYAML(header, root)
}

// documentRoot is the root of the document of seqs, its comments where
// Document writes them (hoistFlowComments).
func documentRoot(seqs []*yaml.Node) *yaml.Node {
	root := mapping()
	add(root, "sequences", seq(seqs...))
	hoistFlowComments(root, false)
	return root
}

// encodeYAML is the text yaml.v3's encoder, indenting by 2, writes for the
// document of root with header as its comment.
func encodeYAML(header string, root *yaml.Node) ([]byte, error) {
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}, HeadComment: header}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Encode writes one converted sequence as the text of its item in a
// document's sequences: list, so that a large conversion keeps text rather
// than YAML nodes: Join(header, items) is Document(header, seqs).
func Encode(seqNode *yaml.Node) ([]byte, error) {
	b, err := Document("", []*yaml.Node{seqNode})
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte(sequencesKey)) {
		return nil, fmt.Errorf("encode sequence: unexpected document %.40q", b)
	}
	return b[len(sequencesKey):], nil
}

const sequencesKey = "sequences:\n"

// Join makes the document of the sequences Encode wrote, with header as
// its comment.
func Join(header string, items [][]byte) ([]byte, error) {
	b, err := Document(header, []*yaml.Node{mapping()})
	if err != nil {
		return nil, err
	}
	prefix := []byte(sequencesKey)
	if !bytes.HasPrefix(b, prefix) {
		i := bytes.Index(b, []byte("\n"+sequencesKey))
		if i < 0 {
			return nil, fmt.Errorf("join sequences: unexpected document %.40q", b)
		}
		prefix = b[:i+1+len(sequencesKey)]
	}
	n := len(prefix)
	for _, it := range items {
		n += len(it)
	}
	out := make([]byte, 0, n)
	out = append(out, prefix...)
	for _, it := range items {
		out = append(out, it...)
	}
	return out, nil
}

// hoistFlowComments moves the comments of nodes inside a flow collection
// to the outermost flow collection, which ends a line: a comment inside
// {…} or […] ends the line in the middle of the collection, which strict
// YAML 1.2 parsers refuse.
func hoistFlowComments(n *yaml.Node, inFlow bool) []string {
	var notes []string
	if inFlow {
		for _, c := range []*string{&n.LineComment, &n.HeadComment, &n.FootComment} {
			if *c != "" {
				notes = append(notes, strings.TrimPrefix(*c, "# "))
				*c = ""
			}
		}
	}
	flowHere := n.Style&yaml.FlowStyle != 0 && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode)
	for _, c := range n.Content {
		if c.Kind == yaml.ScalarNode && len(c.Content) == 0 && (!inFlow && !flowHere || c.LineComment == "" && c.HeadComment == "" && c.FootComment == "") {
			continue // a scalar with no comment to hoist, nor content: it leaves everything as it is
		}
		notes = append(notes, hoistFlowComments(c, inFlow || flowHere)...)
	}
	if flowHere && !inFlow {
		if n.LineComment != "" {
			notes = append([]string{strings.TrimPrefix(n.LineComment, "# ")}, notes...)
		}
		n.LineComment = strings.Join(notes, "; ")
		return nil
	}
	return notes
}

// Sorted returns a copy of list sorted, for stable warnings.
func Sorted(list []string) []string {
	out := append([]string(nil), list...)
	sort.Strings(out)
	return out
}
