package engine

import (
	"fmt"
	"strconv"

	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/provider"
)

// A setting is one named setting of an object, as a configuration writes
// it and a plan shows it — by name, with its value as a word — stored in
// one property of the object's class or in some bits of an integer one
// (AdvertFlags, RemoteClientFlags, ProgramFlags). Plans compare settings,
// never raw masks, so that a bit tsctl does not model (set by the console
// or a later version) neither shows as a change nor is cleared by one:
// writing a setting rewrites its own bits only, keeping every other bit as
// the site has it.
type setting struct {
	name string
	// read is the value the object as the site holds it has.
	read func(site *provider.Instance) string
	// write sets value on out, the properties apply writes; flags start
	// from what out already holds, else from site (nil for a new object).
	write func(out, site *provider.Instance, value string)
}

// flagsOf is the integer property prop as apply will write it: what out
// holds already (another setting of the same property), else the site's,
// else def.
func flagsOf(out, site *provider.Instance, prop string, def int64) int64 {
	if v, ok := out.Props[prop]; ok {
		if n, ok := v.(int64); ok {
			return n
		}
	}
	if site != nil {
		if _, ok := site.Props[prop]; ok {
			return site.Int(prop)
		}
	}
	return def
}

// flagValue is one value of a setting stored in bits: the bits it sets.
type flagValue struct {
	word string
	bits int64
}

// flagChoice is a setting stored in the bits of mask of the integer
// property prop: the first value whose bits are all set (in values'
// order) is the one read, none set reads as the value with bits 0;
// writing clears mask and sets the value's bits. def is the property's
// value on a new object.
func flagChoice(name, prop string, def, mask int64, values ...flagValue) setting {
	return setting{
		name: name,
		read: func(site *provider.Instance) string {
			f := site.Int(prop)
			for _, v := range values {
				if v.bits != 0 && f&v.bits == v.bits {
					return v.word
				}
			}
			for _, v := range values {
				if v.bits == 0 {
					return v.word
				}
			}
			return fmt.Sprintf("none of %s 0x%X", prop, mask)
		},
		write: func(out, site *provider.Instance, value string) {
			f := flagsOf(out, site, prop, def) &^ mask
			for _, v := range values {
				if v.word == value {
					f |= v.bits
				}
			}
			out.Props[prop] = f
		},
	}
}

// flagBool is a setting stored in one bit (inverted: set means false).
func flagBool(name, prop string, def, bit int64, inverted bool) setting {
	on, off := flagValue{"true", bit}, flagValue{"false", 0}
	if inverted {
		on, off = flagValue{"false", bit}, flagValue{"true", 0}
	}
	return flagChoice(name, prop, def, bit, on, off)
}

// stringProp is a setting stored as a string property.
func stringProp(name, prop string) setting {
	return setting{
		name:  name,
		read:  func(site *provider.Instance) string { return site.String(prop) },
		write: func(out, _ *provider.Instance, value string) { out.Props[prop] = value },
	}
}

// intProp is a setting stored as an integer property.
func intProp(name, prop string) setting {
	return setting{
		name: name,
		read: func(site *provider.Instance) string { return strconv.FormatInt(site.Int(prop), 10) },
		write: func(out, _ *provider.Instance, value string) {
			n, _ := strconv.ParseInt(value, 10, 64)
			out.Props[prop] = n
		},
	}
}

// boolIntProp is a setting stored as an integer property that is 1 for
// true and 0 for false (RestartRequired, HighImpactTaskSequence).
func boolIntProp(name, prop string) setting {
	return setting{
		name: name,
		read: func(site *provider.Instance) string { return strconv.FormatBool(site.Int(prop) != 0) },
		write: func(out, _ *provider.Instance, value string) {
			out.Props[prop] = map[bool]int64{true: 1}[value == "true"]
		},
	}
}

// wanted is a setting with the value a configuration wants.
type wanted struct {
	setting
	value string
	// forcesReplacement: the setting cannot change in place.
	forcesReplacement bool
	// shown is the value as a plan shows it, when the value written is
	// an ID ("" shows value).
	shown, shownSite func(string) string
}

// compare lists, as a plan's changes, the settings whose value on the
// site differs from the one wanted (prefix names them, "program \"Install\" "),
// and returns those that differ.
func compare(site *provider.Instance, want []wanted, prefix string, out *[]plan.Change) []wanted {
	var changed []wanted
	for _, w := range want {
		have := w.read(site)
		if have == w.value {
			continue
		}
		before, after := have, w.value
		if w.shownSite != nil {
			before = w.shownSite(have)
		}
		if w.shown != nil {
			after = w.shown(w.value)
		}
		*out = append(*out, plan.Change{Field: prefix + w.name, Before: before, After: after, HasBefore: true, HasAfter: true, ForcesReplacement: w.forcesReplacement})
		changed = append(changed, w)
	}
	return changed
}

// listed lists every setting wanted as a plan's changes with after values
// only, as a creation shows them; empty values are left out, as a
// creation's empty properties are.
func listed(want []wanted, prefix string, out *[]plan.Change) {
	for _, w := range want {
		if w.value == "" {
			continue
		}
		after := w.value
		if w.shown != nil {
			after = w.shown(w.value)
		}
		*out = append(*out, plan.Change{Field: prefix + w.name, After: after, HasAfter: true})
	}
}

// written writes the settings onto out, starting from site's flags.
func written(out, site *provider.Instance, want []wanted) {
	for _, w := range want {
		w.write(out, site, w.value)
	}
}
