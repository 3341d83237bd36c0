package facade

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/tsctl/tsctl/internal/edm"
	"github.com/tsctl/tsctl/internal/jsonvalue"
	"github.com/tsctl/tsctl/internal/model"
)

// appendSteps writes a step tree as the service types
// SMS_TaskSequence.Steps (Collection(AdminService.SMS_TaskSequence_Step),
// abstract), straight to JSON: each element names its concrete class with
// @odata.type; groups hold their Steps, actions their
// SupportedEnvironment, Timeout and class properties. Conditions are left
// out: the façade does not model SMS_TaskSequence_Condition operands.
//
// The bytes are those jsonvalue writes for the same elements built as
// maps (members sorted by name; a variable whose property is named like
// a member before it replaces it, as a map's later key does): the
// encoding is the façade's one form of a sequence's Steps, which it
// compares with those a SetSequence brings back (sameEncoding).
func appendSteps(dst []byte, steps []*model.Step) []byte {
	var members []stepMember
	dst = append(dst, '[')
	for i, st := range steps {
		if i > 0 {
			dst = append(dst, ',')
		}
		class := st.Type
		if st.Kind == model.KindGroup {
			class = "SMS_TaskSequence_Group"
		}
		members = append(members[:0],
			stepMember{key: "@odata.type", str: edm.TypePrefix + class},
			stepMember{key: "Name", str: st.Name},
			stepMember{key: "Description", str: st.Description},
			stepMember{key: "Enabled", lit: strconv.FormatBool(!st.Disabled)},
			stepMember{key: "ContinueOnError", lit: strconv.FormatBool(st.ContinueOnError)})
		if st.Kind == model.KindGroup {
			members = setMember(members, stepMember{key: "Steps", group: st})
		} else {
			env := "WinPEandFullOS"
			if st.RunIn != nil {
				env = *st.RunIn
			}
			members = setMember(members, stepMember{key: "SupportedEnvironment", str: env})
			if st.Timeout != nil {
				if n, err := strconv.ParseInt(*st.Timeout, 10, 64); err == nil {
					members = setMember(members, stepMember{key: "Timeout", lit: strconv.FormatInt(n, 10)})
				}
			}
			for _, v := range st.Vars {
				if v.Property != "" {
					members = setMember(members, stepMember{key: v.Property, str: v.Value})
				}
			}
		}
		slices.SortFunc(members, func(a, b stepMember) int { return strings.Compare(a.key, b.key) })
		dst = append(dst, '{')
		for k, m := range members {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = jsonvalue.AppendString(dst, m.key)
			dst = append(dst, ':')
			switch {
			case m.group != nil:
				dst = appendSteps(dst, m.group.Steps)
			case m.lit != "":
				dst = append(dst, m.lit...)
			default:
				dst = jsonvalue.AppendString(dst, m.str)
			}
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// encodeSteps is appendSteps in a slice of its own, written in a pooled
// buffer and copied out once at its size.
func encodeSteps(steps []*model.Step) []byte {
	buf := answerBuffers.Get().(*[]byte)
	b := appendSteps((*buf)[:0], steps)
	out := bytes.Clone(b)
	if cap(b) <= 1<<20 {
		*buf = b
		answerBuffers.Put(buf)
	}
	return out
}

// stepMember is one member of a step's JSON object: a string, a literal
// (a bool or an integer, as written), or a group's Steps.
type stepMember struct {
	key   string
	str   string
	lit   string
	group *model.Step
}

// setMember sets m in members, replacing the member of its name if there
// is one (as a map's later key replaces an earlier one).
func setMember(members []stepMember, m stepMember) []stepMember {
	for i := range members {
		if members[i].key == m.key {
			members[i] = m
			return members
		}
	}
	return append(members, m)
}

// sameEncoding reports whether v (Steps a request brought, as decoded)
// encodes as enc (jsonvalue writes a value one way only: object keys
// sorted, strings escaped alike, a number as its literal), so that equal
// encodings are equal values as the body decoder reads them.
func sameEncoding(v any, enc []byte) bool {
	b, err := jsonvalue.Marshal(v)
	return err == nil && bytes.Equal(b, enc)
}
