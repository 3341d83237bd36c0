// Package arch holds no code: its test (TestImportArrows) keeps the
// package map of tsctl true. Every package may import only the packages
// of tsctl the map allows it, so the arrows point one way —
//
//	diag ← schema ← config ← desired/convert ← engine → provider ← local/adminservice/wmi
//
// — and only engine, provider (with local, adminservice and wmi) and
// schema live outside internal/ and cmd/. A new package, or a new import
// between packages, is added to the map in arch_test.go deliberately.
package arch
