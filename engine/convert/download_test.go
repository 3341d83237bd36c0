package convert

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/engine/config"
	"github.com/tsctl/tsctl/provider/export"
)

// A download step lists its packages' names and types beside their IDs
// (PackageInfo): without ReferencesInfo, conversion names them from there
// and seeding stubs them as the right kind of object.
func TestDownloadListNamesItsPackages(t *testing.T) {
	const xml = `<sequence version="3.10"><step type="SMS_TaskSequence_DownloadPackageContentAction" name="Download" runIn="WinPEandFullOS"><action>OsdDownloadContent.exe </action><defaultVarList>
<variable name="OSDDownloadDownloadPackages" property="DownloadPackages">XYZ00010,XYZ00011,XYZ00012</variable>
<variable name="OSDDownloadDestinationLocationType" property="DestinationLocationType">TSCache</variable>
<variable name="OSDPackageCount" property="NumPackages">2</variable>
<variable name="OSDPackage" property="PackageInfo" hidden="true">2</variable>
<variable name="OSDPackage0Name" property="PackageInfo0Name">Dell WinPE Drivers</variable>
<variable name="OSDPackage0PackageId" property="PackageInfo0PackageId">XYZ00010</variable>
<variable name="OSDPackage0PkgType" property="PackageInfo0PkgType">3</variable>
<variable name="OSDPackage0Size" property="PackageInfo0Size">206067</variable>
<variable name="OSDPackage1Name" property="PackageInfo1Name">Windows 11</variable>
<variable name="OSDPackage1PackageId" property="PackageInfo1PackageId">XYZ00011</variable>
<variable name="OSDPackage1PkgType" property="PackageInfo1PkgType">257</variable>
<variable name="OSDPackage1Size" property="PackageInfo1Size">4000000</variable>
</defaultVarList></step></sequence>`
	file := filepath.Join(t.TempDir(), "download.xml")
	if err := os.WriteFile(file, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	ex, err := export.ReadFiles([]string{file})
	if err != nil {
		t.Fatal(err)
	}
	c := New(ExportNames{ex})
	out, err := yaml.Marshal(c.Sequence(ex.Sequences[0]))
	if err != nil {
		t.Fatal(err)
	}
	if want := "packages: [Dell WinPE Drivers, Windows 11, {id: XYZ00012} # no name known for DownloadPackages XYZ00012"; !strings.Contains(string(out), want) {
		t.Errorf("converted step lacks %q:\n%s", want, out)
	}
	kinds := map[string]config.RefKind{}
	names := map[string]string{}
	for _, st := range Stubs(ex) {
		kinds[st.ID], names[st.ID] = st.Kind, st.Name
	}
	for id, want := range map[string]config.RefKind{"XYZ00010": config.RefDriverPackage, "XYZ00011": config.RefOSImage, "XYZ00012": config.RefPackage} {
		if kinds[id] != want {
			t.Errorf("stub %s is a %s, want %s", id, kinds[id], want)
		}
	}
	if names["XYZ00010"] != "Dell WinPE Drivers" {
		t.Errorf("stub XYZ00010 named %q", names["XYZ00010"])
	}
}
