package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/convert"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/localfile"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/views"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
)

// siteCommands are the subcommands of tsctl site, in the order help lists them.
var siteCommands = []struct{ name, args, summary string }{
	{"init", "", "create an embedded local site"},
	{"show", "", "list the embedded site's objects and locks"},
	{"seed", "FILE|FOLDER...", "add the objects a seed file or an export references to the embedded site"},
	{"lock", "NAME --user U", "simulate another administrator holding a lock on the embedded site"},
	{"unlock", "NAME", "release a lock on the embedded site"},
	{"delete", "NAME", "delete an object from the embedded site as an administrator would in the console (no checks)"},
	{"serve", "", "serve the embedded site over the AdminService REST routes on loopback (HTTPS)"},
	{"check", "--site URL", "probe any site, read-only, for what tsctl needs (site code, queries, lazy read, locks, rights)"},
}

func (c *cli) site(args []string) int {
	subs := map[string]func([]string) int{
		"init": c.siteInit, "serve": c.siteServe, "show": c.siteShow, "seed": c.siteSeed, "lock": c.siteLock, "unlock": c.siteUnlock, "delete": c.siteDelete,
		"check": c.siteCheck,
	}
	if len(args) > 0 && subs[args[0]] != nil {
		return subs[args[0]](args[1:])
	}
	help := len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help")
	w := c.stderr
	if help {
		w = c.stdout
	}
	if len(args) > 0 && !help {
		if strings.HasPrefix(args[0], "-") {
			c.errorf("tsctl site needs a command before its flags")
		} else {
			c.errorf("unknown site command %q", args[0])
			var names []string
			for _, s := range siteCommands {
				names = append(names, s.name)
			}
			if s := diag.Similar(args[0], names); len(s) > 0 {
				c.hint("%s", diag.DidYouMean(s))
			}
		}
	}
	fmt.Fprintln(w, "Usage: tsctl site <command> [flags]")
	fmt.Fprintln(w, "\nManage the embedded local site (and check any site).\n\nCommands:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range siteCommands {
		fmt.Fprintf(tw, "  %s %s\t%s\n", s.name, s.args, s.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nRun tsctl site <command> -h for a command's flags.")
	if help {
		return exitOK
	}
	return exitError
}

// openLocal opens a local: site for the site subcommands. While "tsctl
// site serve" holds the site's store, the operations go to that server
// (its owner route), so that the commands work the same. readOnly opens
// the store for reading only, which another reader (a read-only server)
// may share.
func (c *cli) openLocal(url, code string, mustExist, readOnly bool) (siteStore, bool) {
	if !strings.HasPrefix(url, "local:") {
		c.errorf("tsctl site works on the embedded local site only (local:PATH), not %q", url)
		return nil, false
	}
	dir := strings.TrimPrefix(url, "local:")
	if mustExist && !local.Exists(dir) {
		c.errorf("no local site in %s", dir)
		c.hint("create one with tsctl site init --site %s", url)
		return nil, false
	}
	served := func(rec local.ServeRecord) (siteStore, bool) {
		s, err := openServed(rec)
		if err != nil {
			c.errorf("%v", err)
			return nil, false
		}
		return s, true
	}
	if rec, ok := local.Served(dir); ok {
		return served(rec)
	}
	s, err := local.Open(dir, local.Options{Code: code, ReadOnly: readOnly && local.Exists(dir)})
	var se *local.ServedError
	if errors.As(err, &se) {
		return served(se.Serve)
	}
	if err != nil {
		c.fail(err)
		return nil, false
	}
	return s, true
}

func (c *cli) siteInit(args []string) int {
	fs := c.flags("site init", "")
	siteFlag := fs.String("site", "", "site URL (default $"+SiteEnv+", else "+DefaultSite+")")
	code := fs.String("code", local.DefaultCode, "site code of the new site (three letters or digits)")
	if !c.parse(fs, args, 0, 0) {
		return c.parseExit(fs)
	}
	url := c.localSiteURL(*siteFlag)
	dir := strings.TrimPrefix(url, "local:")
	existed := strings.HasPrefix(url, "local:") && local.Exists(dir)
	s, ok := c.openLocal(url, *code, false, false)
	if !ok {
		return exitError
	}
	defer s.Close()
	if existed {
		if !strings.EqualFold(s.Code(), *code) {
			c.errorf("%s already holds site %s", dir, s.Code())
			return exitError
		}
		fmt.Fprintf(c.stdout, "Site %s already exists in %s.\n", s.Code(), dir)
		return exitOK
	}
	fmt.Fprintf(c.stdout, "Created site %s in %s.\n", s.Code(), dir)
	return exitOK
}

func (c *cli) siteShow(args []string) int {
	fs := c.flags("site show", "")
	siteFlag := fs.String("site", "", "site URL (default $"+SiteEnv+", else "+DefaultSite+")")
	asJSON := fs.Bool("json", false, "print objects as JSON")
	if !c.parse(fs, args, 0, 0) {
		return c.parseExit(fs)
	}
	s, ok := c.openLocal(c.localSiteURL(*siteFlag), "", true, true)
	if !ok {
		return exitError
	}
	defer s.Close()
	objs, err := s.Objects()
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	locks, err := s.Locks()
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	var rows []views.SiteObject
	for _, o := range objs {
		lock := ""
		for p, l := range locks {
			if strings.Contains(p, `"`+idOf(o.Props)+`"`) {
				lock = l.String()
			}
		}
		rows = append(rows, views.SiteObject{Class: o.Class, ID: keyText(o), Name: nameText(o), Version: o.String("SedoObjectVersion"),
			Lock: lock, References: o.Int("ReferencesCount")})
	}
	doc := views.NewSiteObjects(s.Code(), s.Dir(), rows)
	if *asJSON {
		if !c.writeDocument(doc) {
			return exitError
		}
		return exitOK
	}
	if err := doc.WriteHuman(c.stdout); err != nil {
		c.errorf("%v", err)
		return exitError
	}
	return exitOK
}

func idOf(p map[string]any) string {
	if v, ok := p["PackageID"].(string); ok {
		if pn, ok := p["ProgramName"].(string); ok {
			return v + "/" + pn
		}
		return v
	}
	if v, ok := p["CI_ID"].(string); ok {
		return v
	}
	return ""
}

func nameOf(p map[string]any) string {
	for _, k := range []string{"Name", "ProgramName", "LocalizedDisplayName"} {
		if v, ok := p[k].(string); ok {
			return v
		}
	}
	return ""
}

// keyText is an object's key as site show lists it: its key properties'
// values, joined by "/" (a program's PackageID/ProgramName).
func keyText(in *provider.Instance) string {
	if in.Class == object.ClassProgram || in.Class == object.ClassApplication {
		return idOf(in.Props)
	}
	var parts []string
	for _, k := range object.KeyOf(in.Class) {
		parts = append(parts, in.String(k))
	}
	return strings.Join(parts, "/")
}

// nameText is an object's name as site show lists it: its kind's name
// property, else a name it has.
func nameText(in *provider.Instance) string {
	if k, ok := object.OfClass(in.Class); ok {
		if v := in.String(k.NameProp()); v != "" {
			return v
		}
	}
	if v := nameOf(in.Props); v != "" {
		return v
	}
	for _, k := range []string{"RoleName", "PropertyName", "InstanceKey", "PkgID", "DPNALPath"} {
		if v := in.String(k); v != "" {
			return v
		}
	}
	return ""
}

func (c *cli) siteSeed(args []string) int {
	fs := c.flags("site seed", "FILE|FOLDER...")
	siteFlag := fs.String("site", "", "site URL (default $"+SiteEnv+", else "+DefaultSite+")")
	if !c.parse(fs, args, 1, -1) {
		return c.parseExit(fs)
	}
	file := fs.parsed[0]
	if ext := strings.ToLower(filepath.Ext(file)); len(fs.parsed) > 1 || ext == ".xml" || ext == ".zip" || isDir(file) {
		// Export files, as tsctl convert reads them: a folder stands for
		// its .xml and .zip files.
		return c.seedExport(*siteFlag, fs.parsed)
	}
	data, err := localfile.Read(file, config.MaxFileBytes)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	var seed local.Seed
	if ds := config.DecodeStrict(file, data, &seed); ds.HasErrors() {
		c.printDiags(ds)
		c.errorf("%s is not a seed file; nothing was changed", file)
		c.hint("a seed file lists applications, bootImages, packages, osImages, osUpgradePackages and driverPackages by name")
		return exitError
	}
	s, ok := c.openLocal(c.localSiteURL(*siteFlag), "", false, false)
	if !ok {
		return exitError
	}
	defer s.Close()
	res, err := s.ApplySeed(seed)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	fmt.Fprintf(c.stdout, "Seeded site %s: %d added, %d already present.\n", s.Code(), len(res.Added), len(res.Existing))
	return exitOK
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// siteObject runs a site subcommand that acts on one object named NAME.
func (c *cli) siteObject(name string, args []string, extra func(*flagSet), act func(s siteStore, path string) (string, error)) int {
	fs := c.flags("site "+name, "NAME")
	siteFlag := fs.String("site", "", "site URL (default $"+SiteEnv+", else "+DefaultSite+")")
	if extra != nil {
		extra(fs)
	}
	if !c.parse(fs, args, 1, 1) {
		return c.parseExit(fs)
	}
	s, ok := c.openLocal(c.localSiteURL(*siteFlag), "", true, false)
	if !ok {
		return exitError
	}
	defer s.Close()
	path, err := s.FindByName(fs.parsed[0])
	var msg string
	if err == nil {
		msg, err = act(s, path)
	}
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	fmt.Fprintln(c.stdout, msg)
	return exitOK
}

func (c *cli) siteLock(args []string) int {
	var user, machine *string
	return c.siteObject("lock", args, func(fs *flagSet) {
		user = fs.String("user", `CORP\other-admin`, "administrator who holds the lock")
		machine = fs.String("machine", "ADMIN-PC", "computer the lock is held from")
	}, func(s siteStore, path string) (string, error) {
		return fmt.Sprintf("Locked %s for %s on %s.", path, *user, *machine), s.Lock(path, *user, *machine)
	})
}

func (c *cli) siteUnlock(args []string) int {
	return c.siteObject("unlock", args, nil, func(s siteStore, path string) (string, error) {
		return "Unlocked " + path + ".", s.Unlock(path)
	})
}

func (c *cli) siteDelete(args []string) int {
	return c.siteObject("delete", args, nil, func(s siteStore, path string) (string, error) {
		return "Deleted " + path + ".", s.Delete(context.Background(), path)
	})
}

// seedExport adds every object an export references, under its original
// ID and name, so that the converted sequences apply to this site.
func (c *cli) seedExport(siteFlag string, files []string) int {
	ex, err := exportfile.ReadFiles(files)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	c.skipped(ex)
	s, ok := c.openLocal(c.localSiteURL(siteFlag), "", false, false)
	if !ok {
		return exitError
	}
	defer s.Close()
	res, err := s.AddStubs(LocalStubs(convert.Stubs(ex)))
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	fmt.Fprintf(c.stdout, "Seeded site %s from %d %s: %d added, %d already present.\n", s.Code(),
		len(ex.Sequences), plural(len(ex.Sequences), "sequence", "sequences"), len(res.Added), len(res.Existing))
	for _, p := range res.Replaced {
		c.notef("the exported site's object of the same name replaces this site's unused default %s", p)
	}
	for _, d := range res.SharedNames {
		c.warnf("two objects now share a name: %s", d)
	}
	if len(res.SharedNames) > 0 {
		c.hint("a reference by that name is ambiguous; reference the object by ID ({id: PackageID}) or rename one of them")
	}
	return exitOK
}

// LocalStubs maps conversion stubs to local-site classes.
func LocalStubs(in []convert.Stub) []local.Stub {
	out := make([]local.Stub, 0, len(in))
	for _, st := range in {
		out = append(out, local.Stub{Class: st.Kind.Class(), ID: st.ID, Name: st.Name, Description: st.Description, Programs: st.Programs})
	}
	return out
}
