package convert

import (
	"sort"
	"strconv"
	"strings"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
)

// Stub is an object an export references: what a site must hold, under the
// same ID and name, for the exported sequences to apply to it.
type Stub struct {
	Kind        object.Kind // a package kind, or object.Application
	ID          string      // PackageID, or an application's model name
	Name        string
	Description string
	Programs    []string
}

// Stubs lists the objects the export's sequences reference, named from
// ReferencesInfo where it has them, else from what the steps say (a Run
// Task Sequence step's TsName), else by ID. The sequences the export
// itself holds are stubs too, under their own IDs and names (with no
// steps): applying the converted sequences then updates them in place, so
// the IDs their parents run stay those of the export.
func Stubs(ex *exportfile.Export) []Stub {
	own := map[string]bool{}
	stubs := map[string]*Stub{}
	for _, s := range ex.Sequences {
		if s.PackageID != "" && s.Name != "" {
			own[s.PackageID] = true
			stubs[s.PackageID] = &Stub{Kind: object.Sequence, ID: s.PackageID, Name: s.Name, Description: s.Description}
		}
	}
	addPkg := func(kind object.Kind, id, name string) *Stub {
		if id == "" || own[id] {
			return nil
		}
		if st, ok := stubs[id]; ok {
			return st
		}
		st := &Stub{Kind: kind, ID: id, Name: id}
		if r, ok := ex.Refs[id]; ok {
			if k, ok := object.OfPackageType(r.Type); ok {
				st.Kind = k
			}
			if r.Name != "" {
				st.Name = r.Name
			}
			st.Description = r.Description
		} else if name != "" {
			st.Name = name
		}
		stubs[id] = st
		return st
	}
	for _, s := range ex.Sequences {
		if s.BootImageID != "" {
			addPkg(object.BootImage, s.BootImageID, "")
		}
		s.Sequence.Walk(func(_ string, step *model.Step) bool {
			cls := model.Lookup(step.Type)
			if cls == nil {
				return true
			}
			kind := config.KindForClass(step.Type)
			for _, v := range step.Vars {
				p := cls.Prop(v.Property)
				if p == nil || v.Value == "" {
					continue
				}
				switch {
				case p.Ref == object.Sequence || (p.Ref == object.Content && !p.RefList):
					rk := refKindOf(kind, v.Property)
					name := ""
					if p.Ref == object.Sequence {
						rk = object.Sequence
						if tn, ok := step.Var("TsName"); ok {
							if _, after, found := strings.Cut(tn, ", "); found {
								name = after
							}
						}
					}
					if st := addPkg(rk, v.Value, name); st != nil && v.Property == "PackageID" && step.Type == "SMS_TaskSequence_InstallSoftwareAction" {
						if prog, ok := step.Var("ProgramName"); ok && prog != "" && !contains(st.Programs, prog) {
							st.Programs = append(st.Programs, prog)
						}
					}
				case p.Ref == object.Content:
					listed := listedContent(step.Var)
					for _, id := range strings.Split(v.Value, ",") {
						id = strings.TrimSpace(id)
						l, ok := listed[strings.ToUpper(id)]
						if !ok {
							l.kind = object.Package
						}
						addPkg(l.kind, id, l.name)
					}
				case p.Ref == object.Application:
					names := listedApps(step.Var)
					for _, m := range strings.Split(v.Value, ",") {
						if m = strings.TrimSpace(m); m != "" && stubs[m] == nil {
							name := names[strings.ToLower(m)]
							if name == "" {
								name = m
							}
							stubs[m] = &Stub{Kind: object.Application, ID: m, Name: name}
						}
					}
				}
			}
			return true
		})
	}
	out := make([]Stub, 0, len(stubs))
	for _, st := range stubs {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

type listed struct {
	kind object.Kind
	name string
}

// listedContent reads what a download step lists of its packages (its
// PackageInfo array: name and PackageType by PackageID), by upper-case ID;
// get reads a step property.
func listedContent(get func(prop string) (string, bool)) map[string]listed {
	out := map[string]listed{}
	for i := 0; ; i++ {
		p := "PackageInfo" + strconv.Itoa(i)
		id, ok := get(p + "PackageId")
		if !ok {
			return out
		}
		l := listed{kind: object.Package}
		if pt, _ := get(p + "PkgType"); pt != "" {
			t, _ := strconv.Atoi(pt)
			if k, ok := object.OfPackageType(t); ok && object.Content.Accepts(k) {
				l.kind = k
			}
		}
		name, _ := get(p + "Name")
		l.name = strings.TrimSpace(name)
		out[strings.ToUpper(strings.TrimSpace(id))] = l
	}
}

// refKindOf returns the reference kind the typed form gives a property.
func refKindOf(k *config.Kind, prop string) object.Kind {
	if k != nil {
		var find func([]config.Field) object.Kind
		find = func(fs []config.Field) object.Kind {
			for _, f := range fs {
				if f.Prop == prop && f.Ref != object.None {
					return f.Ref
				}
				if r := find(f.Sub); r != object.None {
					return r
				}
			}
			return object.None
		}
		if r := find(k.Fields); r != object.None {
			return r
		}
	}
	return object.Package
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
