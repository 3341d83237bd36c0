package local

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// Content on distribution points, as the embedded site models it: a
// package assigned to a distribution point (SMS_DistributionPoint, made
// by a Put, by the package's AddDistributionPoints or by its group's
// AddPackages) has a status (SMS_PackageStatusDistPointsSummarizer) that
// is INSTALL_PENDING until the distribution time has passed since, then
// INSTALLED — or INSTALL_FAILED on the distribution point Faults names.
// The distribution time is Faults.Distribution, else the injected
// latency: a site without latency installs at once.

// Distribution states (SMS_PackageStatusDistPointsSummarizer.State).
const (
	StateInstalled      = 0
	StateInstallPending = 1
	StateInstallFailed  = 3
)

// outcomeKey holds, in the meta bucket, how a distribution that is
// pending ends and when: decided when it starts, so that a status read
// later (by another process, with other faults) answers the same.
func outcomeKey(path string) []byte { return []byte("distribution:" + path) }

// outcome is how a pending distribution ends.
type outcome struct {
	Due   time.Time `json:"due"`
	State int64     `json:"state"`
}

// startDistribution records that the package with PackageID id is being
// copied to the distribution point at nal, now: pending until the
// distribution time has passed, then installed (failed on the
// distribution point Faults names).
func (s *Site) startDistribution(tx *bolt.Tx, id, nal string) error {
	st := provider.New(object.ClassDistributionStatus)
	st.Props["PackageID"] = id
	st.Props["ServerNALPath"] = nal
	st.Props["SiteCode"] = s.code
	st.Props["State"] = int64(StateInstallPending)
	st.Props["SummaryDate"] = time.Now().UTC().Format(time.RFC3339Nano)
	st.Props["PackageType"], _ = packageType(s.packageClass(tx, id))
	st.Props["SecureObjectID"] = id
	version := int64(1)
	if p, err := s.get(tx, provider.Path(s.packageClass(tx, id), "PackageID", id)); err == nil && p.Int("SourceVersion") > 0 {
		version = p.Int("SourceVersion")
	}
	st.Props["SourceVersion"] = version
	p, _ := pathOf(st)
	end := outcome{Due: time.Now().UTC().Add(s.faults.distributionTime()), State: StateInstalled}
	if f := s.faults.DistributionFails; f != "" {
		if dp := s.distributionPoint(tx, nal); dp != nil && strings.EqualFold(dp.String("ServerName"), f) {
			end.State = StateInstallFailed
		}
	}
	b, _ := json.Marshal(end)
	if err := tx.Bucket(bucketMeta).Put(outcomeKey(p), b); err != nil {
		return err
	}
	return s.save(tx, p, st)
}

// distribute assigns the package with PackageID id to the distribution
// point at nal, unless it is there already.
func (s *Site) distribute(tx *bolt.Tx, id, nal string) error {
	dp := provider.New(object.ClassDistributionPoint)
	dp.Props["PackageID"] = id
	dp.Props["ServerNALPath"] = nal
	dp.Props["SiteCode"] = s.code
	p, _ := pathOf(dp)
	if tx.Bucket(bucketObjects).Get([]byte(p)) != nil {
		return nil
	}
	if err := s.check(tx, "distribute", dp, nil); err != nil {
		return err
	}
	info := s.distributionPoint(tx, nal)
	dp.Props["SiteName"] = "tsctl local site " + s.code
	dp.Props["ResourceType"] = "Windows NT Server"
	dp.Props["Status"] = int64(0)
	dp.Props["SourceSite"] = s.code
	if info != nil {
		dp.Props["IsPeerDP"] = false
	}
	return s.saveNew(tx, p, dp)
}

// distributionPoint returns the distribution point at nal; nil when the
// site has none there.
func (s *Site) distributionPoint(tx *bolt.Tx, nal string) *provider.Instance {
	in, err := s.get(tx, provider.Path(object.ClassDistributionPointInfo, "NALPath", nal))
	if err != nil {
		return nil
	}
	return in
}

// statusNow is a stored distribution status as it stands now: a pending
// one has ended as decided when it started, once its time has come.
func (s *Site) statusNow(tx *bolt.Tx, in *provider.Instance) *provider.Instance {
	if in.Int("State") != StateInstallPending {
		return in
	}
	p, _ := pathOf(in)
	var end outcome
	if b := tx.Bucket(bucketMeta).Get(outcomeKey(p)); b == nil || json.Unmarshal(b, &end) != nil || time.Now().Before(end.Due) {
		return in
	}
	in.Props["State"] = end.State
	in.Props["SummaryDate"] = end.Due.Format(time.RFC3339Nano)
	if end.State == StateInstalled {
		in.Props["LastCopied"] = end.Due.Format(time.RFC3339Nano)
	}
	return in
}

// addPackages implements SMS_DistributionPointGroup.AddPackages: the
// packages are assigned to the group and to each of its distribution
// points.
func (s *Site) addPackages(op string, group map[string]string, in map[string]any) (map[string]any, error) {
	ids, _ := in["PackageIDs"].([]string)
	if len(ids) == 0 {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "PackageIDs is required", Code: 0x80041008}
	}
	err := s.writes.update(func(tx *bolt.Tx) error {
		gid := group["GroupID"]
		if _, err := s.get(tx, provider.Path(object.ClassDistributionPointGroup, "GroupID", gid)); err != nil {
			return err
		}
		var members []string
		for _, m := range s.list(tx, object.ClassDPGroupMembers) {
			if m.String("GroupID") == gid {
				members = append(members, m.String("DPNALPath"))
			}
		}
		for _, id := range ids {
			if s.packageClass(tx, id) == "" {
				return &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "package " + id + " does not exist", Code: 0x80041008}
			}
			gp := provider.New(object.ClassDPGroupPackages)
			gp.Props["GroupID"], gp.Props["PkgID"] = gid, id
			p, _ := pathOf(gp)
			if err := s.save(tx, p, gp); err != nil {
				return err
			}
			for _, nal := range members {
				if err := s.distribute(tx, id, nal); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"ReturnValue": int64(0)}, nil
}

// addDistributionPoints implements AddDistributionPoints of a package
// class: the package is assigned to each distribution point named.
func (s *Site) addDistributionPoints(op string, pkg map[string]string, in map[string]any) (map[string]any, error) {
	codes, _ := in["SiteCode"].([]string)
	nals, _ := in["NALPath"].([]string)
	if len(nals) == 0 || len(codes) != len(nals) {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "SiteCode and NALPath must name the same distribution points", Code: 0x80041008}
	}
	err := s.writes.update(func(tx *bolt.Tx) error {
		for i, nal := range nals {
			if codes[i] != s.code {
				return &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "site " + codes[i] + " is not this site", Code: 0x80041008}
			}
			if err := s.distribute(tx, pkg["PackageID"], nal); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"ReturnValue": int64(0)}, nil
}

// refreshPkgSource implements RefreshPkgSource of a package class: the
// package's source version goes up and every distribution point holding it
// copies it again.
func (s *Site) refreshPkgSource(op, class string, pkg map[string]string) (map[string]any, error) {
	err := s.writes.update(func(tx *bolt.Tx) error {
		id := pkg["PackageID"]
		path := provider.Path(class, "PackageID", id)
		p, err := s.get(tx, path)
		if err != nil {
			return err
		}
		p.Props["SourceVersion"] = max(p.Int("SourceVersion"), 1) + 1
		p.Props["SourceDate"] = now()
		if err := s.save(tx, path, p); err != nil {
			return err
		}
		for _, dp := range s.list(tx, object.ClassDistributionPoint) {
			if strings.EqualFold(dp.String("PackageID"), id) {
				if err := s.startDistribution(tx, id, dp.String("ServerNALPath")); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"ReturnValue": int64(0)}, nil
}

// classStatusMessage holds the status messages methods record
// (RiskyDeploymentStatusMessage), as SMS_StatusMessage lists a real
// site's.
const classStatusMessage = object.ClassStatusMessage

// riskyDeployment implements SMS_Advertisement.RiskyDeploymentStatusMessage:
// the site records that a deployment to a risky collection was made,
// naming it (the message a real site records is not documented).
func (s *Site) riskyDeployment(op string, in map[string]any) (map[string]any, error) {
	var args []string
	for _, p := range []string{"DeploymentID", "DeploymentName", "PackageID", "CollectionID"} {
		v, _ := in[p].(string)
		if v == "" {
			return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: p + " is required", Code: 0x80041008}
		}
		args = append(args, v)
	}
	err := s.writes.update(func(tx *bolt.Tx) error {
		n, err := nextID(tx, "next:statusmessage", 1<<31)
		if err != nil {
			return err
		}
		m := provider.New(classStatusMessage)
		m.Props["RecordID"] = fmt.Sprint(n)
		m.Props["Component"] = op
		m.Props["SiteCode"] = s.code
		m.Props["Time"] = now()
		m.Props["InsStrings"] = args
		m.Props["Name"] = fmt.Sprintf("deployment %s %q of %s to collection %s verified as high risk by %s", args[0], args[1], args[2], args[3], s.user)
		p, _ := pathOf(m)
		return s.save(tx, p, m)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"ReturnValue": int64(0)}, nil
}
