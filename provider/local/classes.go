package local

import (
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// packageType is the PackageType the objects of a class carry; ok is
// false for a class that holds no kind of package (programs,
// applications).
func packageType(class string) (t int64, ok bool) {
	k, ok := object.OfClass(class)
	if !ok {
		return 0, false
	}
	n, ok := k.PackageType()
	return int64(n), ok
}

// keysOf lists a class's key properties in path order.
func keysOf(class string) []string { return object.KeyOf(class) }

// lazy lists the lazy properties per class: omitted by Query, returned by Get.
var lazy = map[string][]string{
	object.ClassTaskSequencePackage: {"Sequence", "References", "BootImageID", "Category", "Type", "TaskSequenceFlags", "CustomProgressMsg", "DependentProgram", "SupportedOperatingSystems", "Reserved"},
}

// readOnly lists properties a Put may not change.
var readOnly = map[string][]string{
	object.ClassTaskSequencePackage: {"Sequence", "References", "ReferencesCount", "Type", "TaskSequenceFlags", "SedoObjectVersion", "SourceSite", "PackageType", "LastRefreshTime"},
}

// known reports whether the site stores objects of class: every kind's,
// and programs.
func known(class string) bool {
	_, ok := object.OfClass(class)
	return ok || class == object.ClassProgram
}

func pathOf(in *provider.Instance) (string, bool) {
	var kv []string
	for _, k := range keysOf(in.Class) {
		v := in.String(k)
		if v == "" {
			return "", false
		}
		kv = append(kv, k, v)
	}
	return provider.Path(in.Class, kv...), true
}
