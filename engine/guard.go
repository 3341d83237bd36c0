package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/provider"
)

// On a site that offers no apply lease (a Configuration Manager site), two
// applies of one configuration could both create the same object. Apply
// then guards each create (ApplyOptions.CheckNames): just before it, the
// name is looked up again, and an object that appeared since the plan is
// not created a second time (AppearedError); just after it, the name is
// looked up once more, and a twin created at the same moment by another
// run is reported with what to do (DuplicateError). The window left is the
// time between the two lookups of the two runs, one provider round trip.

// AppearedError says an object the plan was to create now exists.
type AppearedError struct {
	Kind object.Kind
	Name string
	IDs  []string
}

func (e *AppearedError) Error() string {
	return fmt.Sprintf("not created: %s %q appeared on the site since the plan (%s), probably created by another apply running at the same time",
		e.Kind, e.Name, strings.Join(e.IDs, ", "))
}

// ErrorHint implements diag's hint interface.
func (e *AppearedError) ErrorHint() string {
	return "run tsctl plan again once the other apply has finished"
}

// DuplicateError says an object was created while another run created one
// of the same kind and name.
type DuplicateError struct {
	Kind   object.Kind
	Name   string
	ID     string   // the one this run created
	Others []string // the others, sorted
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("created as %s, but %s %s: another apply created the same %s at the same time, and plans fail until one is deleted",
		e.ID, strings.Join(e.Others, ", "), plural(len(e.Others), "has the same name", "have the same name"), e.Kind)
}

// ErrorHint implements diag's hint interface.
func (e *DuplicateError) ErrorHint() string {
	all := append([]string{e.ID}, e.Others...)
	sort.Strings(all)
	keep, drop := all[0], all[1:]
	cmd := "Remove-CMPackage -Id"
	switch e.Kind {
	case object.Sequence:
		cmd = "Remove-CMTaskSequence -TaskSequencePackageId"
	case object.Deployment:
		cmd = "Remove-CMTaskSequenceDeployment -DeploymentId"
	}
	var dels []string
	for _, id := range drop {
		dels = append(dels, cmd+" "+id+" -Force")
	}
	return fmt.Sprintf("keep %s (the oldest) and delete %s in the console or with %s, once no sequence runs or uses %s; then run tsctl plan",
		keep, strings.Join(drop, ", "), strings.Join(dels, "; "), plural(len(drop), "it", "them"))
}

// idsNamed lists the keys (PackageIDs, AdvertisementIDs…) of the objects
// of kind named name on the site.
func idsNamed(ctx context.Context, site provider.Site, kind object.Kind, name string) ([]string, error) {
	key, nameProp := kind.Key()[0], kind.NameProp()
	list, err := site.Query(ctx, provider.Query{Class: kind.Class(), Select: []string{key, nameProp}, Where: map[string]string{nameProp: name}})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, in := range list {
		if strings.EqualFold(in.String(nameProp), name) {
			ids = append(ids, in.String(key))
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// checkAbsent makes sure no object of its kind named as it is has
// appeared since the plan.
func checkAbsent(ctx context.Context, site provider.Site, o *plan.Object) error {
	ids, err := idsNamed(ctx, site, o.Kind, o.Name)
	if err != nil {
		return fmt.Errorf("check that %s is still absent: %w", what(o), err)
	}
	if len(ids) > 0 {
		return &AppearedError{Kind: o.Kind, Name: o.Name, IDs: ids}
	}
	return nil
}

// checkSingle makes sure the object just created as id is the only one of
// its kind named as it is.
func checkSingle(ctx context.Context, site provider.Site, o *plan.Object, id string) error {
	ids, err := idsNamed(ctx, site, o.Kind, o.Name)
	if err != nil {
		return fmt.Errorf("check that %s was created once: %w", what(o), err)
	}
	var others []string
	for _, x := range ids {
		if x != id {
			others = append(others, x)
		}
	}
	if len(others) > 0 {
		return &DuplicateError{Kind: o.Kind, Name: o.Name, ID: id, Others: others}
	}
	return nil
}
