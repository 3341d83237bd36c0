package local

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// SMS_Collection.CollectionType.
const (
	CollectionUser   = 1
	CollectionDevice = 2
)

// What a new embedded site holds besides its packages: the built-in
// collections every site has, a few device collections, a site server and
// two distribution points in one group, and the deployment verification
// settings a new site starts with (Default size 100, Maximum size 0,
// Microsoft's defaults).

// SeedCollection is a collection to add to a site: its members are named
// servers (Servers, which must be the site's) and as many other devices
// (or users, for a user collection) as make Members in all.
type SeedCollection struct {
	Name    string   `yaml:"name"`
	ID      string   `yaml:"id"`   // CollectionID; the site assigns one when empty
	Type    string   `yaml:"type"` // device (default) or user
	Members int      `yaml:"members"`
	Servers []string `yaml:"servers"` // site system servers among the members (their short names)
	BuiltIn bool     `yaml:"builtIn"`
	// Include lists the CollectionIDs of the collections whose members it
	// includes (SMS_CollectionRuleIncludeCollection rules in its lazy
	// CollectionRules); its MemberCount stays Members, as if the site had
	// not evaluated it since.
	Include []string `yaml:"include"`
	// Status is its CurrentStatus: 1 (Ready) when 0; 5 (Awaiting
	// refresh) and the others say the site is evaluating it.
	Status int64 `yaml:"status"`
}

// SeedDistributionPoint is a distribution point server.
type SeedDistributionPoint struct {
	Server string `yaml:"server"` // FQDN
}

// SeedDistributionPointGroup is a group of distribution points (by server).
type SeedDistributionPointGroup struct {
	Name    string   `yaml:"name"`
	Members []string `yaml:"members"`
}

// SeedFolder is a console folder: Path below the root of the folders for
// objects of Type (a kind's name: package, sequence…); Search makes its
// last folder a search folder.
type SeedFolder struct {
	Path   string `yaml:"path"`
	Type   string `yaml:"type"`
	Search bool   `yaml:"search"`
}

// siteServer is the server every embedded site runs on.
const siteServer = "CM01.corp.example"

var defaultCollections = []SeedCollection{
	{ID: "SMS00001", Name: "All Systems", Members: 263, Servers: []string{"CM01", "DP01", "DP02"}, BuiltIn: true},
	{ID: "SMS00002", Name: "All Users", Type: "user", Members: 412, BuiltIn: true},
	{ID: "SMS000US", Name: "All Unknown Computers", Members: 2, BuiltIn: true},
	{ID: "SMSDM003", Name: "All Desktop and Server Clients", Members: 260, Servers: []string{"CM01", "DP01", "DP02"}, BuiltIn: true},
	{Name: "Pilot devices", Members: 5},
	{Name: "Windows 11 ring 1", Members: 150},
	{Name: "Lab devices", Members: 12},
	{Name: "Site servers", Members: 3, Servers: []string{"CM01", "DP01", "DP02"}},
	{Name: "OSD administrators", Type: "user", Members: 4},
}

var defaultDPs = []string{"DP01.corp.example", "DP02.corp.example"}

var defaultGroups = []SeedDistributionPointGroup{{Name: "All distribution points", Members: defaultDPs}}

// nalPath is a distribution point's NAL path on site code.
func nalPath(server, code string) string {
	return fmt.Sprintf(`["Display=\\%s\"]MSWNET:["SMS_SITE=%s"]\\%s\`, server, code, server)
}

// stableGUID is a GUID derived from what it names, so that a new site's
// objects have the same IDs every time.
func stableGUID(code, what string) string {
	sum := sha1.Sum([]byte("tsctl-local-site:" + code + ":" + what))
	return fmt.Sprintf("{%X-%X-%X-%X-%X}", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

// addDefaults adds what a new site holds beyond packages.
func (s *Site) addDefaults(tx *bolt.Tx) error {
	cm := siteServer
	for _, role := range []string{"SMS Site Server", "SMS Provider", "SMS SQL Server", "SMS Management Point"} {
		if err := s.addRole(tx, cm, role); err != nil {
			return err
		}
	}
	if err := s.addDPServers(tx, defaultDPs); err != nil {
		return err
	}
	if err := s.addGroups(tx, defaultGroups); err != nil {
		return err
	}
	if err := s.addCollections(tx, defaultCollections); err != nil {
		return err
	}
	// The deployment verification settings (Administration > Site
	// Configuration > Sites > Properties): Value 0 blocks deployments to
	// collections with site systems, Value1 is the Default size, Value2
	// the Maximum size.
	def := provider.New(object.ClassSiteDefinition)
	def.Props["FileType"] = int64(2)
	def.Props["ItemName"] = "Site Definition"
	def.Props["ItemType"] = "Site Definition"
	def.Props["SiteCode"] = s.code
	def.Props["SiteName"] = "tsctl local site " + s.code
	def.Props["SiteServerName"] = cm
	prop := provider.New("SMS_EmbeddedProperty")
	prop.Props["PropertyName"] = "Device Collection Threshold"
	prop.Props["Value"] = int64(0)
	prop.Props["Value1"] = "100"
	prop.Props["Value2"] = "0"
	def.Props["Props"] = []*provider.Instance{prop}
	p, _ := pathOf(def)
	return s.save(tx, p, def)
}

// addRole records a site system role on server.
func (s *Site) addRole(tx *bolt.Tx, server, role string) error {
	r := provider.New(object.ClassSystemResource)
	r.Props["NALPath"] = nalPath(server, s.code)
	r.Props["ResourceType"] = "Windows NT Server"
	r.Props["RoleName"] = role
	r.Props["SiteCode"] = s.code
	r.Props["ServerName"] = server
	r.Props["ServerRemoteName"] = server
	p, _ := pathOf(r)
	return s.save(tx, p, r)
}

// addDPServers adds distribution point servers.
func (s *Site) addDPServers(tx *bolt.Tx, servers []string) error {
	for _, server := range servers {
		if server == "" {
			return fmt.Errorf("seed: a distribution point has no server name")
		}
		nal := nalPath(server, s.code)
		if s.distributionPoint(tx, nal) != nil {
			continue
		}
		if err := s.addRole(tx, server, "SMS Distribution Point"); err != nil {
			return err
		}
		n, err := nextID(tx, "next:dp", 1<<20)
		if err != nil {
			return err
		}
		dp := provider.New(object.ClassDistributionPointInfo)
		dp.Props["NALPath"] = nal
		dp.Props["Name"] = server
		dp.Props["ServerName"] = server
		dp.Props["SiteCode"] = s.code
		dp.Props["SiteName"] = "tsctl local site " + s.code
		dp.Props["ResourceType"] = "Windows NT Server"
		dp.Props["ID"] = int64(n)
		dp.Props["IsPXE"] = true
		p, _ := pathOf(dp)
		if err := s.save(tx, p, dp); err != nil {
			return err
		}
	}
	return nil
}

// addGroups adds distribution point groups of the site's distribution
// points.
func (s *Site) addGroups(tx *bolt.Tx, groups []SeedDistributionPointGroup) error {
	for _, g := range groups {
		if g.Name == "" {
			return fmt.Errorf("seed: a distribution point group has no name")
		}
		id := stableGUID(s.code, "dpgroup:"+strings.ToLower(g.Name))
		in := provider.New(object.ClassDistributionPointGroup)
		in.Props["GroupID"] = id
		in.Props["Name"] = g.Name
		in.Props["Description"] = ""
		in.Props["MemberCount"] = int64(len(g.Members))
		in.Props["HasMember"] = len(g.Members) > 0
		in.Props["SourceSite"] = s.code
		in.Props["CreatedOn"] = now()
		p, _ := pathOf(in)
		if err := s.save(tx, p, in); err != nil {
			return err
		}
		for _, server := range g.Members {
			nal := nalPath(server, s.code)
			if s.distributionPoint(tx, nal) == nil {
				return fmt.Errorf("seed: distribution point group %q: %s is not a distribution point of site %s", g.Name, server, s.code)
			}
			m := provider.New(object.ClassDPGroupMembers)
			m.Props["GroupID"], m.Props["DPNALPath"] = id, nal
			mp, _ := pathOf(m)
			if err := s.save(tx, mp, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// collectionMembers are the named members of a collection, kept beside it
// (bucket meta, "members:<CollectionID>"): SMS_FullCollectionMembership
// lists them and as many numbered devices as make its MemberCount.
func membersKey(id string) []byte { return []byte("members:" + id) }

// addCollections adds collections.
func (s *Site) addCollections(tx *bolt.Tx, colls []SeedCollection) error {
	for _, c := range colls {
		if c.Name == "" {
			return fmt.Errorf("seed: a collection has no name")
		}
		typ := int64(CollectionDevice)
		switch c.Type {
		case "", "device":
		case "user":
			typ = CollectionUser
		default:
			return fmt.Errorf("seed: collection %q: type %q is neither device nor user", c.Name, c.Type)
		}
		id := c.ID
		if id == "" {
			n, err := nextID(tx, "next:collection", 0xFFFFF-0x10)
			if err != nil {
				return err
			}
			id = fmt.Sprintf("%s%05X", s.code, 0x10+n)
		}
		if len(c.Servers) > c.Members {
			c.Members = len(c.Servers)
		}
		in := provider.New(object.ClassCollection)
		in.Props["CollectionID"] = id
		in.Props["Name"] = c.Name
		in.Props["CollectionType"] = typ
		in.Props["IsBuiltIn"] = c.BuiltIn
		in.Props["MemberCount"] = int64(c.Members)
		in.Props["LocalMemberCount"] = int64(c.Members)
		in.Props["LimitToCollectionID"] = ""
		if !c.BuiltIn {
			in.Props["LimitToCollectionID"] = "SMS00001"
			if typ == CollectionUser {
				in.Props["LimitToCollectionID"] = "SMS00002"
			}
		}
		in.Props["Comment"] = ""
		in.Props["CurrentStatus"] = c.Status
		if c.Status == 0 {
			in.Props["CurrentStatus"] = int64(1)
		}
		rules := []*provider.Instance{}
		for _, inc := range c.Include {
			r := provider.New("SMS_CollectionRuleIncludeCollection")
			r.Props["IncludeCollectionID"] = inc
			r.Props["RuleName"] = inc
			rules = append(rules, r)
		}
		in.Props["CollectionRules"] = rules
		in.Props["IncludeExcludeCollectionsCount"] = int64(len(rules))
		p, _ := pathOf(in)
		if err := s.save(tx, p, in); err != nil {
			return err
		}
		names, _ := json.Marshal(c.Servers)
		if err := tx.Bucket(bucketMeta).Put(membersKey(id), names); err != nil {
			return err
		}
	}
	return nil
}

// collectionMembers answers a query of SMS_FullCollectionMembership: each
// collection's named servers first, then numbered devices (users in a user
// collection) up to its MemberCount.
func (s *Site) collectionMembers(tx *bolt.Tx, where map[string]string) []*provider.Instance {
	var out []*provider.Instance
	for _, c := range s.list(tx, object.ClassCollection) {
		id := c.String("CollectionID")
		if w, ok := where["CollectionID"]; ok && !strings.EqualFold(w, id) {
			continue
		}
		var names []string
		if b := tx.Bucket(bucketMeta).Get(membersKey(id)); b != nil {
			_ = json.Unmarshal(b, &names)
		}
		prefix := "PC"
		if c.Int("CollectionType") == CollectionUser {
			prefix = "user"
		}
		for i := len(names); i < int(c.Int("MemberCount")); i++ {
			names = append(names, fmt.Sprintf("%s%04d", prefix, i+1))
		}
		for i, n := range names {
			m := provider.New(object.ClassCollectionMember)
			m.Props["CollectionID"] = id
			m.Props["ResourceID"] = int64(16777220 + i)
			m.Props["Name"] = n
			m.Props["SiteCode"] = s.code
			m.Props["IsClient"] = true
			if matches(m, where) {
				out = append(out, m)
			}
		}
	}
	return out
}

// addFolders adds console folders (for tests of search folders and of
// folders made by hand).
func (s *Site) addFolders(tx *bolt.Tx, folders []SeedFolder) error {
	for _, f := range folders {
		k, ok := object.Parse(f.Type)
		t, hasFolders := k.FolderType()
		if !ok || !hasFolders {
			return fmt.Errorf("seed: folder %q: %q is no kind of object in folders", f.Path, f.Type)
		}
		parts := strings.Split(strings.Trim(f.Path, "/"), "/")
		parent := int64(0)
		for i, name := range parts {
			search := f.Search && i == len(parts)-1
			var found *provider.Instance
			for _, n := range s.list(tx, object.ClassContainerNode) {
				if n.Int("ObjectType") == int64(t) && n.Int("ParentContainerNodeID") == parent && strings.EqualFold(n.String("Name"), name) &&
					n.Bool("SearchFolder") == search {
					found = n
				}
			}
			if found == nil {
				found = provider.New(object.ClassContainerNode)
				found.Props["Name"] = name
				found.Props["ObjectType"] = int64(t)
				found.Props["ParentContainerNodeID"] = parent
				found.Props["SearchFolder"] = search
				if found.Bool("SearchFolder") {
					found.Props["SearchString"] = `<SearchFolderDescription Name="` + k.Class() + `" />`
				}
				if err := s.check(tx, "seed", found, nil); err != nil {
					return err
				}
				if err := keyMaker[object.ClassContainerNode](s, tx, found); err != nil {
					return err
				}
				found.Props["SourceSite"] = s.code
				p, _ := pathOf(found)
				if err := s.saveNew(tx, p, found); err != nil {
					return err
				}
			}
			parent = found.Int("ContainerNodeID")
		}
	}
	return nil
}
