package views

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// SiteObjects is what an embedded site holds, as tsctl site show prints
// it (--json: this document).
type SiteObjects struct {
	FormatVersion string       `json:"format_version"`
	Objects       []SiteObject `json:"objects"` // by class and key; never null
	Site          string       `json:"site"`    // the site code
	Dir           string       `json:"-"`       // the site's folder, for people
}

// SiteObject is one object of a site.
type SiteObject struct {
	Class string `json:"class"` // the SMS Provider class
	// ID is the object's key: a PackageID, PackageID/ProgramName for a
	// program, CI_ID for an application.
	ID         string `json:"id"`
	Name       string `json:"name"`
	Version    string `json:"version,omitempty"`    // SedoObjectVersion; optional
	Lock       string `json:"lock,omitempty"`       // who holds its SEDO lock, since when; optional
	References int64  `json:"references,omitempty"` // a sequence's ReferencesCount; optional
}

// NewSiteObjects views the objects of site code (in the folder dir).
func NewSiteObjects(code, dir string, objs []SiteObject) *SiteObjects {
	if objs == nil {
		objs = []SiteObject{}
	}
	return &SiteObjects{FormatVersion: FormatVersion, Site: code, Dir: dir, Objects: objs}
}

// WriteHuman prints the objects as a table: class, ID, name and lock.
func (s *SiteObjects) WriteHuman(w io.Writer) error {
	fmt.Fprintf(w, "Site %s (%s)\n", s.Site, s.Dir)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLASS\tID\tNAME\tLOCK")
	for _, o := range s.Objects {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.Class, o.ID, o.Name, o.Lock)
	}
	return tw.Flush()
}
