package config

// The settings of a deployment that take one of a few values, as the
// schema spells them.

// Purpose is whether clients may run a deployment or must
// (SMS_Advertisement.OfferType).
type Purpose string

const (
	PurposeAvailable Purpose = "available"
	PurposeRequired  Purpose = "required"
)

func (p Purpose) String() string { return string(p) }

// Availability is who a deployment is made available to: clients, media
// and PXE (AdvertFlags bits).
type Availability string

const (
	AvailabilityClients            Availability = "clients"
	AvailabilityClientsMediaAndPXE Availability = "clientsMediaAndPXE"
	AvailabilityMediaAndPXE        Availability = "mediaAndPXE"
	AvailabilityMediaAndPXEHidden  Availability = "mediaAndPXEHidden"
)

func (a Availability) String() string { return string(a) }

// TimeZone is how a deployment's times are read: each client's local
// time, or UTC.
type TimeZone string

const (
	TimeZoneLocal TimeZone = "local"
	TimeZoneUTC   TimeZone = "utc"
)

func (z TimeZone) String() string { return string(z) }

// Rerun is when a required deployment runs again on a client that ran it
// (RemoteClientFlags bits).
type Rerun string

const (
	RerunNever       Rerun = "never"
	RerunAlways      Rerun = "always"
	RerunIfFailed    Rerun = "ifFailed"
	RerunIfSucceeded Rerun = "ifSucceeded"
)

func (r Rerun) String() string { return string(r) }

// ContentOption is how clients get a deployment's content
// (RemoteClientFlags bits).
type ContentOption string

const (
	ContentDownloadOnDemand      ContentOption = "downloadOnDemand"
	ContentDownloadAllFirst      ContentOption = "downloadAllFirst"
	ContentFromDistributionPoint ContentOption = "fromDistributionPoint"
)

func (c ContentOption) String() string { return string(c) }
