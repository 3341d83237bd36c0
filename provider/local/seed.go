package local

import (
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// Seed lists reference-only objects to add to a local site: objects tsctl
// refers to by name but does not manage (applications, boot images,
// packages made by hand).
type Seed struct {
	Applications      []SeedApplication `yaml:"applications"`
	BootImages        []SeedPackage     `yaml:"bootImages"`
	Packages          []SeedPackage     `yaml:"packages"`
	OSImages          []SeedPackage     `yaml:"osImages"`
	OSUpgradePackages []SeedPackage     `yaml:"osUpgradePackages"`
	DriverPackages    []SeedPackage     `yaml:"driverPackages"`
	// Collections, distribution points (by server), their groups and
	// console folders, as an administrator made them.
	Collections             []SeedCollection             `yaml:"collections"`
	DistributionPoints      []SeedDistributionPoint      `yaml:"distributionPoints"`
	DistributionPointGroups []SeedDistributionPointGroup `yaml:"distributionPointGroups"`
	Folders                 []SeedFolder                 `yaml:"folders"`
}

// SeedApplication is an application; its model name is derived from the
// name when not given.
type SeedApplication struct {
	Name      string `yaml:"name"`
	ModelName string `yaml:"modelName"`
}

// SeedPackage is a package-class object, with programs for packages.
type SeedPackage struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	SourcePath  string   `yaml:"sourcePath"`
	Programs    []string `yaml:"programs"`
}

// SeedResult says what Seed added.
type SeedResult struct {
	Added, Existing []string
	// Replaced lists the new site's own default objects (its boot image,
	// client and USMT packages) that a seeded object of the same class and
	// name took the place of.
	Replaced []string
	// SharedNames lists seeded objects whose class and name another object
	// on the site already has: a reference by that name is ambiguous.
	SharedNames []string
}

// defaultKey prefixes the meta keys that remember the objects a new site
// holds by default, with the SedoObjectVersion they were created with.
const defaultKey = "default:"

// ApplySeed adds the objects of a seed that do not exist yet (matched by
// class and name), in one transaction.
func (s *Site) ApplySeed(seed Seed) (SeedResult, error) {
	var res SeedResult
	err := s.db.Update(func(tx *bolt.Tx) error {
		existing := map[string]bool{}
		err := tx.Bucket(bucketObjects).ForEach(func(k, v []byte) error {
			in, err := decode(v)
			if err != nil {
				return err
			}
			name := in.String("Name")
			if in.Class == object.ClassApplication {
				name = in.String("LocalizedDisplayName")
			}
			existing[in.Class+"\x00"+strings.ToLower(name)] = true
			return nil
		})
		if err != nil {
			return err
		}
		add := func(class, name string, fn func() error) error {
			if name == "" {
				return fmt.Errorf("seed: a %s has no name", class)
			}
			k := class + "\x00" + strings.ToLower(name)
			if existing[k] {
				res.Existing = append(res.Existing, class+" "+name)
				return nil
			}
			existing[k] = true
			res.Added = append(res.Added, class+" "+name)
			return fn()
		}
		for _, a := range seed.Applications {
			a := a
			if err := add(object.ClassApplication, a.Name, func() error {
				in := provider.New(object.ClassApplication)
				sum := sha1.Sum([]byte(strings.ToLower(a.Name)))
				model := a.ModelName
				if model == "" {
					model = fmt.Sprintf("ScopeId_%s/Application_%x-%x-%x-%x-%x", s.scopeID(), sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
				}
				ciID := int64(16777216) + int64(sum[0])<<16 | int64(sum[1])<<8 | int64(sum[2])
				in.Props["CI_ID"] = fmt.Sprint(ciID)
				in.Props["LocalizedDisplayName"] = a.Name
				in.Props["ModelName"] = model
				in.Props["IsLatest"] = true
				p, _ := pathOf(in)
				return s.save(tx, p, in)
			}); err != nil {
				return err
			}
		}
		for _, group := range []struct {
			class string
			list  []SeedPackage
		}{{object.ClassBootImagePackage, seed.BootImages}, {object.ClassPackage, seed.Packages}, {object.ClassImagePackage, seed.OSImages},
			{object.ClassOSInstallPackage, seed.OSUpgradePackages}, {object.ClassDriverPackage, seed.DriverPackages}} {
			for _, sp := range group.list {
				sp, class := sp, group.class
				if err := add(class, sp.Name, func() error {
					in := provider.New(class)
					in.Props["Name"] = sp.Name
					in.Props["Description"] = sp.Description
					in.Props["PkgSourcePath"] = sp.SourcePath
					path, err := s.create(tx, in)
					if err != nil {
						return err
					}
					for _, prog := range sp.Programs {
						pr := provider.New(object.ClassProgram)
						pr.Props["PackageID"] = in.String("PackageID")
						pr.Props["ProgramName"] = prog
						pr.Props["CommandLine"] = prog
						p, _ := pathOf(pr)
						if err := s.save(tx, p, pr); err != nil {
							return err
						}
					}
					_ = path
					return nil
				}); err != nil {
					return err
				}
			}
		}
		var servers []string
		for _, dp := range seed.DistributionPoints {
			servers = append(servers, dp.Server)
			res.Added = append(res.Added, object.ClassDistributionPointInfo+" "+dp.Server)
		}
		if err := s.addDPServers(tx, servers); err != nil {
			return err
		}
		for _, g := range seed.DistributionPointGroups {
			if err := add(object.ClassDistributionPointGroup, g.Name, func() error {
				return s.addGroups(tx, []SeedDistributionPointGroup{g})
			}); err != nil {
				return err
			}
		}
		// Collections may share a name (a reference by it is ambiguous).
		for _, c := range seed.Collections {
			res.Added = append(res.Added, object.ClassCollection+" "+c.Name)
			if existing[object.ClassCollection+"\x00"+strings.ToLower(c.Name)] {
				res.SharedNames = append(res.SharedNames, object.ClassCollection+" "+c.Name)
			}
			existing[object.ClassCollection+"\x00"+strings.ToLower(c.Name)] = true
		}
		if err := s.addCollections(tx, seed.Collections); err != nil {
			return err
		}
		for _, f := range seed.Folders {
			res.Added = append(res.Added, object.ClassContainerNode+" "+f.Type+"/"+strings.Trim(f.Path, "/"))
		}
		return s.addFolders(tx, seed.Folders)
	})
	return res, err
}

// scopeID is the site's authoring scope, derived from its code.
func (s *Site) scopeID() string {
	sum := sha1.Sum([]byte("tsctl-local-site:" + s.code))
	return fmt.Sprintf("%X-%X-%X-%X-%X", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

// FindByName returns the path of the object named name, looking at task
// sequences first, then packages of every class.
func (s *Site) FindByName(name string) (string, error) {
	var found []string
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, class := range []string{object.ClassTaskSequencePackage, object.ClassPackage, object.ClassImagePackage, object.ClassOSInstallPackage, object.ClassDriverPackage, object.ClassBootImagePackage} {
			c := tx.Bucket(bucketObjects).Cursor()
			prefix := []byte(class + ".")
			for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
				in, err := decode(v)
				if err != nil {
					return err
				}
				if strings.EqualFold(in.String("Name"), name) {
					found = append(found, string(k))
				}
			}
			if len(found) > 0 {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no sequence or package named %q on site %s", name, s.code)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%d objects are named %q: %s", len(found), name, strings.Join(found, ", "))
}

// Stub is an object added under a given ID (see AddStubs).
type Stub struct {
	Class       string
	ID          string // PackageID, or ModelName for applications
	Name        string
	Description string
	Programs    []string
}

// AddStubs adds reference-only objects under their original IDs, so that
// sequences exported from another site apply here unchanged. Objects whose
// ID exists are left alone.
func (s *Site) AddStubs(stubs []Stub) (SeedResult, error) {
	var res SeedResult
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, st := range stubs {
			if st.Class == object.ClassApplication {
				if s.appExists(tx, st.ID) {
					res.Existing = append(res.Existing, st.Class+" "+st.ID)
					continue
				}
				in := provider.New(object.ClassApplication)
				sum := sha1.Sum([]byte(st.ID))
				in.Props["CI_ID"] = fmt.Sprint(int64(16777216) + int64(sum[0])<<16 | int64(sum[1])<<8 | int64(sum[2]))
				in.Props["LocalizedDisplayName"] = st.Name
				in.Props["ModelName"] = st.ID
				in.Props["IsLatest"] = true
				p, _ := pathOf(in)
				if err := s.save(tx, p, in); err != nil {
					return err
				}
				res.Added = append(res.Added, st.Class+" "+st.ID)
				continue
			}
			if _, ok := packageType(st.Class); !ok {
				return fmt.Errorf("stub %s: class %s is not a package class", st.ID, st.Class)
			}
			if !packageIDRE.MatchString(st.ID) {
				return fmt.Errorf("stub %s: not a PackageID", st.ID)
			}
			if s.packageExists(tx, st.ID) {
				res.Existing = append(res.Existing, st.Class+" "+st.ID)
				continue
			}
			// The new site's own default of this class and name gives way
			// to the exported site's, as long as nobody has changed or used
			// it; any other object keeps its name and the clash is reported.
			for _, p := range s.namedIn(tx, st.Class, st.Name) {
				if !s.untouchedDefault(tx, p) {
					res.SharedNames = append(res.SharedNames, fmt.Sprintf("%s %s %q (also %s)", st.Class, st.ID, st.Name, p))
					continue
				}
				if err := tx.Bucket(bucketObjects).Delete([]byte(p)); err != nil {
					return err
				}
				if err := tx.Bucket(bucketMeta).Delete([]byte(defaultKey + p)); err != nil {
					return err
				}
				res.Replaced = append(res.Replaced, p)
			}
			in := provider.New(st.Class)
			in.Props["PackageID"] = st.ID
			in.Props["Name"] = st.Name
			in.Props["Description"] = st.Description
			in.Props["PackageType"], _ = packageType(st.Class)
			in.Props["SourceSite"] = st.ID[:3]
			in.Props["SedoObjectVersion"] = newGUID()
			if st.Class == object.ClassTaskSequencePackage {
				in.Props["Sequence"] = `<sequence version="3.10" />`
				in.Props["References"] = []*provider.Instance{}
				in.Props["ReferencesCount"] = int64(0)
				in.Props["Type"] = int64(1)
			}
			if err := s.save(tx, provider.Path(st.Class, "PackageID", st.ID), in); err != nil {
				return err
			}
			for _, prog := range st.Programs {
				pr := provider.New(object.ClassProgram)
				pr.Props["PackageID"], pr.Props["ProgramName"], pr.Props["CommandLine"] = st.ID, prog, prog
				p, _ := pathOf(pr)
				if err := s.save(tx, p, pr); err != nil {
					return err
				}
			}
			if err := s.bumpCounter(tx, st.ID); err != nil {
				return err
			}
			res.Added = append(res.Added, st.Class+" "+st.ID)
		}
		return nil
	})
	return res, err
}

// namedIn returns the paths of the objects of class named name.
func (s *Site) namedIn(tx *bolt.Tx, class, name string) []string {
	var out []string
	c := tx.Bucket(bucketObjects).Cursor()
	prefix := []byte(class + ".")
	for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
		if in, err := decode(v); err == nil && strings.EqualFold(in.String("Name"), name) {
			out = append(out, string(k))
		}
	}
	return out
}

// untouchedDefault reports whether path is one of the objects the site
// was created with, unchanged since, and used by no task sequence.
func (s *Site) untouchedDefault(tx *bolt.Tx, path string) bool {
	want := tx.Bucket(bucketMeta).Get([]byte(defaultKey + path))
	v := tx.Bucket(bucketObjects).Get([]byte(path))
	if want == nil || v == nil {
		return false
	}
	in, err := decode(v)
	if err != nil || in.String("SedoObjectVersion") != string(want) {
		return false
	}
	id := strings.ToUpper(in.String("PackageID"))
	used := false
	c := tx.Bucket(bucketLazy).Cursor()
	prefix := []byte(object.ClassTaskSequencePackage + ".")
	for k, lv := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)) && !used; k, lv = c.Next() {
		lz, err := decodeSkipping(lv, skipSequence)
		if err != nil {
			return false
		}
		for _, r := range provider.SequenceReferences(lz) {
			if strings.ToUpper(r.Package) == id {
				used = true
			}
		}
	}
	return !used
}

var packageIDRE = regexp.MustCompile(`^[A-Z0-9]{3}[0-9A-F]{5}$`)

// bumpCounter keeps new PackageIDs clear of one added by hand.
func (s *Site) bumpCounter(tx *bolt.Tx, id string) error {
	if !strings.HasPrefix(id, s.code) {
		return nil
	}
	n, err := strconv.ParseUint(id[3:], 16, 64)
	if err != nil {
		return nil
	}
	meta := tx.Bucket(bucketMeta)
	var cur uint64
	if b := meta.Get([]byte("next")); b != nil {
		cur = binary.BigEndian.Uint64(b)
	}
	if n > cur {
		var nb [8]byte
		binary.BigEndian.PutUint64(nb[:], n)
		return meta.Put([]byte("next"), nb[:])
	}
	return nil
}
