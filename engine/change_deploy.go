package engine

import (
	"context"
	"fmt"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/provider"
)

// The changes of a deployment:
//
//	createDeployment   Put of a new SMS_Advertisement (the site assigns the AdvertisementID);
//	                   RiskyDeploymentStatusMessage when it is high risk, accepted
//	updateDeployment   Put of the AdvertisementID and the changed settings' properties (none
//	                   when only its sequence changes); RiskyDeploymentStatusMessage when it
//	                   becomes high risk, accepted
//	replaceDeployment  Delete of the deployment, then createDeployment
//
// A deployment is not a SEDO-locked object: no GetLockInformation.

// createDeployment creates a deployment.
type createDeployment struct {
	obj *plan.Object
	d   *config.Deployment
	// settings are the deployment's, once its sequence's PackageID is
	// known (created by this apply, maybe).
	settings func(seqID string) []wanted
	// record calls RiskyDeploymentStatusMessage once it exists.
	record bool
}

// updateDeployment writes the changed settings of a deployment.
type updateDeployment struct {
	obj      *plan.Object
	d        *config.Deployment
	site     *provider.Instance // as read
	settings func(seqID string) []wanted
	record   bool
	// settingsChange says a setting changes (a Put); false when the
	// update only records that the deployment became high risk.
	settingsChange bool
}

// replaceDeployment deletes a deployment whose collection, sequence or
// program changes, then creates it as the configuration says. It deletes
// first: two required deployments of one sequence never coexist.
type replaceDeployment struct {
	create createDeployment
	path   string // the deployment deleted
}

func (c *createDeployment) Object() *plan.Object  { return c.obj }
func (c *updateDeployment) Object() *plan.Object  { return c.obj }
func (c *replaceDeployment) Object() *plan.Object { return c.create.obj }

func (c *createDeployment) calls(checkNames bool) []int {
	steps := guarded(checkNames, 1)
	if c.record {
		steps = append(steps, 1)
	}
	return steps
}

func (c *updateDeployment) calls(bool) []int {
	var steps []int
	if c.settingsChange {
		steps = append(steps, 1)
	}
	if c.record {
		steps = append(steps, 1)
	}
	return steps
}

func (c *replaceDeployment) calls(checkNames bool) []int {
	return append([]int{1}, c.create.calls(checkNames)...)
}

func (c *createDeployment) apply(ctx context.Context, a *applier) (string, error) {
	seqID, err := a.r.ID(object.Sequence, c.d.Sequence)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", what(c.obj), err)
	}
	in := provider.New(object.ClassAdvertisement)
	in.Props["AdvertisementName"] = c.d.Name
	in.Props["ISVString"] = a.mark
	written(in, nil, c.settings(seqID))
	if a.checkNames {
		if err := checkAbsent(ctx, a.site, c.obj); err != nil {
			return "", err
		}
	}
	path, err := a.site.Put(ctx, in)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", what(c.obj), err)
	}
	_, keys, err := provider.ParsePath(path)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", what(c.obj), err)
	}
	id := keys["AdvertisementID"]
	if a.checkNames {
		if err := checkSingle(ctx, a.site, c.obj, id); err != nil {
			return id, err
		}
	}
	if c.record {
		if err := recordHighRisk(ctx, a.site, id, in); err != nil {
			return id, err
		}
	}
	return id, nil
}

// recordHighRisk records, as the console does when its deployment
// verification is confirmed, that a high-risk deployment was made.
func recordHighRisk(ctx context.Context, site provider.Site, id string, in *provider.Instance) error {
	_, err := site.ExecMethod(ctx, object.ClassAdvertisement, "RiskyDeploymentStatusMessage", map[string]any{
		"DeploymentID": id, "DeploymentName": in.String("AdvertisementName"), "PackageID": in.String("PackageID"), "CollectionID": in.String("CollectionID")})
	if err != nil {
		return fmt.Errorf("record the high-risk deployment %s (RiskyDeploymentStatusMessage): %w", id, err)
	}
	return nil
}

func (c *updateDeployment) apply(ctx context.Context, a *applier) (string, error) {
	id := c.site.String("AdvertisementID")
	seqID, err := a.r.ID(object.Sequence, c.d.Sequence)
	if err != nil {
		return "", fmt.Errorf("update %s: %w", what(c.obj), err)
	}
	// The key and the changed settings' properties only.
	in := provider.New(object.ClassAdvertisement)
	in.Props["AdvertisementID"] = id
	var none []plan.Change
	if changed := compare(c.site, c.settings(seqID), "", &none); len(changed) > 0 {
		written(in, c.site, changed)
		if _, err := a.site.Put(ctx, in); err != nil {
			return "", fmt.Errorf("update %s: %w", what(c.obj), err)
		}
	}
	if c.record {
		full := c.site.Clone()
		for k, v := range in.Props {
			full.Props[k] = v
		}
		if err := recordHighRisk(ctx, a.site, id, full); err != nil {
			return id, err
		}
	}
	return id, nil
}

func (c *replaceDeployment) apply(ctx context.Context, a *applier) (string, error) {
	if err := a.site.Delete(ctx, c.path); err != nil && !provider.IsKind(err, provider.KindNotFound) {
		return "", fmt.Errorf("replace %s: delete %s: %w", what(c.create.obj), c.path, err)
	}
	id, err := c.create.apply(ctx, a)
	if err != nil && id == "" {
		return "", &DeletedThenFailedError{ID: c.create.obj.ID, Err: err}
	}
	if err != nil {
		return id, fmt.Errorf("replace %s: deleted the old deployment, then: %w", what(c.create.obj), err)
	}
	return id, nil
}

// DeletedThenFailedError says a replacement deleted the old deployment and
// then failed to create the new one: the deployment is no longer on the
// site until an apply creates it.
type DeletedThenFailedError struct {
	ID  string // the deployment deleted
	Err error  // why the creation failed
}

func (e *DeletedThenFailedError) Error() string {
	return fmt.Sprintf("deleted %s, then: %v", e.ID, e.Err)
}

func (e *DeletedThenFailedError) Unwrap() error { return e.Err }

// ErrorHint implements diag's hint interface.
func (e *DeletedThenFailedError) ErrorHint() string {
	return "the deployment is no longer on the site: run tsctl apply again once the cause is fixed, and it is created"
}
