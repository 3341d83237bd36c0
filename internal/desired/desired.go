package desired

import (
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
)

// Pending is the value of an ID not known until apply creates the object.
const Pending = "(known after apply)"

// Resolver maps names to site identifiers.
type Resolver interface {
	// ID returns the PackageID of the object of kind named name, or Pending.
	ID(kind object.Kind, name string) (string, error)
	// Program checks that the package named pkg has program prog.
	Program(pkg, prog string) error
	// Application returns an application's model name and display name.
	Application(name string) (model, display string, err error)
	// Secret returns a secret's value; nil Resolver-side support means
	// planning, where secrets are not read.
	Secret(s config.Secret) (string, error)
	// CheckID checks a reference given by ID rather than by name.
	CheckID(kind object.Kind, id string) error
}

// ContentInfo describes an object a download step names, as the console
// lists it with the step (the PackageInfo array).
type ContentInfo struct {
	Name   string
	Kind   object.Kind // a kind with content; its PackageType is written
	SizeKB int64       // SourceSize; 0 when not known yet
}

// ContentDescriber is implemented by resolvers that can describe the
// objects a download step names (name as written, "" for {id}; id as
// resolved, or Pending). A builder whose resolver lacks it leaves the
// PackageInfo list out; it is derived, so plans never compare it.
type ContentDescriber interface {
	DescribeContent(name, id string) (ContentInfo, bool)
}

// AppDescriber is implemented by resolvers that can tell the display name
// of an application given by model name ({id: …}), which the console lists
// with an Install Application step (AppInfo) however it is referenced.
type AppDescriber interface {
	AppDisplayName(model string) (string, bool)
}

// Builder builds sequences for one resolver.
type Builder struct {
	R Resolver
}

// Sequence builds the task sequence XML model of s.
func (b *Builder) Sequence(s *config.Sequence) (*model.Sequence, diag.List) {
	return b.SequenceOf(s, s.Steps())
}

// SequenceOf is Sequence with s's steps given: those s.Steps returned,
// for a caller that reads them too (each call of s.Steps decodes them).
func (b *Builder) SequenceOf(s *config.Sequence, steps []*config.Step) (*model.Sequence, diag.List) {
	var ds diag.List
	q := &model.Sequence{Version: model.SchemaVersion}
	for _, g := range s.GlobalVars {
		q.GlobalVars = append(q.GlobalVars, model.Variable{Name: g.Name, Property: g.Property, Value: g.Value})
	}
	for _, a := range s.Attributes {
		q.Attrs = append(q.Attrs, model.Attr{Name: a.Name, Value: a.Value})
	}
	q.Steps = b.steps(steps, &ds)
	return q, ds
}

// Step builds one step (and, for a group, its children).
func (b *Builder) Step(st *config.Step) (*model.Step, diag.List) {
	var ds diag.List
	x := b.step(st, &ds)
	return x, ds
}

func (b *Builder) steps(in []*config.Step, ds *diag.List) []*model.Step {
	var out []*model.Step
	for _, st := range in {
		if x := b.step(st, ds); x != nil {
			out = append(out, x)
		}
	}
	return out
}

type stepBuilder struct {
	b   *Builder
	st  *config.Step
	x   *model.Step
	cls *model.Class
	ds  *diag.List
}

// set stores a property value using the catalogue's variable name.
func (sb *stepBuilder) set(prop, value string) {
	v := model.Variable{Name: prop, Property: prop, Value: value}
	if sb.cls != nil {
		if p := sb.cls.Prop(prop); p != nil {
			v.Name, v.Hidden = p.Var, p.Hidden
		} else if a, idx, field, ok := sb.cls.ArrayOf(prop); ok {
			v.Name = a.Var + strconv.Itoa(idx) + field
		}
	}
	sb.x.SetVar(v)
}

func (sb *stepBuilder) ref(kind object.Kind, name, key string) string {
	id, err := sb.b.R.ID(kind, name)
	if err != nil {
		sb.ds.AddErr(sb.st.At(key), err)
		return ""
	}
	return id
}

func (sb *stepBuilder) secret(s *config.Secret, key string) string {
	if s == nil {
		return ""
	}
	s.Dir = sb.st.SecretDir()
	s.Pos.File = sb.st.File
	v, err := sb.b.R.Secret(*s)
	if err != nil {
		at := sb.st.At(key)
		if s.Pos.Line > 0 {
			at = s.Pos
		}
		sb.ds.AddErr(at, err)
	}
	return v
}

func (b *Builder) step(st *config.Step, ds *diag.List) *model.Step {
	if st.Kind == "xml" {
		x, err := model.ParseStep([]byte(st.Body().Value))
		if err != nil {
			ds.Add(st.At(""), "step xml: %v", err)
			return nil
		}
		return x
	}
	x := &model.Step{Name: st.Name, Description: st.Description, Disabled: !st.Enabled, ContinueOnError: st.ContinueOnError}
	if st.HasCondition() {
		terms, err := config.ConditionTerms(st.Condition())
		if err != nil {
			ds.Add(st.Pos, "%v", err)
		}
		x.Condition = &model.Elem{Name: "condition", Children: model.TermElems(terms)}
	}
	if st.Kind == "group" {
		x.Kind = model.KindGroup
		x.Steps = b.steps(st.Steps, ds)
		applyAttributes(x, st.Attributes)
		return x
	}
	if st.RunIn != "" {
		x.RunIn = model.Str(st.RunIn)
	}
	if st.TimeoutSeconds > 0 {
		x.Timeout = model.Str(strconv.Itoa(st.TimeoutSeconds))
	}
	sb := &stepBuilder{b: b, st: st, x: x, ds: ds}
	class := ClassOf(st.Kind)
	if st.Kind == "action" {
		var a config.Action
		if err := st.DecodeBody(&a); err != nil {
			ds.Add(st.Pos, "%v", err)
			return nil
		}
		class = a.Type
	}
	x.Type = class
	sb.cls = model.Lookup(class)
	if sb.cls != nil && sb.cls.Element == "subtasksequence" {
		x.Kind = model.KindSubSequence
		x.RunIn = nil
	}
	if err := sb.body(); err != nil {
		ds.Add(st.Pos, "%v", err)
		return nil
	}
	codes := ""
	if len(st.SuccessCodes) > 0 {
		parts := make([]string, len(st.SuccessCodes))
		for i, c := range st.SuccessCodes {
			parts[i] = strconv.Itoa(c)
		}
		codes = strings.Join(parts, " ")
	}
	if codes != "" {
		if sb.cls != nil && sb.cls.SuccessCodesProp != "" {
			sb.set(sb.cls.SuccessCodesProp, codes)
		} else {
			x.SuccessCodes = model.Str(codes)
		}
	}
	if st.RetryCount != nil {
		n := strconv.Itoa(*st.RetryCount)
		if sb.cls != nil && sb.cls.Prop("RetryCount") != nil {
			sb.set("RetryCount", n)
		} else {
			x.RetryCount = model.Str(n)
		}
	}
	model.Complete(x, st.Kind != "action")
	// properties: adds what the typed form does not write, or leaves out
	// (null) what it does; it never overrides a value the form writes, which
	// would store another step than the fields say, unseen by any plan.
	for _, p := range st.Properties {
		if p.Absent {
			x.Vars = slices.DeleteFunc(x.Vars, func(v model.Variable) bool { return v.Property == p.Name })
			continue
		}
		if v, ok := x.Var(p.Name); ok && v != p.Value {
			writes := fmt.Sprintf(", which writes %q", v)
			if cp := propOf(sb.cls, p.Name); cp != nil && cp.MayHoldSecret() {
				writes = "" // what it writes may hold a secret
			}
			ds.AddHint(p.Pos, "give the value with the step's own fields (or leave the property out of properties:)",
				"properties: %s contradicts the %s step%s", p.Name, st.Kind, writes)
			continue
		}
		sb.set(p.Name, p.Value)
	}
	applyAttributes(x, st.Attributes)
	if st.Layout != nil {
		x.Layout = append([]string{}, st.Layout...)
	}
	return x
}

// applyAttributes sets the step element's attributes as the configuration
// writes them under attributes:, over what the options made: a value is the
// attribute verbatim, a null leaves the attribute out.
func applyAttributes(x *model.Step, attrs []config.Attribute) {
	for _, a := range attrs {
		var ptr **string
		switch a.Name {
		case "runIn":
			ptr = &x.RunIn
		case "successCodeList":
			ptr = &x.SuccessCodes
		case "retryCount":
			ptr = &x.RetryCount
		case "runFromNet":
			ptr = &x.RunFromNet
		case "timeout":
			ptr = &x.Timeout
		}
		if ptr != nil {
			*ptr = nil
			if !a.Absent {
				*ptr = model.Str(a.Value)
			}
			continue
		}
		kept := x.Extra[:0]
		for _, e := range x.Extra {
			if e.Name != a.Name {
				kept = append(kept, e)
			}
		}
		x.Extra = kept
		switch a.Name {
		case "disable":
			x.Disabled = false
		case "continueOnError":
			x.ContinueOnError = false
		}
		if !a.Absent {
			x.Extra = append(x.Extra, model.Attr{Name: a.Name, Value: a.Value})
		}
	}
	x.SettleFlags()
}

// ClassOf returns the step class of a typed step kind.
func ClassOf(kind string) string {
	if k := config.KindOf(kind); k != nil {
		return k.Class
	}
	return ""
}

func (sb *stepBuilder) body() error {
	st := sb.st
	if st.Kind == "action" {
		var a config.Action
		if err := st.DecodeBody(&a); err != nil {
			return err
		}
		if a.Command != nil {
			sb.x.Action = model.Str(*a.Command)
		}
		for _, v := range a.Variables {
			val := v.Value
			if v.Secret != nil {
				val = sb.secret(v.Secret, "variables")
			}
			if a.ByProp {
				sb.set(v.Property, val)
			} else {
				sb.x.Vars = append(sb.x.Vars, model.Variable{Name: v.Name, Property: v.Property, Hidden: v.Hidden, Value: val})
			}
		}
		return nil
	}
	k := config.KindOf(st.Kind)
	if k == nil {
		return fmt.Errorf("unknown step kind %q", st.Kind)
	}
	body := st.Body()
	props, present := map[string]string{}, map[string]bool{}
	if body.Kind == yaml.ScalarNode {
		if k.Shorthand == "" {
			if body.ShortTag() != "!!null" {
				return fmt.Errorf("%s takes a mapping", st.Kind)
			}
		} else {
			for _, fl := range k.Fields {
				if fl.YAML == k.Shorthand {
					sb.field(fl, body, fl.Prop, props, present)
				}
			}
		}
	} else {
		sb.fields(k.Fields, body, "", props, present)
	}
	for _, fl := range k.Fields {
		if fl.Default != "" && !present[fl.Prop] && fl.Type != config.TObject && fl.Type != config.TArray {
			if fl.Type == config.TRef {
				props[fl.Prop], present[fl.Prop] = sb.ref(fl.Ref, fl.Default, ""), true
			} else {
				props[fl.Prop], present[fl.Prop] = fl.Default, true
			}
		}
	}
	if k.Derive != nil {
		k.Derive(props, present)
	}
	if st.Kind == "installPackage" {
		if pkg, prog := config.Lookup(body, "package"), config.Lookup(body, "program"); pkg != nil && pkg.Kind == yaml.ScalarNode && prog != nil {
			if err := sb.b.R.Program(pkg.Value, prog.Value); err != nil {
				sb.ds.AddErr(st.At("program"), err)
			}
		}
	}
	keys := make([]string, 0, len(props))
	for p := range props {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	for _, p := range keys {
		sb.set(p, props[p])
	}
	return nil
}

// fields applies the fields of a mapping node; prefix is prepended to
// property names (array elements).
func (sb *stepBuilder) fields(fs []config.Field, m *config.Node, prefix string, props map[string]string, present map[string]bool) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		key, v := m.Content[i].Value, m.Content[i+1]
		for _, fl := range fs {
			if fl.YAML == key {
				sb.field(fl, v, prefix+fl.Prop, props, present)
			}
		}
	}
}

func (sb *stepBuilder) field(fl config.Field, v *config.Node, prop string, props map[string]string, present map[string]bool) {
	put := func(val string) { props[prop], present[prop] = val, true }
	switch fl.Type {
	case config.TString:
		put(v.Value)
	case config.TInt:
		// Stored in decimal, however the file writes it (0x10, 1_000).
		if n, ok := v.Int(); ok {
			put(strconv.FormatInt(n, 10))
		} else {
			put(v.Value)
		}
	case config.TBool:
		b, _ := strconv.ParseBool(v.Value)
		put(strconv.FormatBool(b))
	case config.TEnum:
		if m, ok := fl.Map[v.Value]; ok {
			put(m)
		} else {
			put(v.Value)
		}
	case config.TSecret:
		var s config.Secret
		if err := v.Decode(&s); err != nil {
			sb.ds.AddErr(sb.pos(v), err)
			return
		}
		put(sb.secret(&s, fl.YAML))
	case config.TRef:
		put(sb.refNode(fl.Ref, v))
	case config.TRefList:
		var ids []string
		for _, c := range v.Content {
			ids = append(ids, sb.refNode(fl.Ref, c))
		}
		put(strings.Join(ids, ","))
		if fl.Ref == object.Content {
			sb.packageInfo(v, ids, props)
		}
	case config.TScript:
		put(EncodeScript(crlf(v.Value)))
	case config.TApps:
		var models []string
		for i, c := range v.Content {
			model, display := "", ""
			if id := config.Lookup(c, "id"); id != nil {
				model = id.Value
				if d, ok := sb.b.R.(AppDescriber); ok {
					display, _ = d.AppDisplayName(model)
				}
			} else {
				var err error
				if model, display, err = sb.b.R.Application(c.Value); err != nil {
					sb.ds.AddErr(sb.pos(c), err)
					continue
				}
			}
			models = append(models, model)
			props[fmt.Sprintf("AppInfo%dName", i)] = model
			if display != "" {
				props[fmt.Sprintf("AppInfo%dDisplayName", i)] = display
			}
		}
		put(strings.Join(models, ","))
		props["AppInfo"] = strconv.Itoa(len(v.Content))
		props["NumApps"] = strconv.Itoa(len(v.Content))
	case config.TObject:
		sb.fields(fl.Sub, v, strings.TrimSuffix(prop, fl.Prop), props, present)
	case config.TArray:
		for i, el := range v.Content {
			ep := prop + strconv.Itoa(i)
			sb.fields(fl.Sub, el, ep, props, present)
			for _, sub := range fl.Sub {
				if sub.Default != "" && !present[ep+sub.Prop] {
					props[ep+sub.Prop] = sub.Default
				}
			}
		}
		put(strconv.Itoa(len(v.Content)))
	case config.TRules:
		put(sb.rules(v))
	}
}

// packageInfo fills what the console keeps beside a download list: the
// count (NumPackages) and, per object, its name, PackageID, type and size
// (the PackageInfo array), when the resolver can describe every object.
func (sb *stepBuilder) packageInfo(list *config.Node, ids []string, props map[string]string) {
	d, ok := sb.b.R.(ContentDescriber)
	if !ok || len(ids) == 0 {
		return
	}
	infos := make([]ContentInfo, len(ids))
	for i, c := range list.Content {
		name := c.Value
		if config.Lookup(c, "id") != nil {
			name = ""
		}
		if infos[i], ok = d.DescribeContent(name, ids[i]); !ok {
			return
		}
	}
	n := strconv.Itoa(len(ids))
	props["NumPackages"], props["PackageInfo"] = n, n
	for i, in := range infos {
		p := "PackageInfo" + strconv.Itoa(i)
		props[p+"Name"] = in.Name
		props[p+"PackageId"] = ids[i]
		t, _ := in.Kind.PackageType() // 0, a package, for a kind not known
		props[p+"PkgType"] = strconv.Itoa(t)
		props[p+"Size"] = strconv.FormatInt(in.SizeKB, 10)
	}
}

func (sb *stepBuilder) pos(n *config.Node) diag.Pos {
	return diag.Pos{File: sb.st.File, Line: n.Line, Col: n.Column}
}

// refNode resolves a reference written as a name or as {id: PackageID}.
func (sb *stepBuilder) refNode(kind object.Kind, v *config.Node) string {
	if id := config.Lookup(v, "id"); id != nil {
		if err := sb.b.R.CheckID(kind, id.Value); err != nil {
			sb.ds.AddErr(sb.pos(id), err)
		}
		return id.Value
	}
	if v.Kind == yaml.ScalarNode && v.Value == "" {
		return "" // none chosen yet: stored as an empty property
	}
	id, err := sb.b.R.ID(kind, v.Value)
	if err != nil {
		sb.ds.AddErr(sb.pos(v), err)
	}
	return id
}

// crlf gives a script Windows line ends, as the console stores them.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// EncodeScript stores an inline PowerShell script the way the console
// does: Base64 of UTF-16LE text with a byte-order mark.
func EncodeScript(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2+2*len(u))
	b[0], b[1] = 0xFF, 0xFE
	for i, c := range u {
		b[2+2*i], b[3+2*i] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// DecodeScript reverses EncodeScript.
func DecodeScript(enc string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", err
	}
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xFE || len(b)%2 != 0 {
		return "", fmt.Errorf("not UTF-16LE text with a byte-order mark")
	}
	u := make([]uint16, (len(b)-2)/2)
	for i := range u {
		u[i] = uint16(b[2+2*i]) | uint16(b[3+2*i])<<8
	}
	return string(utf16.Decode(u)), nil
}

// Package is a package-class object the configuration declares.
type Package struct {
	Config   *config.Package
	Class    string
	Props    map[string]string // writable properties tsctl manages
	Programs []Program
}

// Program is an SMS_Program of a package: its command line and comment.
// Its flags and other settings (installFromTaskSequence, runAs…) are
// settings the engine compares and writes bit by bit.
type Program struct {
	Name  string
	Props map[string]string
}

// DefaultProgramFlags is the ProgramFlags of a new SMS_Program as
// Microsoft's class reference gives its defaults: EVERYUSER, USEUNCPATH,
// USERCONTEXT and UNATTENDED. A program created with settings stored in
// ProgramFlags (installFromTaskSequence: true, runAs…) is created with
// these, changed by those settings.
const DefaultProgramFlags = 0x00010000 | 0x00100000 | 0x00004000 | 0x00002000

// PackageOf builds the desired properties of a declared package.
func PackageOf(p *config.Package) *Package {
	d := &Package{Config: p, Class: p.Type.Class(), Props: map[string]string{
		"Name": p.Name, "Description": p.Description, "PkgSourcePath": p.SourcePath, "Version": p.Version,
	}}
	if p.Type == object.Package {
		d.Props["Manufacturer"] = p.Manufacturer
		d.Props["Language"] = p.Language
	}
	for _, pr := range p.Programs {
		d.Programs = append(d.Programs, Program{Name: pr.Name, Props: map[string]string{"CommandLine": pr.CommandLine, "Comment": pr.Comment}})
	}
	return d
}

// SequenceProps are the SMS_TaskSequencePackage properties tsctl manages,
// with the boot image already resolved to its PackageID.
func SequenceProps(s *config.Sequence, bootImageID string) map[string]string {
	return map[string]string{
		"Name": s.Name, "Description": s.Description, "Category": s.Category,
		"BootImageID": bootImageID, "Duration": strconv.Itoa(s.MaxRunTime),
	}
}

func propOf(cls *model.Class, name string) *model.Prop {
	if cls == nil {
		return nil
	}
	return cls.Prop(name)
}
