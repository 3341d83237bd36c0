package config

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

const schemaPath = "../../schema/tsctl.schema.json"

var examples = map[string]any{
	"commandLine": "cmd /c echo hello", "package": "OSD Tools", "workingDirectory": "%_SMSTSMDataPath%", "outputVariable": "CommandOutput",
	"script": "Write-Output 'hello'", "scriptName": "Set-Wallpaper.ps1", "parameters": "-Verbose", "name": "OSDComputerName", "value": "PC-001",
	"baseVariable": "APPS", "program": "Install", "message": "The computer restarts now.", "image": "Windows 11 23H2 Enterprise",
	"osUpgradePackage": "Windows 11 23H2 setup", "file": "unattend.xml", "drive": "C:", "variable": "OSDisk", "diskVariable": "OSDDiskIndex",
	"style": "GPT", "diskType": "Basic", "type": "Primary", "sizeUnits": "Percent", "fileSystem": "NTFS", "driveLetterVariable": "OSDisk",
	"domain": "corp.example", "ou": "LDAP://OU=Workstations,DC=corp,DC=example", "account": "CORP\\svc-join", "workgroup": "WORKGROUP",
	"registeredUser": "Contoso", "registeredOrganization": "Contoso Ltd", "timeZone": "W. Europe Standard Time", "computerName": "%_SMSTSMachineName%",
	"clientPackage": "Configuration Manager Client Package", "installProperties": "SMSMP=cm01.corp.example", "sequence": "Module - Splash Screen",
	"path": "\\\\fs01\\share", "driveLetter": "Z:", "destination": "\\\\fs01\\captures\\ref.wim", "version": "1.0", "createdBy": "Contoso IT",
	"description": "Reference image", "categories": "DriverCategories:1a2b3c4d-0000-0000-0000-000000000000", "dnsDomain": "corp.example",
	"dnsSuffixSearchOrder": "corp.example", "user": "CORP\\svc-osd", "scriptBase64": "//5zAA==", "configFiles": "MigApp.xml",
	"preserveSettings": "Upgrade", "installPath": "\\\\fs01\\win11", "stagedContent": "%OSDUpgradeStagedContent%",
	"featureUpdateAssignmentId": "16777216", "featureUpdateName": "Windows 11, version 23H2", "startupKeyDrive": "E:",
	"serverLicenseMode": "PerSeat", "inputLocale": "en-US", "systemLocale": "en-US", "userLocale": "en-US", "uiLanguage": "en-US",
	"uiLanguageFallback": "en-US", "bootCriticalId": "16777300", "bootCriticalDriverId": "16777300", "bootCriticalContentId": "Content_1",
	"bootCriticalHardwareComponent": "PCI\\VEN_8086", "bootCriticalInfFile": "iaStorAC.inf", "osType": "CLIENT", "osArchitecture": "64",
	"minOSVersion": "10.0.19041", "maxOSVersion": "10.0.26100", "cmClientMinVersion": "5.00.9122.1000", "osLanguageID": "1033",
	"dnsServerList": "10.0.0.10", "enableDHCP": "false", "enableDNSRegistration": "true", "enableFullDNSRegistration": "true",
	"enableIPProtocolFiltering": "false", "enableLMHostsLookup": "true", "enableTCPFiltering": "false", "enableUDPFiltering": "false",
	"enableWINS": "false", "gatewayCostMetric": "1", "gateways": "10.0.0.1", "index": "0", "ipAddressList": "10.0.0.50",
	"ipProtocolFilterList": "6", "subnetMask": "255.255.255.0", "tcpFilterPortList": "443", "tcpipNetbiosOptions": "0",
	"udpFilterPortList": "53", "winsServerList": "10.0.0.11",
	"memory": "4096", "processorSpeed": "1600", "freeDiskSpace": "30000", "macAddress": "00:15:5D:00:00:01",
}

func fieldSchema(f Field) map[string]any {
	var s map[string]any
	switch f.Type {
	case TString, TScript:
		s = map[string]any{"type": "string"}
	case TBool:
		s = map[string]any{"type": "boolean", "examples": []any{true}}
	case TInt:
		s = map[string]any{"type": "integer", "minimum": 0, "maximum": MaxUint32, "examples": []any{1}}
	case TEnum:
		enum := make([]any, len(f.Enum))
		for i, e := range f.Enum {
			enum[i] = e
		}
		s = map[string]any{"enum": enum, "examples": []any{enum[0]}}
	case TSecret:
		s = map[string]any{"$ref": "#/$defs/secret"}
	case TRef:
		s = map[string]any{"$ref": "#/$defs/reference"}
	case TRefList, TApps:
		s = map[string]any{"type": "array", "minItems": 1, "items": map[string]any{"$ref": "#/$defs/reference"}}
	case TObject:
		s = objectSchema(f.Sub)
	case TArray:
		s = map[string]any{"type": "array", "items": objectSchema(f.Sub)}
	case TRules:
		s = map[string]any{"type": "array", "items": map[string]any{"$ref": "#/$defs/rule"}}
	}
	if ex, ok := examples[f.YAML]; ok && (f.Type == TString || f.Type == TScript || f.Type == TRef) {
		s["examples"] = []any{ex}
	}
	s["description"] = f.Desc
	return s
}

func objectSchema(fields []Field) map[string]any {
	props := map[string]any{}
	var required []any
	for _, f := range fields {
		props[f.YAML] = fieldSchema(f)
		if f.Required {
			required = append(required, f.YAML)
		}
	}
	s := map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func kindSchema(k *Kind) map[string]any {
	desc := k.Title + " (" + k.Class + ")."
	if len(k.Fields) == 0 {
		return map[string]any{"type": []any{"object", "null"}, "additionalProperties": false, "maxProperties": 0, "description": desc}
	}
	s := objectSchema(k.Fields)
	s["description"] = desc
	if k.Shorthand != "" {
		for _, f := range k.Fields {
			if f.YAML == k.Shorthand {
				short := fieldSchema(f)
				return map[string]any{"description": desc + " A bare value stands for " + k.Shorthand + ".", "anyOf": []any{short, s}}
			}
		}
	}
	return s
}

func canonical(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// TestSchemaMatchesKinds checks that the schema describes every typed step
// form exactly as the kind table defines it. UPDATE_SCHEMA=1 rewrites the
// schema's step kinds from the table.
func TestSchemaMatchesKinds(t *testing.T) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	props := doc["$defs"].(map[string]any)["step"].(map[string]any)["properties"].(map[string]any)
	changed := false
	for _, k := range Kinds() {
		want := canonical(kindSchema(k))
		if !reflect.DeepEqual(canonical(props[k.Key]), want) {
			changed = true
			if os.Getenv("UPDATE_SCHEMA") == "" {
				t.Errorf("schema entry for step kind %q differs from the kind table (run UPDATE_SCHEMA=1 go test ./internal/config)", k.Key)
			}
			props[k.Key] = want
		}
	}
	for _, k := range KindKeys() {
		if props[k] == nil {
			t.Errorf("schema has no step kind %q", k)
		}
	}
	if changed && os.Getenv("UPDATE_SCHEMA") != "" {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(schemaPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
