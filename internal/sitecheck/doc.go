// Package sitecheck probes a Configuration Manager site, read-only, for
// everything tsctl relies on: the site code, each class query, one lazy
// read, whether SMS_ObjectLock.GetLockInformation is offered, and the
// account's rights on the classes tsctl reads and writes. It never writes.
//
// It is used by tsctl site check and imports provider and internal/object.
package sitecheck
