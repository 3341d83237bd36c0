package edm

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tsctl/tsctl/provider"
)

// Prop is a property and its EDM type.
type Prop struct{ Name, Type string }

// Type is one EntityType (or, Complex, ComplexType) of the schema.
type Type struct {
	Name     string
	Base     string   // BaseType, without the namespace
	Abstract bool     // no instances of its own
	Key      []string // declared here (or inherited from Base)
	Set      bool     // has an entity set: wmi/<Name> is a route
	Props    []Prop
	// Complex types are embedded objects only (SMS_ScheduleToken,
	// SMS_OS_Details…): no key, no entity set.
	Complex bool
}

const (
	edmString  = "Edm.String"
	edmInt32   = "Edm.Int32"
	edmInt64   = "Edm.Int64"
	edmBool    = "Edm.Boolean"
	edmTime    = "Edm.DateTimeOffset"
	stepsType  = "Collection(AdminService.SMS_TaskSequence_Step)"
	namespace  = "AdminService"
	TypePrefix = "#" + namespace + "."
)

// Collection(Edm.String), and collections of the complex types.
const (
	edmStrings = "Collection(Edm.String)"
	osDetails  = "Collection(AdminService.SMS_OS_Details)"
	schedules  = "Collection(AdminService.SMS_ScheduleToken)"
)

var schemaTypes = []Type{
	{Name: "SMS_Identification", Key: []string{"ThisSiteCode"}, Set: true, Props: []Prop{
		{"ThisSiteCode", edmString}, {"ThisSiteName", edmString}, {"SMSVersion", edmString}}},
	{Name: "SMS_PackageBaseclass", Abstract: true, Key: []string{"PackageID"}, Props: []Prop{
		{"Description", edmString}, {"ISVString", edmString}, {"Language", edmString}, {"LastRefreshTime", edmTime},
		{"Manufacturer", edmString}, {"Name", edmString}, {"PackageID", edmString}, {"PackageSize", edmInt64},
		{"PackageType", edmInt64}, {"PkgSourcePath", edmString}, {"SedoObjectVersion", edmString},
		{"SourceDate", edmTime}, {"SourceSite", edmString}, {"Version", edmString}}},
	{Name: "SMS_Package", Base: "SMS_PackageBaseclass", Set: true},
	{Name: "SMS_DriverPackage", Base: "SMS_PackageBaseclass", Set: true},
	{Name: "SMS_ImagePackage", Base: "SMS_PackageBaseclass", Set: true, Props: []Prop{{"ImageOSVersion", edmString}}},
	{Name: "SMS_OperatingSystemInstallPackage", Base: "SMS_PackageBaseclass", Set: true, Props: []Prop{{"ImageOSVersion", edmString}}},
	{Name: "SMS_BootImagePackage", Base: "SMS_PackageBaseclass", Set: true, Props: []Prop{
		{"Architecture", edmString}, {"ImageOSVersion", edmString}}},
	{Name: "SMS_TaskSequencePackage", Base: "SMS_PackageBaseclass", Set: true, Props: []Prop{
		{"BootImageID", edmString}, {"Category", edmString}, {"CustomProgressMsg", edmString}, {"DependentProgram", edmString},
		{"Duration", edmInt64}, {"ProgramFlags", edmInt64}, {"References", "Collection(AdminService.SMS_TaskSequence_Reference)"},
		{"ReferencesCount", edmInt64}, {"Reserved", edmString}, {"Sequence", edmString}, {"SourceSize", edmInt64},
		{"TaskSequenceFlags", edmInt64}, {"TsEnabled", edmBool}, {"Type", edmInt64},
		{"CustomHighImpactHeadline", edmString}, {"CustomHighImpactSet", edmInt64}, {"CustomHighImpactWarning", edmString},
		{"CustomHighImpactWarningInstall", edmString}, {"CustomHighImpactWarningTop", edmString}, {"EstimatedDownloadSizeMB", edmInt64},
		{"EstimatedRunTimeMinutes", edmInt64}, {"HighImpactTaskSequence", edmInt64}, {"RestartRequired", edmInt64},
		{"SupportedOperatingSystems", osDetails}}},
	{Name: "SMS_Program", Key: []string{"PackageID", "ProgramName"}, Set: true, Props: []Prop{
		{"CommandLine", edmString}, {"Comment", edmString}, {"Description", edmString}, {"Duration", edmInt64},
		{"PackageID", edmString}, {"PackageName", edmString}, {"ProgramFlags", edmInt64}, {"ProgramName", edmString},
		{"DependentProgram", edmString}, {"DiskSpaceReq", edmString}, {"SupportedOperatingSystems", osDetails},
		{"WorkingDirectory", edmString}}},
	{Name: "SMS_OS_Details", Complex: true, Props: []Prop{
		{"MaxVersion", edmString}, {"MinVersion", edmString}, {"Name", edmString}, {"Platform", edmString}}},
	{Name: "SMS_ScheduleToken", Complex: true, Props: []Prop{
		{"DayDuration", edmInt64}, {"HourDuration", edmInt64}, {"IsGMT", edmBool}, {"MinuteDuration", edmInt64}, {"StartTime", edmTime}}},
	{Name: "SMS_ST_NonRecurring", Base: "SMS_ScheduleToken", Complex: true},
	{Name: "SMS_Advertisement", Key: []string{"AdvertisementID"}, Set: true, Props: []Prop{
		{"AdvertFlags", edmInt64}, {"AdvertisementID", edmString}, {"AdvertisementName", edmString}, {"AssignedSchedule", schedules},
		{"AssignedScheduleEnabled", edmBool}, {"AssignedScheduleIsGMT", edmBool}, {"CollectionID", edmString}, {"Comment", edmString},
		{"ExpirationTime", edmTime}, {"ExpirationTimeEnabled", edmBool}, {"ExpirationTimeIsGMT", edmBool}, {"ISVString", edmString},
		{"OfferType", edmInt64}, {"PackageID", edmString}, {"PresentTime", edmTime}, {"PresentTimeEnabled", edmBool},
		{"PresentTimeIsGMT", edmBool}, {"Priority", edmInt64}, {"ProgramName", edmString}, {"RemoteClientFlags", edmInt64},
		{"SourceSite", edmString}, {"TimeFlags", edmInt64}}},
	{Name: "SMS_Collection", Key: []string{"CollectionID"}, Set: true, Props: []Prop{
		{"CollectionID", edmString}, {"CollectionRules", "Collection(AdminService.SMS_CollectionRule)"}, {"CollectionType", edmInt64},
		{"Comment", edmString}, {"CurrentStatus", edmInt64}, {"IncludeExcludeCollectionsCount", edmInt32}, {"IsBuiltIn", edmBool},
		{"LimitToCollectionID", edmString}, {"LocalMemberCount", edmInt32}, {"MemberCount", edmInt32}, {"Name", edmString}}},
	{Name: "SMS_CollectionRule", Complex: true, Props: []Prop{{"RuleName", edmString}}},
	{Name: "SMS_CollectionRuleIncludeCollection", Base: "SMS_CollectionRule", Complex: true, Props: []Prop{{"IncludeCollectionID", edmString}}},
	{Name: "SMS_FullCollectionMembership", Key: []string{"CollectionID", "ResourceID"}, Set: true, Props: []Prop{
		{"CollectionID", edmString}, {"IsClient", edmBool}, {"Name", edmString}, {"ResourceID", edmInt64}, {"SiteCode", edmString}}},
	{Name: "SMS_SystemResourceList", Key: []string{"NALPath", "ResourceType", "RoleName", "SiteCode"}, Set: true, Props: []Prop{
		{"NALPath", edmString}, {"ResourceType", edmString}, {"RoleName", edmString}, {"ServerName", edmString},
		{"ServerRemoteName", edmString}, {"SiteCode", edmString}}},
	{Name: "SMS_SiteControlItem", Abstract: true, Key: []string{"FileType", "ItemName", "ItemType", "SiteCode"}, Props: []Prop{
		{"FileType", edmInt64}, {"ItemName", edmString}, {"ItemType", edmString}, {"SiteCode", edmString}}},
	{Name: "SMS_SCI_SiteDefinition", Base: "SMS_SiteControlItem", Set: true, Props: []Prop{
		{"Props", "Collection(AdminService.SMS_EmbeddedProperty)"}, {"SiteName", edmString}, {"SiteServerName", edmString}}},
	{Name: "SMS_EmbeddedProperty", Complex: true, Props: []Prop{
		{"PropertyName", edmString}, {"Value", edmInt64}, {"Value1", edmString}, {"Value2", edmString}}},
	{Name: "SMS_ObjectContainerNode", Key: []string{"ContainerNodeID"}, Set: true, Props: []Prop{
		{"ContainerNodeID", edmInt64}, {"FolderFlags", edmInt64}, {"FolderGuid", edmString}, {"IsEmpty", edmBool}, {"Name", edmString},
		{"ObjectType", edmInt64}, {"ParentContainerNodeID", edmInt64}, {"SearchFolder", edmBool}, {"SearchString", edmString},
		{"SourceSite", edmString}}},
	{Name: "SMS_ObjectContainerItem", Key: []string{"MemberID"}, Set: true, Props: []Prop{
		{"ContainerNodeID", edmInt64}, {"InstanceKey", edmString}, {"MemberGuid", edmString}, {"MemberID", edmInt64},
		{"ObjectType", edmInt64}, {"ObjectTypeName", edmString}, {"SourceSite", edmString}}},
	{Name: "SMS_DistributionPointGroup", Key: []string{"GroupID"}, Set: true, Props: []Prop{
		{"CreatedOn", edmTime}, {"Description", edmString}, {"GroupID", edmString}, {"HasMember", edmBool}, {"MemberCount", edmInt64},
		{"Name", edmString}, {"SourceSite", edmString}}},
	{Name: "SMS_DistributionPointInfoBase", Key: []string{"NALPath"}, Set: true, Props: []Prop{
		{"ID", edmInt64}, {"IsPXE", edmBool}, {"NALPath", edmString}, {"Name", edmString}, {"ResourceType", edmString},
		{"ServerName", edmString}, {"SiteCode", edmString}, {"SiteName", edmString}}},
	{Name: "SMS_DistributionPointInfo", Base: "SMS_DistributionPointInfoBase", Set: true},
	{Name: "SMS_DPGroupMembers", Key: []string{"DPNALPath", "GroupID"}, Set: true, Props: []Prop{
		{"DPNALPath", edmString}, {"GroupID", edmString}}},
	{Name: "SMS_DPGroupPackages", Key: []string{"GroupID", "PkgID"}, Set: true, Props: []Prop{
		{"GroupID", edmString}, {"PkgID", edmString}}},
	{Name: "SMS_DistributionPoint", Key: []string{"PackageID", "ServerNALPath", "SiteCode"}, Set: true, Props: []Prop{
		{"IsPeerDP", edmBool}, {"LastRefreshTime", edmTime}, {"PackageID", edmString}, {"PackageType", edmInt64},
		{"ResourceType", edmString}, {"ServerNALPath", edmString}, {"SiteCode", edmString}, {"SiteName", edmString},
		{"SourceSite", edmString}, {"Status", edmInt64}}},
	{Name: "SMS_PackageStatusDistPointsSummarizer", Key: []string{"PackageID", "ServerNALPath", "SiteCode"}, Set: true, Props: []Prop{
		{"LastCopied", edmTime}, {"PackageID", edmString}, {"PackageType", edmInt64}, {"SecureObjectID", edmString},
		{"ServerNALPath", edmString}, {"SiteCode", edmString}, {"SourceVersion", edmInt64}, {"State", edmInt64},
		{"SummaryDate", edmTime}}},
	{Name: "SMS_ConfigurationItemLatestBaseClass", Abstract: true, Key: []string{"ModelName"}, Props: []Prop{
		{"CI_ID", edmInt64}, {"IsExpired", edmBool}, {"IsLatest", edmBool}, {"LocalizedDisplayName", edmString},
		{"ModelName", edmString}, {"SedoObjectVersion", edmString}, {"SourceSite", edmString}}},
	{Name: "SMS_ApplicationLatest", Base: "SMS_ConfigurationItemLatestBaseClass", Set: true},
	{Name: "SMS_TaskSequence", Set: true, Props: []Prop{{"SchemaVersion", edmString}, {"Steps", stepsType}}},
	{Name: "SMS_TaskSequence_Reference", Set: true, Props: []Prop{{"Package", edmString}, {"Program", edmString}, {"Type", edmInt64}}},
	{Name: "SMS_TaskSequence_Step", Abstract: true, Props: []Prop{
		{"ContinueOnError", edmBool}, {"Description", edmString}, {"Enabled", edmBool}, {"Name", edmString}}},
	{Name: "SMS_TaskSequence_Group", Base: "SMS_TaskSequence_Step", Set: true, Props: []Prop{{"Steps", stepsType}}},
	{Name: "SMS_TaskSequence_Action", Base: "SMS_TaskSequence_Step", Abstract: true, Props: []Prop{
		{"SupportedEnvironment", edmString}, {"Timeout", edmInt64}}},
	{Name: "SMS_ObjectLock", Abstract: true},
	{Name: "SMS_RbacSecuredObject", Key: []string{"ObjectTypeID"}, Set: true, Props: []Prop{
		{"GrantedOperations", edmInt64}, {"ObjectTypeID", edmInt64}, {"ObjectTypeName", edmString},
		{"Operations", "Collection(AdminService.SMS_Operation)"}}},
}

// actionImports are the static methods tsctl calls, as the service's
// container imports them (POST wmi/<Class>.<Method>).
var actionImports = []string{
	"SMS_TaskSequencePackage.ImportSequence",
	"SMS_TaskSequencePackage.SetSequence",
	"SMS_ObjectLock.GetLockInformation",
	"SMS_ObjectContainerItem.MoveMembers",
	"SMS_Advertisement.RiskyDeploymentStatusMessage",
}

// BoundAction is an instance method the service routes as
// POST wmi/<Class>(<key>)/AdminService.<Name>: an Action bound to its
// class, with its parameters besides the binding one.
type BoundAction struct {
	Class, Name string
	Params      []Prop
}

// contentClasses are the package classes tsctl distributes.
var contentClasses = []string{"SMS_Package", "SMS_DriverPackage", "SMS_ImagePackage", "SMS_OperatingSystemInstallPackage",
	"SMS_BootImagePackage", "SMS_TaskSequencePackage"}

// boundActions are the instance methods tsctl calls, as a real site's
// $metadata binds them.
var boundActions = func() []BoundAction {
	out := []BoundAction{{"SMS_DistributionPointGroup", "AddPackages", []Prop{{"PackageIDs", edmStrings}}}}
	for _, c := range contentClasses {
		out = append(out, BoundAction{c, "AddDistributionPoints", []Prop{{"NALPath", edmStrings}, {"SiteCode", edmStrings}}})
	}
	for _, c := range contentClasses {
		var params []Prop
		if c == "SMS_BootImagePackage" {
			params = []Prop{{"ContextID", edmString}} // optional
		}
		out = append(out, BoundAction{c, "RefreshPkgSource", params})
	}
	return out
}()

// Bound returns the instance method name of class, in any case.
func Bound(class, name string) (BoundAction, bool) {
	for _, a := range boundActions {
		if strings.EqualFold(a.Class, class) && strings.EqualFold(a.Name, name) {
			return a, true
		}
	}
	return BoundAction{}, false
}

var (
	typeByName   = map[string]*Type{}  // lower-case name → type
	actionByName = map[string]string{} // lower-case name → canonical
)

// Action returns the canonical Class.Method of a static method the
// service routes, given in any case.
func Action(name string) (string, bool) {
	a, ok := actionByName[strings.ToLower(name)]
	return a, ok
}

func init() {
	for i := range schemaTypes {
		typeByName[strings.ToLower(schemaTypes[i].Name)] = &schemaTypes[i]
	}
	for _, a := range actionImports {
		actionByName[strings.ToLower(a)] = a
	}
	// tsctl's own apply lease: routed on tsctl's sites, not declared in
	// $metadata (a Configuration Manager site has no such class; clients
	// find out by calling it)
	for _, m := range []string{provider.LeaseAcquire, provider.LeaseRenew, provider.LeaseRelease} {
		a := provider.LeaseClass + "." + m
		actionByName[strings.ToLower(a)] = a
	}
}

// Lookup returns a type by name, in any case (the WMI route is
// case-insensitive since ConfigMgr 2006).
func Lookup(name string) *Type { return typeByName[strings.ToLower(name)] }

// KeyProps is the key of t, inherited from its base types.
func (t *Type) KeyProps() []string {
	for ; t != nil; t = Lookup(t.Base) {
		if len(t.Key) > 0 {
			return t.Key
		}
	}
	return nil
}

// Prop is the EDM type of a property of t or its base types, in any
// case; "" when t declares no such property.
func (t *Type) Prop(name string) (canonical, typ string) {
	for ; t != nil; t = Lookup(t.Base) {
		for _, p := range t.Props {
			if strings.EqualFold(p.Name, name) {
				return p.Name, p.Type
			}
		}
	}
	return "", ""
}

// KeyLiteral renders a key value for a URL: unquoted for an Edm.Int64 key
// of a class the schema knows, else as a quoted string.
func KeyLiteral(class, prop, v string) string {
	if t := Lookup(class); t != nil {
		if _, typ := t.Prop(prop); typ == edmInt64 {
			if _, err := strconv.ParseInt(v, 10, 64); err == nil {
				return v
			}
		}
	}
	return "'" + url.PathEscape(strings.ReplaceAll(v, "'", "''")) + "'"
}

// MetadataXML renders the schema as an OData CSDL document.
func MetadataXML() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>` + "\n")
	b.WriteString(`<Schema Namespace="AdminService" xmlns="http://docs.oasis-open.org/odata/ns/edm">` + "\n")
	for _, t := range schemaTypes {
		elem := "EntityType"
		if t.Complex {
			elem = "ComplexType"
		}
		fmt.Fprintf(&b, `<%s Name="%s"`, elem, t.Name)
		if t.Base != "" {
			fmt.Fprintf(&b, ` BaseType="%s.%s"`, namespace, t.Base)
		}
		if t.Abstract {
			b.WriteString(` Abstract="true"`)
		}
		b.WriteString(">")
		if len(t.Key) > 0 {
			b.WriteString("<Key>")
			for _, k := range t.Key {
				fmt.Fprintf(&b, `<PropertyRef Name="%s"/>`, k)
			}
			b.WriteString("</Key>")
		}
		for _, p := range t.Props {
			fmt.Fprintf(&b, `<Property Name="%s" Type="%s"/>`, p.Name, p.Type)
		}
		fmt.Fprintf(&b, "</%s>\n", elem)
	}
	for _, a := range boundActions {
		fmt.Fprintf(&b, `<Action Name="%s" IsBound="true"><Parameter Name="bindingParameter" Type="%s.%s"/>`, a.Name, namespace, a.Class)
		for _, p := range a.Params {
			fmt.Fprintf(&b, `<Parameter Name="%s" Type="%s"/>`, p.Name, p.Type)
		}
		b.WriteString(`<ReturnType Type="Edm.Int32"/></Action>` + "\n")
	}
	b.WriteString(`<EntityContainer Name="Container">` + "\n")
	for _, t := range schemaTypes {
		if t.Set {
			fmt.Fprintf(&b, `<EntitySet Name="%s" EntityType="%s.%s"/>`+"\n", t.Name, namespace, t.Name)
		}
	}
	for _, a := range actionImports {
		fmt.Fprintf(&b, `<ActionImport Name="%s" Action="%s.%s"/>`+"\n", a, namespace, a)
	}
	b.WriteString("</EntityContainer>\n</Schema></edmx:DataServices></edmx:Edmx>\n")
	return b.String()
}

// Typed renders an instance's properties with the JSON types its
// class declares: Edm.Int64 as numbers, Edm.Boolean as booleans (a site
// stores some as text), property names in their declared case.
// Properties the schema does not declare pass unchanged.
func Typed(class string, m map[string]any) map[string]any {
	t := Lookup(class)
	if t == nil {
		return m
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		name, typ := t.Prop(k)
		if name == "" {
			out[k] = v
			continue
		}
		out[name] = typedValue(typ, v)
	}
	return out
}

func typedValue(typ string, v any) any {
	s, isString := v.(string)
	switch {
	case (typ == edmInt64 || typ == edmInt32) && isString:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return json.Number(strconv.FormatInt(n, 10))
		}
	case typ == edmBool && isString:
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	case typ == edmTime && isString:
		// A CIM DATETIME (as WMI writes it) goes out as ISO 8601.
		if t, err := provider.ParseCIMDateTime(s); err == nil {
			return t.Format(time.RFC3339)
		}
	}
	return v
}
