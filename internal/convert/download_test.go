package convert

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/object"
)

// A download step lists its packages' names and types beside their IDs
// (PackageInfo): without ReferencesInfo, conversion names them from there
// and seeding stubs them as the right kind of object.
func TestDownloadListNamesItsPackages(t *testing.T) {
	const xml = `<sequence version="3.10"><step type="SMS_TaskSequence_DownloadPackageContentAction" name="Download" description="" runIn="WinPEandFullOS" successCodeList="0" retryCount="0" runFromNet="false"><action>OsdDownloadContent.exe </action><defaultVarList>
<variable name="OSDDownloadContinueDownloadOnError" property="ContinueDownloadOnError">true</variable>
<variable name="OSDDownloadDownloadPackages" property="DownloadPackages">XYZ00010,XYZ00011,XYZ00012</variable>
<variable name="OSDDownloadDestinationLocationType" property="DestinationLocationType">TSCache</variable>
<variable name="OSDPackageCount" property="NumPackages">3</variable>
<variable name="OSDPackage" property="PackageInfo" hidden="true">3</variable>
<variable name="OSDPackage0Name" property="PackageInfo0Name">Dell WinPE Drivers</variable>
<variable name="OSDPackage0PackageId" property="PackageInfo0PackageId">XYZ00010</variable>
<variable name="OSDPackage0PkgType" property="PackageInfo0PkgType">3</variable>
<variable name="OSDPackage0Size" property="PackageInfo0Size">206067</variable>
<variable name="OSDPackage1Name" property="PackageInfo1Name">Windows 11</variable>
<variable name="OSDPackage1PackageId" property="PackageInfo1PackageId">XYZ00011</variable>
<variable name="OSDPackage1PkgType" property="PackageInfo1PkgType">257</variable>
<variable name="OSDPackage1Size" property="PackageInfo1Size">4000000</variable>
<variable name="OSDPackage2Name" property="PackageInfo2Name"></variable>
<variable name="OSDPackage2PackageId" property="PackageInfo2PackageId">XYZ00012</variable>
<variable name="OSDPackage2PkgType" property="PackageInfo2PkgType">0</variable>
<variable name="OSDPackage2Size" property="PackageInfo2Size">0</variable>
</defaultVarList></step></sequence>`
	ex, out := convertXML(t, xml)
	if want := "packages: [Dell WinPE Drivers, Windows 11, {id: XYZ00012} # no name known for DownloadPackages XYZ00012"; !strings.Contains(string(out), want) {
		t.Errorf("converted step lacks %q:\n%s", want, out)
	}
	kinds := map[string]object.Kind{}
	names := map[string]string{}
	for _, st := range Stubs(ex) {
		kinds[st.ID], names[st.ID] = st.Kind, st.Name
	}
	for id, want := range map[string]object.Kind{"XYZ00010": object.DriverPackage, "XYZ00011": object.OSImage, "XYZ00012": object.Package} {
		if kinds[id] != want {
			t.Errorf("stub %s is a %s, want %s", id, kinds[id], want)
		}
	}
	if names["XYZ00010"] != "Dell WinPE Drivers" {
		t.Errorf("stub XYZ00010 named %q", names["XYZ00010"])
	}
}

// An Install Application step lists its applications' display names beside
// their model names (AppInfo): conversion names them from there, since
// AppReferencesInfo carries model names only.
func TestInstallApplicationNamesItsApplications(t *testing.T) {
	const xml = `<sequence version="3.10"><step type="SMS_TaskSequence_InstallApplicationAction" name="Apps" description="" runIn="FullOS" successCodeList="0" retryCount="2" runFromNet="false"><action>smsappinstall.exe /app:ScopeId_1/Application_A,ScopeId_1/Application_B,ScopeId_1/Application_C,ScopeId_1/Application_D /basevar: /continueOnError:false</action><defaultVarList>
<variable name="OSDAppClearCache" property="ClearCache">false</variable>
<variable name="ContinueOnInstallError" property="ContinueOnInstallError" hidden="true">false</variable>
<variable name="RetryCount" property="RetryCount" hidden="true">2</variable>
<variable name="ApplicationName" property="ApplicationName" hidden="true">ScopeId_1/Application_A,ScopeId_1/Application_B,ScopeId_1/Application_C,ScopeId_1/Application_D</variable>
<variable name="OSDApp" property="AppInfo" hidden="true">4</variable>
<variable name="OSDApp0Name" property="AppInfo0Name">ScopeId_1/Application_A</variable>
<variable name="OSDApp0DisplayName" property="AppInfo0DisplayName">Contoso Agent</variable>
<variable name="OSDApp1Name" property="AppInfo1Name">ScopeId_1/Application_B</variable>
<variable name="OSDApp1DisplayName" property="AppInfo1DisplayName">Contoso Agent</variable>
<variable name="OSDApp2Name" property="AppInfo2Name">ScopeId_1/Application_C</variable>
<variable name="OSDApp3Name" property="AppInfo3Name">ScopeId_1/Application_D</variable>
<variable name="OSDApp3DisplayName" property="AppInfo3DisplayName">Contoso Agent VPN</variable>
<variable name="OSDAppCount" property="NumApps">4</variable>
</defaultVarList></step></sequence>`
	ex, out := convertXML(t, xml)
	// A and B share a display name, so neither is named by it (a name must
	// resolve to one application); C lists none.
	for _, want := range []string{"- Contoso Agent VPN\n", "- {id: ScopeId_1/Application_A} # no name known for this application",
		"- {id: ScopeId_1/Application_B} #", "- {id: ScopeId_1/Application_C} #"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("converted step lacks %q:\n%s", want, out)
		}
	}
	names := map[string]string{}
	for _, st := range Stubs(ex) {
		names[st.ID] = st.Name
	}
	for id, want := range map[string]string{"ScopeId_1/Application_D": "Contoso Agent VPN", "ScopeId_1/Application_A": "ScopeId_1/Application_A", "ScopeId_1/Application_C": "ScopeId_1/Application_C"} {
		if names[id] != want {
			t.Errorf("stub %s named %q, want %q", id, names[id], want)
		}
	}
}

// convertXML reads one sequence document as an export and converts it.
func convertXML(t *testing.T, xml string) (*exportfile.Export, []byte) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "sequence.xml")
	if err := os.WriteFile(file, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	ex, err := exportfile.ReadFiles([]string{file})
	if err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(New(ExportNames{Ex: ex}).Sequence(ex.Sequences[0]))
	if err != nil {
		t.Fatal(err)
	}
	return ex, out
}
