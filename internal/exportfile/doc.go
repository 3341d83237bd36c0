// Package exportfile reads the files the ConfigMgr console and
// Export-CMTaskSequence write: bare <sequence> documents, CIM-XML instances
// of SMS_TaskSequencePackage (object.xml), ReferencesInfo.xml and
// AppReferencesInfo.xml, and the OPC zip holding them, including zips
// nested in zips. tsctl convert and tsctl site seed read them; it has
// nothing to do with tsctl export, which reads a site (engine.Export).
package exportfile
