package workload

import (
	"archive/zip"
	"fmt"
	"html"
	"io"
	"regexp"
	"sort"
	"strings"
)

// ExportSequence is a task sequence package as a console export holds it.
type ExportSequence struct {
	PackageID, Name, Description, Category, BootImageID string
	XML                                                 string // the Sequence property
}

// ExportRef is an object sequences reference, as ReferencesInfo.xml names it.
type ExportRef struct {
	PackageID, Name string
	PackageType     int
}

// packageIDs finds what look like PackageIDs (site code and five hex
// digits) in a sequence's XML.
var packageIDs = regexp.MustCompile(`\b[A-Z0-9]{3}[0-9A-F]{5}\b`)

// WriteExportZip writes an export .zip as the console's Export Task
// Sequence wizard lays it out: for each sequence,
// SMS_TaskSequencePackage/<PackageID>/object.xml (the package's INSTANCE,
// its Sequence escaped as text) and ReferencesInfo.xml naming each object
// of refs the sequence's XML mentions.
func WriteExportZip(w io.Writer, seqs []ExportSequence, refs map[string]ExportRef) error {
	zw := zip.NewWriter(w)
	prop := func(b *strings.Builder, name, typ, value string) {
		fmt.Fprintf(b, "  <PROPERTY NAME=%q TYPE=%q><VALUE>%s</VALUE></PROPERTY>\n", name, typ, html.EscapeString(value))
	}
	for _, s := range seqs {
		var b strings.Builder
		b.WriteString("<INSTANCE CLASSNAME=\"SMS_TaskSequencePackage\">\n")
		prop(&b, "PackageID", "string", s.PackageID)
		prop(&b, "Name", "string", s.Name)
		prop(&b, "Description", "string", s.Description)
		prop(&b, "Category", "string", s.Category)
		if s.BootImageID != "" {
			prop(&b, "BootImageID", "string", s.BootImageID)
		}
		prop(&b, "Sequence", "string", s.XML)
		b.WriteString("</INSTANCE>\n")
		if err := writeMember(zw, "SMS_TaskSequencePackage/"+s.PackageID+"/object.xml", b.String()); err != nil {
			return err
		}
		seen := map[string]bool{}
		var ids []string
		for _, id := range packageIDs.FindAllString(s.XML+" "+s.BootImageID, -1) {
			if _, ok := refs[id]; ok && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		b.Reset()
		b.WriteString("<ArrayOfString xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n")
		for _, id := range ids {
			r := refs[id]
			in := fmt.Sprintf(`<INSTANCE CLASSNAME="SMS_TaskSequenceReferencesInfo"><PROPERTY NAME="ReferenceName" TYPE="string"><VALUE>%s</VALUE></PROPERTY><PROPERTY NAME="ReferencePackageID" TYPE="string"><VALUE>%s</VALUE></PROPERTY><PROPERTY NAME="ReferencePackageType" TYPE="uint32"><VALUE>%d</VALUE></PROPERTY></INSTANCE>`,
				html.EscapeString(r.Name), r.PackageID, r.PackageType)
			fmt.Fprintf(&b, "  <string>%s</string>\n", html.EscapeString(in))
		}
		b.WriteString("</ArrayOfString>\n")
		if err := writeMember(zw, "SMS_TaskSequencePackage/"+s.PackageID+"/ReferencesInfo.xml", b.String()); err != nil {
			return err
		}
	}
	return zw.Close()
}

func writeMember(zw *zip.Writer, name, text string) error {
	f, err := zw.Create(name)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, text)
	return err
}
