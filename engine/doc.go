// Package engine plans and applies a configuration against a site.
// MakePlan reads the site (internal/sitestate: one query per class, one
// lazy read per managed sequence), builds each declared object with its
// references resolved (internal/desired, internal/resolve), compares it
// with the site's (internal/diff), lints the plan, plans and checks
// deletions, and orders the objects by dependency. Each object the plan
// changes carries a Change — createPackage, updatePackage, createSequence,
// updateSequenceSteps, updateSequenceFields, deleteObject — that knows its
// SMS Provider calls; Apply runs them through a scheduler (schedule.go) in
// dependency order. The engine also exports a site's sequences for
// conversion (Export) and renders one sequence's XML (Render).
//
// # Package map
//
// The public packages are engine (the pipeline), provider (the seam to a
// site, with its implementations local, adminservice and wmi) and schema
// (the JSON Schema); everything else is internal/:
//
//	internal/diag        positioned diagnostics; imports nothing of tsctl
//	internal/object      the kinds of site objects: class, PackageType, ownership, names; imports nothing
//	schema               the JSON Schema; imports diag
//	internal/model       the task sequence model, its XML codec and the step class catalogue; imports object
//	internal/config      loads and checks configuration files; imports diag, schema, model
//	internal/desired     configuration → the objects a site should hold; imports config, model
//	internal/convert     site XML and export files → configuration; imports config, desired, exportfile
//	internal/exportfile  reads console export files
//	internal/plan        the plan's types: the plan document
//	internal/planfile    saved plans
//	internal/secret      reads secrets before the site is opened; keeps them out of messages
//	internal/sitestate   what a plan reads from a site; imports provider
//	internal/resolve     names → site IDs for the builder; imports sitestate, desired, secret
//	internal/diff        step trees and fields compared, by path; imports model, plan
//	engine               the pipeline: plan, changes, scheduler, apply; imports the above and provider
//	provider             the seam: SMS Provider primitives, counting, retrying, limiting
//	provider/local       the embedded site (bbolt)
//	provider/adminservice  the AdminService REST client
//	provider/wmi         the SMS Provider over WMI/DCOM (Windows)
//	internal/edm         the AdminService's entity schema and JSON form (client and façade)
//	internal/facade      serves a provider.Site as an AdminService (tsctl site serve)
//	internal/sitecheck   read-only probes of a site (tsctl site check)
//	internal/localfile   safe reads of local files
//	internal/workload    generated configurations for benchmarks and scale tests
//	internal/krbtest     Kerberos files for tests
//	internal/arch        the package map as a test (TestImportArrows)
//	internal/views       every output: JSON documents and events, typed and versioned, and their human text; imports engine, plan
//	cmd/tsctl            the CLI; cmd/tsctl-bench, cmd/tsctl-gen
//
// Arrows point one way: diag ← schema ← config ← desired/convert ← engine →
// provider ← local/adminservice/wmi (TestImportArrows in internal/arch
// holds every package to the layers above).
package engine
