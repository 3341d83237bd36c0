package local

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

var (
	bucketObjects = []byte("objects") // instances without their lazy properties
	bucketLazy    = []byte("lazy")    // the lazy properties, read only by Get
	bucketMeta    = []byte("meta")
	bucketLocks   = []byte("locks")
)

// DefaultCode is the site code of a new local site.
const DefaultCode = "PS1"

// DBFile is the name of the store inside the site folder.
const DBFile = "site.db"

// Options configure a local site.
type Options struct {
	Code    string        // site code for a new site (default PS1)
	Faults  Faults        // injected faults and latency
	Timeout time.Duration // how long to wait for another process holding the site (default 30s)
	User    string        // identity saved as lock holder and compared with lock owners
	// NoSync leaves commits unsynced: for measuring what durability
	// costs, never for a site worth keeping (a crash can lose or corrupt it).
	NoSync bool
	// ReadOnly opens an existing site for reading only: the store is
	// opened read-only (other readers may share it), nothing is created or
	// written, and every write fails as access denied.
	ReadOnly bool
	// Applying says the opener is an apply: while the process holding the
	// store holds the apply lease, Open waits ApplyTimeout for it (and
	// calls OnWait once), instead of Timeout, and then returns a
	// *provider.LeaseHeldError naming that apply.
	Applying     bool
	ApplyTimeout time.Duration
	OnWait       func(provider.LeaseHolder)
}

// Site is an open local site.
type Site struct {
	db      *bolt.DB
	dir     string
	code    string
	user    string
	faults  Faults
	calls   atomic.Int64
	statsMu sync.Mutex
	stats   map[string]int
	writes  committer // Put, SetSequence and Delete, committed in groups

	refIndex atomic.Pointer[referableIndex] // what sequences may reference, as of one committed state

	readOnly bool
	leaseMu  sync.Mutex
	lease    *leaseRecord // the apply lease, while held
}

var siteCodeRE = regexp.MustCompile(`^[A-Z0-9]{3}$`)

// Exists reports whether dir holds a local site.
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, DBFile))
	return err == nil
}

// Open opens the site in dir, creating a new one (holding what a new
// primary site holds) when none exists. The store is held by one process
// at a time: while another holds it, Open waits (see Options) and then
// says who holds it — a *ServedError at once for a "tsctl site serve",
// which holds it until it stops; a *provider.LeaseHeldError for an apply;
// a *BusyError otherwise.
func Open(dir string, opts Options) (*Site, error) {
	if opts.Code == "" {
		opts.Code = DefaultCode
	}
	opts.Code = strings.ToUpper(opts.Code)
	if !siteCodeRE.MatchString(opts.Code) {
		return nil, fmt.Errorf("invalid site code %q: three letters or digits", opts.Code)
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.User == "" {
		opts.User = CurrentUser()
	}
	if opts.ReadOnly {
		if !Exists(dir) {
			return nil, fmt.Errorf("open local site %s: no site there (a read-only open creates none)", dir)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open local site: %w", err)
	}
	db, err := openStore(dir, opts)
	if err != nil {
		return nil, err
	}
	s := &Site{db: db, dir: dir, user: opts.User, faults: opts.Faults, stats: map[string]int{}, readOnly: opts.ReadOnly}
	s.writes.db = db
	if !opts.ReadOnly {
		s.lease = readLease(dir) // a lease held through a server that stopped still holds
	}
	if err := s.init(opts.Code); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// openStore opens the store, waiting while another process holds it.
func openStore(dir string, opts Options) (*bolt.DB, error) {
	path := filepath.Join(dir, DBFile)
	start := time.Now()
	notified := false
	for {
		db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: 100 * time.Millisecond, NoSync: opts.NoSync, ReadOnly: opts.ReadOnly})
		if err == nil {
			return db, nil
		}
		if !errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open local site %s: %w", dir, err)
		}
		waited := time.Since(start)
		if r, ok := Served(dir); ok {
			return nil, &ServedError{Dir: dir, Serve: r}
		}
		if h, ok := HeldLease(dir); ok && opts.Applying {
			if waited >= opts.ApplyTimeout {
				return nil, &provider.LeaseHeldError{Holder: h, Waited: min(waited, opts.ApplyTimeout)}
			}
			if !notified && opts.OnWait != nil {
				notified = true
				opts.OnWait(h)
			}
			continue
		}
		if waited >= opts.Timeout {
			if h, ok := HeldLease(dir); ok {
				return nil, fmt.Errorf("open local site %s: %w", dir, &provider.LeaseHeldError{Holder: h, Waited: waited})
			}
			return nil, &BusyError{Dir: dir, Waited: waited}
		}
	}
}

// CurrentUser is the identity tsctl acts as: DOMAIN\user style when known.
func CurrentUser() string {
	if u := os.Getenv("TSCTL_USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

func (s *Site) init(code string) error {
	// An existing site is only read, so that opening it never rewrites the file.
	_ = s.db.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil {
			if c := meta.Get([]byte("code")); c != nil {
				s.code = string(c)
			}
		}
		return nil
	})
	if s.code != "" {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketObjects); err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketLocks); err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketLazy); err != nil {
			return err
		}
		if c := meta.Get([]byte("code")); c != nil {
			s.code = string(c)
			return nil
		}
		s.code = code
		if err := meta.Put([]byte("code"), []byte(code)); err != nil {
			return err
		}
		// What a new primary site holds.
		for _, o := range []struct{ class, name, desc string }{
			{object.ClassPackage, "Configuration Manager Client Package", "Configuration Manager client installation files"},
			{object.ClassPackage, "User State Migration Tool for Windows", "User State Migration Tool for Windows"},
			{object.ClassBootImagePackage, "Boot image (x64)", "Boot image (x64)"},
		} {
			in := provider.New(o.class)
			in.Props["Name"] = o.name
			in.Props["Description"] = o.desc
			p, err := s.create(tx, in)
			if err != nil {
				return err
			}
			// remembered so that seeding can tell a default nobody touched
			if err := meta.Put([]byte(defaultKey+p), []byte(in.String("SedoObjectVersion"))); err != nil {
				return err
			}
		}
		return s.addDefaults(tx)
	})
}

// Code returns the site code.
func (s *Site) Code() string { return s.code }

// Revision returns the store's revision: every committed write raises it,
// whatever it wrote, so an unchanged revision means that everything read
// at it still holds. It is not a provider call (nothing counted, no
// latency).
func (s *Site) Revision() (uint64, error) {
	var rev uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		rev = uint64(tx.ID())
		return nil
	})
	return rev, err
}

// Dir is the folder holding the site.
func (s *Site) Dir() string { return s.dir }

// Close closes the store.
func (s *Site) Close() error { return s.db.Close() }

// CommitStats reports what the site's writes cost so far (see CommitStats).
func (s *Site) CommitStats() CommitStats { return s.writes.stats() }

// Stats returns the number of provider calls made so far, by kind
// ("query SMS_Package", "get", "put", "delete", "method SetSequence").
func (s *Site) Stats() map[string]int {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return maps.Clone(s.stats)
}

// enter counts a call and applies injected faults. With injected latency
// the call answers once that much time has passed since it began (wait),
// as a real provider's response time covers its own work: a call whose
// work takes longer answers when its work is done. A failed call answers
// after the latency too.
func (s *Site) enter(ctx context.Context, kind, op string) (time.Time, error) {
	start := time.Now()
	n := s.calls.Add(1)
	if s.faults.calls != nil {
		n = s.faults.calls.Add(1)
	}
	s.statsMu.Lock()
	s.stats[kind]++
	s.statsMu.Unlock()
	if err := ctx.Err(); err != nil {
		return start, err
	}
	if err := s.faults.pause(ctx, s.dir, op); err != nil {
		return start, err
	}
	if err := s.faults.check(n, op); err != nil {
		s.wait(ctx, start)
		return start, err
	}
	return start, nil
}

// wait returns once the injected latency has passed since start (or ctx
// is done: the call's work is done either way).
func (s *Site) wait(ctx context.Context, start time.Time) {
	d := s.faults.Latency - time.Since(start)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Query implements provider.Site.
func (s *Site) Query(ctx context.Context, q provider.Query) ([]*provider.Instance, error) {
	start, err := s.enter(ctx, "query "+q.Class, "Query")
	if err != nil {
		return nil, err
	}
	defer s.wait(ctx, start)
	if q.Class == provider.ClassIdentification {
		// The site this provider serves, as a real site answers it.
		id := provider.New(q.Class)
		id.Props["ThisSiteCode"] = s.code
		id.Props["ThisSiteName"] = "tsctl local site " + s.code
		return []*provider.Instance{id}, nil
	}
	var out []*provider.Instance
	err = s.db.View(func(tx *bolt.Tx) error {
		if q.Class == object.ClassCollectionMember {
			out = s.collectionMembers(tx, q.Where)
			return nil
		}
		c := tx.Bucket(bucketObjects).Cursor()
		prefix := []byte(q.Class + ".")
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			in, err := decode(v)
			if err != nil {
				return err
			}
			if q.Class == object.ClassDistributionStatus {
				in = s.statusNow(tx, in)
			}
			if !matches(in, q.Where) {
				continue
			}
			if len(q.Select) > 0 {
				keep := map[string]bool{}
				for _, p := range q.Select {
					keep[p] = true
				}
				for _, k := range keysOf(q.Class) {
					keep[k] = true
				}
				for p := range in.Props {
					if !keep[p] {
						delete(in.Props, p)
					}
				}
			}
			out = append(out, in)
		}
		return nil
	})
	return out, err
}

func matches(in *provider.Instance, where map[string]string) bool {
	for k, v := range where {
		if in.String(k) != v {
			return false
		}
	}
	return true
}

// Get implements provider.Site.
func (s *Site) Get(ctx context.Context, path string) (*provider.Instance, error) {
	in, _, err := s.GetSince(ctx, path, 0)
	return in, err
}

// GetSince is Get for a caller that keeps what it made of earlier
// answers (the served site keeps each object's encoded answer): rev is
// the store's revision that caller's answer was read at (0 for none), and
// now the revision this one was. When the store has not changed since
// rev (every committed write raises its revision, whatever it wrote) and
// the object's answer depends on the store alone, the answer read then
// still holds and in is nil, without reading the object. now is 0 for
// an answer that also depends on the time (a distribution status
// advances by itself). The call is counted, and faults and latency
// injected, as for Get.
func (s *Site) GetSince(ctx context.Context, path string, rev uint64) (in *provider.Instance, now uint64, err error) {
	start, err := s.enter(ctx, "get", "Get")
	if err != nil {
		return nil, 0, err
	}
	defer s.wait(ctx, start)
	class, _, _ := strings.Cut(path, ".")
	timed := class == object.ClassDistributionStatus
	err = s.db.View(func(tx *bolt.Tx) error {
		if now = uint64(tx.ID()); timed {
			now = 0
		}
		if rev != 0 && now == rev {
			return nil
		}
		var err error
		in, err = s.get(tx, path)
		if err != nil {
			return err
		}
		if in.Class == object.ClassDistributionStatus {
			in, now = s.statusNow(tx, in), 0
		}
		if in.Class == object.ClassTaskSequencePackage {
			in.Props["TaskSequenceFlags"] = s.danglingFlag(tx, in)
		}
		release(tx, tx.Bucket(bucketLazy).Get([]byte(path))) // copied out by get
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return in, now, nil
}

func (s *Site) get(tx *bolt.Tx, path string) (*provider.Instance, error) {
	v := tx.Bucket(bucketObjects).Get([]byte(path))
	if v == nil {
		return nil, &provider.Error{Kind: provider.KindNotFound, Op: "Get " + path, Msg: "object not found", Code: 0x80041002}
	}
	in, err := decode(v)
	if err != nil {
		return nil, err
	}
	if lv := tx.Bucket(bucketLazy).Get([]byte(path)); lv != nil {
		l, err := decode(lv)
		if err != nil {
			return nil, err
		}
		for k, v := range l.Props {
			in.Props[k] = v
		}
	}
	return in, nil
}

// save stores an instance, its lazy properties apart so that queries never
// read them.
func (s *Site) save(tx *bolt.Tx, path string, in *provider.Instance) error {
	base := &provider.Instance{Class: in.Class, Props: make(map[string]any, len(in.Props))}
	lz := &provider.Instance{Class: in.Class, Props: map[string]any{}}
	isLazy := map[string]bool{}
	for _, l := range lazy[in.Class] {
		isLazy[l] = true
	}
	for k, v := range in.Props {
		if isLazy[k] {
			lz.Props[k] = v
		} else {
			base.Props[k] = v
		}
	}
	b, err := encode(base)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketObjects).Put([]byte(path), b); err != nil {
		return err
	}
	if len(lz.Props) == 0 {
		return tx.Bucket(bucketLazy).Delete([]byte(path))
	}
	lb, err := encode(lz)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketLazy).Put([]byte(path), lb)
}

// Put implements provider.Site: an instance without its key creates a new
// object, whose key the site assigns (a package's PackageID, a
// deployment's AdvertisementID, a folder's ContainerNodeID…); with its
// key it updates the object in place, refusing a change to what cannot
// change once made (a deployment's collection, package, program and
// name). Programs and content on a distribution point are created with
// the keys their caller gives. Each class's own rules are checked before
// anything is written (check).
func (s *Site) Put(ctx context.Context, in *provider.Instance) (string, error) {
	start, err := s.enter(ctx, "put", "Put")
	if err != nil {
		return "", err
	}
	defer s.wait(ctx, start)
	op := "Put " + in.Class
	if s.readOnly {
		return "", errReadOnly(op)
	}
	if !known(in.Class) || !written(in.Class) {
		return "", &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "class not supported by the local site", Code: 0x80041010}
	}
	var path string
	err = s.writes.update(func(tx *bolt.Tx) error {
		p, hasKey := pathOf(in)
		if !hasKey {
			if in.Class == object.ClassTaskSequencePackage {
				return &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "a task sequence package is created with SetSequence"}
			}
			if _, isPkg := packageType(in.Class); isPkg {
				var err error
				path, err = s.create(tx, in.Clone())
				return err
			}
			if newKey := keyMaker[in.Class]; newKey != nil {
				cur := in.Clone()
				if err := s.check(tx, op, cur, nil); err != nil {
					return err
				}
				if err := newKey(s, tx, cur); err != nil {
					return err
				}
				cur.Props["SourceSite"] = s.code
				p, _ = pathOf(cur)
				path = p
				return s.saveNew(tx, p, cur)
			}
			return &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "key properties missing: " + strings.Join(keysOf(in.Class), ", ")}
		}
		if err := s.checkLock(tx, op, p); err != nil {
			return err
		}
		cur, err := s.get(tx, p)
		var was *provider.Instance
		if provider.IsKind(err, provider.KindNotFound) {
			if _, isPkg := packageType(in.Class); isPkg || keyMaker[in.Class] != nil {
				return &provider.Error{Kind: provider.KindNotFound, Op: op, Msg: "no object at " + p, Code: 0x80041002}
			}
			cur, err = provider.New(in.Class), nil
		} else if err == nil {
			was = cur.Clone()
		}
		if err != nil {
			return err
		}
		ro := map[string]bool{}
		for _, r := range readOnly[in.Class] {
			ro[r] = true
		}
		for k, v := range in.Clone().Props {
			if !ro[k] {
				cur.Props[k] = v
			}
		}
		if err := s.check(tx, op, cur, was); err != nil {
			return err
		}
		path = p
		if was == nil {
			return s.saveNew(tx, p, cur)
		}
		cur.Props["SedoObjectVersion"] = newGUID()
		cur.Props["LastRefreshTime"] = now()
		return s.save(tx, p, cur)
	})
	return path, err
}

// saveNew stores an object the Put creates, with what the site adds to a
// new object of its class (check has accepted it).
func (s *Site) saveNew(tx *bolt.Tx, p string, in *provider.Instance) error {
	in.Props["SedoObjectVersion"] = newGUID()
	in.Props["LastRefreshTime"] = now()
	if after := created[in.Class]; after != nil {
		return after(s, tx, p, in)
	}
	return s.save(tx, p, in)
}

// create stores a new package-class object under a new PackageID.
func (s *Site) create(tx *bolt.Tx, in *provider.Instance) (string, error) {
	if in.String("Name") == "" {
		return "", &provider.Error{Kind: provider.KindInvalid, Op: "Put " + in.Class, Msg: "Name is required"}
	}
	meta := tx.Bucket(bucketMeta)
	var n uint64
	if b := meta.Get([]byte("next")); b != nil {
		n = binary.BigEndian.Uint64(b)
	}
	n++
	if n > 0xFFFFF {
		return "", &provider.Error{Kind: provider.KindFailed, Op: "Put " + in.Class, Msg: "PackageID space exhausted"}
	}
	var nb [8]byte
	binary.BigEndian.PutUint64(nb[:], n)
	if err := meta.Put([]byte("next"), nb[:]); err != nil {
		return "", err
	}
	id := fmt.Sprintf("%s%05X", s.code, n)
	in.Props["PackageID"] = id
	in.Props["PackageType"], _ = packageType(in.Class)
	in.Props["SourceSite"] = s.code
	in.Props["SedoObjectVersion"] = newGUID()
	in.Props["LastRefreshTime"] = now()
	p := provider.Path(in.Class, "PackageID", id)
	return p, s.save(tx, p, in)
}

// Delete implements provider.Site.
func (s *Site) Delete(ctx context.Context, path string) error {
	start, err := s.enter(ctx, "delete", "Delete")
	if err != nil {
		return err
	}
	defer s.wait(ctx, start)
	if s.readOnly {
		return errReadOnly("Delete " + path)
	}
	return s.writes.update(func(tx *bolt.Tx) error {
		if _, err := s.get(tx, path); err != nil {
			return err
		}
		if err := s.checkLock(tx, "Delete", path); err != nil {
			return err
		}
		class, keys, err := provider.ParsePath(path)
		if err != nil {
			return err
		}
		if err := s.checkDelete(tx, "Delete "+path, class, keys); err != nil {
			return err
		}
		// Deleting a package deletes its programs, as the SMS Provider
		// does, and its place in a folder and on distribution points.
		if err := s.deleted(tx, class, keys); err != nil {
			return err
		}
		tx.Bucket(bucketLocks).Delete([]byte(path))
		tx.Bucket(bucketLazy).Delete([]byte(path))
		return tx.Bucket(bucketObjects).Delete([]byte(path))
	})
}

// lockRecord is a SEDO lock held on an object.
type lockRecord struct {
	User    string    `json:"user"`
	Machine string    `json:"machine"`
	Time    time.Time `json:"time"`
}

func (s *Site) lockOf(tx *bolt.Tx, path string) (lockRecord, bool) {
	v := tx.Bucket(bucketLocks).Get([]byte(path))
	if v == nil {
		return lockRecord{}, false
	}
	var l lockRecord
	if json.Unmarshal(v, &l) != nil {
		return lockRecord{}, false
	}
	return l, true
}

func (s *Site) checkLock(tx *bolt.Tx, op, path string) error {
	l, ok := s.lockOf(tx, path)
	if !ok || strings.EqualFold(l.User, s.user) {
		return nil
	}
	li := provider.LockInfo{State: provider.LockAssigned, User: l.User, Machine: l.Machine, Site: s.code, Since: l.Time}
	return &provider.Error{Kind: provider.KindLocked, Op: op, Msg: "object is " + li.String(), Holder: &li, Code: 0x80041001}
}

// Lock records a SEDO lock held by user on the object at path, as another
// administrator's console would.
func (s *Site) Lock(path, user, machine string) error {
	if s.readOnly {
		return errReadOnly("Lock " + path)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if _, err := s.get(tx, path); err != nil {
			return err
		}
		b, _ := json.Marshal(lockRecord{User: user, Machine: machine, Time: time.Now().UTC().Truncate(time.Second)})
		return tx.Bucket(bucketLocks).Put([]byte(path), b)
	})
}

// Unlock releases the lock on path.
func (s *Site) Unlock(path string) error {
	if s.readOnly {
		return errReadOnly("Unlock " + path)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLocks).Delete([]byte(path))
	})
}

// Objects lists every stored object, sorted by class then path.
func (s *Site) Objects() ([]*provider.Instance, error) {
	var out []*provider.Instance
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketObjects).ForEach(func(k, v []byte) error {
			in, err := decode(v)
			if err != nil {
				return err
			}
			out = append(out, in)
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Class < out[j].Class })
	return out, err
}

// Locks lists the locks currently held, by object path.
func (s *Site) Locks() (map[string]provider.LockInfo, error) {
	out := map[string]provider.LockInfo{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLocks).ForEach(func(k, v []byte) error {
			var l lockRecord
			if err := json.Unmarshal(v, &l); err != nil {
				return err
			}
			out[string(k)] = provider.LockInfo{State: provider.LockAssigned, User: l.User, Machine: l.Machine, Site: s.code, Since: l.Time}
			return nil
		})
	})
	return out, err
}

func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%08X-%04X-%04X-%04X-%012X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }
